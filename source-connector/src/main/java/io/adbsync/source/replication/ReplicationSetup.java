package io.adbsync.source.replication;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.PgCatalog;
import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.LockBoundedDdl;
import io.adbsync.source.catalog.PublishingLock;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.partition.PartitionMode;
import io.adbsync.source.partition.PartitionPublication;
import io.adbsync.source.catalog.TableFilter;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Creates the publication and the logical slot when absent, and keeps the publication's table list in step with the
 * filter ({@code setup.mode=create}); or checks the publication, naming the SQL that would put it right ({@code check}).
 */
public final class ReplicationSetup {

    private static final Logger log = LoggerFactory.getLogger(ReplicationSetup.class);

    private ReplicationSetup() {
    }

    /**
     * Makes {@code publication} publish exactly the captured tables (plus {@code extraTables}); an existing
     * FOR ALL TABLES publication is left as it is, the client-side filter does the rest. Partitioned tables are
     * published as {@code partitions} says: the root with publish_via_partition_root (an existing publication is
     * altered to have it), or the leaf partitions, each with its root's row filter. This is {@code setup.mode=create};
     * {@link #checkPublication} is its counterpart for {@code check}.
     */
    public static void ensurePublication(SourceCatalog catalog, String publication, TableFilter filter,
                                         List<TableId> extraTables, Map<String, String> rowFilters,
                                         PartitionMode partitions) throws SQLException {
        Connection c = catalog.connection();
        Boolean allTables = allTables(c, publication);
        List<TableId> captured = catalog.capturedTables(filter);
        if (allTables != null && partitions == PartitionMode.ROOT) {
            PartitionPublication.requireViaRoot(c, publication, captured);
        }
        requirePublishable(c, publication, allTables, captured, rowFilters);
        if (Boolean.TRUE.equals(allTables)) {
            return;
        }
        Map<String, Listed> wanted = wanted(c, captured, extraTables, rowFilters, partitions);
        if (allTables == null) {
            // No slot has decoded with a publication that did not exist: nothing to lock against (see PublishingLock).
            try (Statement s = c.createStatement()) {
                s.execute(createStatement(publication, wanted, partitions));
            }
            log.info("Created publication {} for {} table(s)", publication, wanted.size());
            return;
        }
        Set<String> current = new TreeSet<>(publishedWithRowFilter(c, publication).keySet());
        // Row filters cannot be compared reliably as text, so a filtered publication is always set anew.
        boolean filtered = !rowFilters.isEmpty() || hasRowFilters(catalog, publication);
        if (current.equals(wanted.keySet()) && !filtered) {
            return;
        }
        String set = "ALTER PUBLICATION " + SqlIdentifiers.quote(publication) + " SET TABLE "
                + String.join(", ", entries(wanted.values()));
        // Only what the change publishes anew (a table added, or its row filter changed) is locked first: the server
        // keeps the rows of tables whose entry is unchanged, so it is learnt by trying, in a transaction rolled back.
        List<String> anew = setWithoutLock(c, publication, set);
        if (!anew.isEmpty()) {
            try {
                LockBoundedDdl.inOneTransaction(c, PublishingLock.lockedFirst(anew, List.of(set)));
            } catch (SQLException e) {
                if (LockBoundedDdl.lockNotGranted(e)) {
                    // Still transient (the task's start is retried within its retry window), and says why.
                    throw new SQLException("Publication " + publication + " must list table(s) " + anew + " anew, which "
                            + "waits until no transaction writing to them is open (LOCK TABLE ... IN SHARE ROW EXCLUSIVE "
                            + "MODE, see docs/operations.md): " + e.getMessage(), e.getSQLState(), e);
                }
                throw e;
            }
        }
        log.info("Publication {} now lists {} table(s) (was {})", publication, wanted.size(), current.size());
    }

