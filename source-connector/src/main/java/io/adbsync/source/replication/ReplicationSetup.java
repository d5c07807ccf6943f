package io.adbsync.source.replication;

import io.adbsync.common.config.ConnectionConfig;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.SourceConfig;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.partition.PartitionMode;
import io.adbsync.source.partition.PartitionPublication;
import io.adbsync.source.stream.TableFilter;
import org.apache.kafka.connect.errors.ConnectException;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Creates the publication and the logical slot when absent, and keeps the publication's table list in step with the filter. */
public final class ReplicationSetup {

    private static final Logger log = LoggerFactory.getLogger(ReplicationSetup.class);

    private ReplicationSetup() {
    }

    /**
     * Makes {@code publication} publish exactly the captured tables (plus {@code extraTables}); an existing
     * FOR ALL TABLES publication is left as it is, the client-side filter does the rest. Partitioned tables are
     * published as {@code partitions} says: the root with publish_via_partition_root (an existing publication is
     * altered to have it), or the leaf partitions, each with its root's row filter.
     */
    public static void ensurePublication(SourceCatalog catalog, String publication, TableFilter filter,
                                         List<String[]> extraTables, Map<String, String> rowFilters,
                                         PartitionMode partitions) throws SQLException {
        Connection c = catalog.connection();
        Boolean allTables = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    allTables = rs.getBoolean(1);
                }
            }
        }
        List<String[]> captured = catalog.capturedTables(filter);
        if (allTables != null && partitions == PartitionMode.ROOT) {
            PartitionPublication.requireViaRoot(c, publication, captured);
        }
        if (Boolean.TRUE.equals(allTables)) {
            if (!rowFilters.isEmpty()) {
                throw new ConnectException("Publication " + publication + " (" + SourceConfig.PUBLICATION_NAME + ") is FOR ALL TABLES, "
                        + "which cannot carry the row filters of " + SourceConfig.TABLE_FILTERS + "; name another publication");
            }
            return;
        }
        if (!rowFilters.isEmpty() && catalog.serverVersionNum() < 150000) {
            throw new ConnectException("Publication row filters (" + SourceConfig.TABLE_FILTERS_MODE + "=publication) need "
                    + "PostgreSQL 15 or later at the source; use " + SourceConfig.TABLE_FILTERS_MODE + "=connector or auto");
        }
        if (captured.isEmpty()) {
            throw new ConnectException("No table matches " + SourceConfig.TABLE_INCLUDE_LIST + "/" + SourceConfig.TABLE_EXCLUDE_LIST
                    + " in database " + catalog.database() + "; nothing to capture");
        }
        Map<String, String> publishedAs = new java.util.HashMap<>();
        List<String[]> wanted = partitions == PartitionMode.LEAVES
                ? PartitionPublication.leavesFor(c, captured, publishedAs) : new ArrayList<>(captured);
        wanted.addAll(extraTables);
        Set<String> wantedNames = new TreeSet<>();
        List<String> quoted = new ArrayList<>();
        for (String[] t : wanted) {
            String name = t[0] + "." + t[1];
            if (wantedNames.add(name)) {
                String condition = rowFilters.get(publishedAs.getOrDefault(name, name));
                quoted.add(SqlIdentifiers.qualified(t[0], t[1]) + (condition == null ? "" : " WHERE (" + condition + ")"));
            }
        }
        try (Statement s = c.createStatement()) {
            if (allTables == null) {
                s.execute("CREATE PUBLICATION " + SqlIdentifiers.quote(publication) + " FOR TABLE " + String.join(", ", quoted)
                        + (partitions == PartitionMode.ROOT ? " WITH (publish_via_partition_root = true)" : ""));
                log.info("Created publication {} for {} table(s)", publication, quoted.size());
                return;
            }
            Set<String> current = new TreeSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ?")) {
                ps.setString(1, publication);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        current.add(rs.getString(1));
                    }
                }
            }
            // Row filters cannot be compared reliably as text, so a filtered publication is always set anew.
            if (!current.equals(wantedNames) || !rowFilters.isEmpty() || hasRowFilters(catalog, publication)) {
                s.execute("ALTER PUBLICATION " + SqlIdentifiers.quote(publication) + " SET TABLE " + String.join(", ", quoted));
                log.info("Publication {} now lists {} table(s) (was {})", publication, quoted.size(), current.size());
            }
        }
    }

    private static boolean hasRowFilters(SourceCatalog catalog, String publication) throws SQLException {
        if (catalog.serverVersionNum() < 150000) {
            return false;
        }
        try (PreparedStatement ps = catalog.connection().prepareStatement(
                "SELECT count(*) FROM pg_publication_tables WHERE pubname = ? AND rowfilter IS NOT NULL")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** Creates the pgoutput slot {@code slot} if absent; returns true if it was created. */
    public static boolean ensureSlot(ConnectionConfig config, SourceCatalog catalog, String slot) throws SQLException {
        try (PreparedStatement ps = catalog.connection().prepareStatement(
                "SELECT plugin, slot_type, database FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (!"pgoutput".equals(rs.getString(1)) || !"logical".equals(rs.getString(2))) {
                        throw new ConnectException("Replication slot " + slot + " (" + SourceConfig.SLOT_NAME + ") exists but is a "
                                + rs.getString(2) + " slot of plugin " + rs.getString(1) + "; choose another slot.name");
                    }
                    if (!catalog.database().equals(rs.getString(3))) {
                        throw new ConnectException("Replication slot " + slot + " (" + SourceConfig.SLOT_NAME + ") belongs to database "
                                + rs.getString(3) + ", not " + catalog.database() + "; choose another slot.name");
                    }
                    return false;
                }
            }
        }
        try (Connection replication = ReplicationStream.openReplicationConnection(config)) {
            replication.unwrap(PGConnection.class).getReplicationAPI()
                    .createReplicationSlot().logical().withSlotName(slot).withOutputPlugin("pgoutput").make();
        }
        log.info("Created logical replication slot {} (pgoutput)", slot);
        return true;
    }

    /**
     * The server's system identifier ({@code IDENTIFY_SYSTEM}, which needs only the REPLICATION privilege the stream
     * needs anyway): the same on a promoted standby, another on any other server, whose LSNs start again.
     */
    public static String systemIdentifier(ConnectionConfig config) throws SQLException {
        try (Connection replication = ReplicationStream.openReplicationConnection(config);
             Statement s = replication.createStatement();
             ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
            if (!rs.next()) {
                throw new SQLException("IDENTIFY_SYSTEM returned no row", "XX000");
            }
            return rs.getString("systemid");
        }
    }

    /** Drops the slot and the publication (connector removed for good, on request). */
    public static void drop(SourceCatalog catalog, String slot, String publication) throws SQLException {
        try (Statement s = catalog.connection().createStatement()) {
            try (PreparedStatement ps = catalog.connection().prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slot);
                ps.execute();
            }
            s.execute("DROP PUBLICATION IF EXISTS " + SqlIdentifiers.quote(publication));
        }
        log.info("Dropped replication slot {} and publication {}", slot, publication);
    }
}