    /**
     * Runs {@code set} (an {@code ALTER PUBLICATION ... SET TABLE}) in a transaction of its own and keeps it where it
     * publishes no table anew, else rolls it back: returns the tables it would publish anew (quoted), which the change
     * must then lock first (see {@link PublishingLock}). A row the server writes anew gets a new OID.
     */
    private static List<String> setWithoutLock(Connection c, String publication, String set) throws SQLException {
        String rows = "SELECT pr.oid, n.nspname, cl.relname FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = "
                + "pr.prpubid JOIN pg_class cl ON cl.oid = pr.prrelid JOIN pg_namespace n ON n.oid = cl.relnamespace "
                + "WHERE p.pubname = ?";
        List<String> anew = new ArrayList<>();
        LockBoundedDdl.inTransaction(c, s -> {
            try (PreparedStatement ps = c.prepareStatement(rows)) {
                ps.setString(1, publication);
                Set<Long> before = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        before.add(rs.getLong(1));
                    }
                }
                s.execute(set);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (!before.contains(rs.getLong(1))) {
                            anew.add(new TableId(rs.getString(2), rs.getString(3)).quoted());
                        }
                    }
                }
            }
            return anew.isEmpty();
        });
        return anew;
    }

    /**
     * {@code setup.mode=check}: what {@code publication} lacks to publish the {@code captured} tables and
     * {@code extraTables} as {@link #ensurePublication} would make it, with the SQL that adds it; null when nothing is
     * missing. Tables it lists beyond those are left to the client-side filter. Where a table's row filter is present
     * in the publication and in {@code rowFilters}, the two are taken to agree: row filters cannot be compared
     * reliably as text.
     */
    public static SetupProblem checkPublication(Connection c, String publication, List<TableId> captured,
                                                List<TableId> extraTables, Map<String, String> rowFilters,
                                                PartitionMode partitions) throws SQLException {
        Boolean allTables = allTables(c, publication);
        requirePublishable(c, publication, allTables, captured, rowFilters);
        String quoted = SqlIdentifiers.quote(publication);
        if (allTables == null) {
            Map<String, Listed> wanted = wanted(c, captured, extraTables, rowFilters, partitions);
            return new SetupProblem("publication.name", "Publication " + publication + " does not exist",
                    List.of(createStatement(publication, wanted, partitions)));
        }
        List<String> sql = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        if (partitions == PartitionMode.ROOT) {
            List<String> partitioned = PartitionPublication.notPublishedViaRoot(c, publication, captured);
            if (!partitioned.isEmpty()) {
                wrong.add("does not publish the partitioned table(s) " + String.join(", ", partitioned)
                        + " through their root (publish_via_partition_root)");
                sql.add(PartitionPublication.viaRootStatement(publication));
            }
        }
        if (!allTables) {
            Map<String, Listed> wanted = wanted(c, captured, extraTables, rowFilters, partitions);
            Map<String, Boolean> current = publishedWithRowFilter(c, publication);
            List<String> missing = new ArrayList<>();
            List<String> unfiltered = new ArrayList<>();
            List<String> filtered = new ArrayList<>();
            for (Map.Entry<String, Listed> t : wanted.entrySet()) {
                Boolean hasFilter = current.get(t.getKey());
                boolean wantsFilter = t.getValue().condition() != null;
                if (hasFilter == null) {
                    missing.add(t.getKey());
                } else if (wantsFilter && !hasFilter) {
                    unfiltered.add(t.getKey());
                } else if (!wantsFilter && hasFilter) {
                    filtered.add(t.getKey());
                }
            }
            List<String> publishing = new ArrayList<>();
            if (!missing.isEmpty()) {
                wrong.add("does not list table(s) " + String.join(", ", missing));
                sql.add("ALTER PUBLICATION " + quoted + " ADD TABLE "
                        + String.join(", ", missing.stream().map(name -> wanted.get(name).toString()).toList()));
                missing.forEach(name -> publishing.add(wanted.get(name).table()));
            }
            if (!unfiltered.isEmpty()) {
                wrong.add("lists table(s) " + String.join(", ", unfiltered) + " without the row filter of "
                        + "table.filters");
            }
            if (!filtered.isEmpty()) {
                wrong.add("filters the rows of table(s) " + String.join(", ", filtered) + ", which the connector captures "
                        + "whole here (no table.filters entry, or table.filters.mode"
                        + " has the connector apply it)");
            }
            for (String name : java.util.stream.Stream.concat(unfiltered.stream(), filtered.stream()).toList()) {
                sql.add("ALTER PUBLICATION " + quoted + " DROP TABLE " + wanted.get(name).table());
                sql.add("ALTER PUBLICATION " + quoted + " ADD TABLE " + wanted.get(name));
                publishing.add(wanted.get(name).table());
            }
            // Tables published anew are locked first, in the same transaction (see PublishingLock).
            sql = new ArrayList<>(PublishingLock.forAdministrator(publishing, sql));
        }
        return wrong.isEmpty() ? null
                : new SetupProblem("publication.name", "Publication " + publication + " " + String.join(" and ", wrong), sql);
    }

    private static Boolean allTables(Connection c, String publication) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        }
    }

    /** Refuses what no publication could serve: row filters where none can be, nothing to capture. */
    private static void requirePublishable(Connection c, String publication, Boolean allTables, List<TableId> captured,
                                           Map<String, String> rowFilters) throws SQLException {
        if (Boolean.TRUE.equals(allTables)) {
            if (!rowFilters.isEmpty()) {
                throw new ConnectException("Publication " + publication + " (publication.name) is FOR ALL TABLES, "
                        + "which cannot carry the row filters of table.filters; name another publication");
            }
            return;
        }
        if (!rowFilters.isEmpty() && !ServerCapabilities.of(c).publicationRowFilters()) {
            throw new ConnectException("Publication row filters (table.filters.mode=publication) need "
                    + "PostgreSQL 15 or later at the source; use table.filters.mode=connector or auto");
        }
        if (captured.isEmpty()) {
            throw new ConnectException("No table matches table.include.list/table.exclude.list"
                    + " in database " + PgCatalog.scalar(c, "SELECT current_database()") + "; nothing to capture");
        }
    }

    /**
     * The tables the publication must list, by name, each as its entry of a FOR TABLE list: quoted, with its row
     * filter. Where leaves are published, a partitioned table stands for its leaf partitions, each with the root's filter.
     */
    private static Map<String, Listed> wanted(Connection c, List<TableId> captured, List<TableId> extraTables,
                                              Map<String, String> rowFilters, PartitionMode partitions) throws SQLException {
        Map<String, String> publishedAs = new java.util.HashMap<>();
        List<TableId> tables = partitions == PartitionMode.LEAVES
                ? PartitionPublication.leavesFor(c, captured, publishedAs) : new ArrayList<>(captured);
        tables.addAll(extraTables);
        Map<String, Listed> wanted = new java.util.LinkedHashMap<>();
        for (TableId t : tables) {
            String name = t.toString();
            if (!wanted.containsKey(name)) {
                wanted.put(name, new Listed(t.quoted(), rowFilters.get(publishedAs.getOrDefault(name, name))));
            }
        }
        return wanted;
    }

    /** A table as a publication lists it: its quoted name and its row filter, if any. */
    private record Listed(String table, String condition) {
        @Override
        public String toString() {
            return table + (condition == null ? "" : " WHERE (" + condition + ")");
        }
    }

    private static List<String> entries(java.util.Collection<Listed> listed) {
        return listed.stream().map(Listed::toString).toList();
    }

    private static String createStatement(String publication, Map<String, Listed> wanted, PartitionMode partitions) {
        return "CREATE PUBLICATION " + SqlIdentifiers.quote(publication) + " FOR TABLE " + String.join(", ", entries(wanted.values()))
                + (partitions == PartitionMode.ROOT ? " WITH (publish_via_partition_root = true)" : "");
    }

    /** The tables {@code publication} lists by name, each with whether it has a row filter (never before PostgreSQL 15). */
    private static Map<String, Boolean> publishedWithRowFilter(Connection c, String publication) throws SQLException {
        Map<String, Boolean> tables = new java.util.HashMap<>();
        String rowFilter = ServerCapabilities.of(c).publicationRowFilters() ? "rowfilter IS NOT NULL" : "false";
        try (PreparedStatement ps = c.prepareStatement("SELECT schemaname || '.' || tablename, " + rowFilter
                + " FROM pg_publication_tables WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.put(rs.getString(1), rs.getBoolean(2));
                }
            }
        }
        return tables;
    }

    private static boolean hasRowFilters(SourceCatalog catalog, String publication) throws SQLException {
        if (!catalog.capabilities().publicationRowFilters()) {
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

    /** A replication slot as {@code pg_replication_slots} shows it. */
    public record ExistingSlot(String name, String plugin, String type, String database) {

        /** Why this connector cannot read the slot from database {@code currentDatabase}; null when it can. */
        public String problem(String currentDatabase) {
            if (!"pgoutput".equals(plugin) || !"logical".equals(type)) {
                return "Replication slot " + name + " (slot.name) exists as a " + type + " slot of plugin "
                        + plugin + "; choose another slot.name or drop it";
            }
            if (!currentDatabase.equals(database)) {
                return "Replication slot " + name + " (slot.name) belongs to database " + database
                        + ", not " + currentDatabase + "; choose another slot.name";
            }
            return null;
        }
    }

    /** Slot {@code slot} as it exists, or null when there is none. */
    public static ExistingSlot existingSlot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT plugin, slot_type, database FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new ExistingSlot(slot, rs.getString(1), rs.getString(2), rs.getString(3)) : null;
            }
        }
    }

    /** Creates the pgoutput slot {@code slot} if absent; returns true if it was created. */
    public static boolean ensureSlot(ConnectionConfig config, SourceCatalog catalog, String slot) throws SQLException {
        ExistingSlot existing = existingSlot(catalog.connection(), slot);
        if (existing != null) {
            String problem = existing.problem(catalog.database());
            if (problem != null) {
                throw new ConnectException(problem);
            }
            return false;
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

    /** Drops slot {@code slot} of the server {@code c} is connected to, if it exists. */
    public static void dropSlot(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /**
     * Drops the slot and, with {@code dropPublication} ({@code setup.mode=create}, where the connector made it), the
     * publication (connector removed for good, on request). Under {@code check} the publication is the administrator's.
     */
    public static void drop(SourceCatalog catalog, String slot, String publication, boolean dropPublication) throws SQLException {
        drop(catalog, List.of(catalog), slot, publication, dropPublication);
    }

    /**
     * As above, where the slots are on {@code slotServers} (each segment of a Greenplum source read per segment) and
     * the publication on {@code catalog}'s server.
     */
    public static void drop(SourceCatalog catalog, List<SourceCatalog> slotServers, String slot, String publication,
                            boolean dropPublication) throws SQLException {
        for (SourceCatalog server : slotServers) {
            dropSlot(server.connection(), slot);
        }
        if (!dropPublication) {
            log.info("Dropped replication slot {}; publication {} is left to its administrator ({}=check)", slot, publication,
                    "setup.mode");
            return;
        }
        try (Statement s = catalog.connection().createStatement()) {
            s.execute("DROP PUBLICATION IF EXISTS " + SqlIdentifiers.quote(publication));
        }
        log.info("Dropped replication slot {} and publication {}", slot, publication);
    }
}
