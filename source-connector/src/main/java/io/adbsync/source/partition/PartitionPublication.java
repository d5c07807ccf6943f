package io.adbsync.source.partition;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import org.apache.kafka.connect.errors.ConnectException;
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

/** The publication's side of partitioned tables: publish_via_partition_root for roots, or the list of leaves. */
public final class PartitionPublication {

    private static final Logger log = LoggerFactory.getLogger(PartitionPublication.class);

    private PartitionPublication() {
    }

    /**
     * Makes an existing publication publish the captured partitioned tables through their root. Without the option
     * their changes would arrive under the leaves' names, which the include list (naming the root) does not capture.
     */
    public static void requireViaRoot(Connection c, String publication, List<TableId> captured) throws SQLException {
        List<String> partitioned = notPublishedViaRoot(c, publication, captured);
        if (partitioned.isEmpty()) {
            return;
        }
        String alter = viaRootStatement(publication);
        try (Statement s = c.createStatement()) {
            s.execute(alter);
        } catch (SQLException e) {
            throw new ConnectException("Publication " + publication + " (publication.name) does not publish "
                    + "through the partition root, so changes of the partitioned table(s) " + String.join(", ", partitioned)
                    + " would arrive under their partitions' names and not be captured; the connector could not change "
                    + "that (" + e.getMessage() + "). Run " + alter + " as the publication's owner, or set "
                    + "publication.partitions=leaves", e);
        }
        log.info("Publication {} now publishes partitioned tables through their root (publish_via_partition_root = true) "
                + "for {}", publication, partitioned);
    }

    /**
     * The captured partitioned tables whose changes {@code publication} (which exists) would send under their
     * partitions' names, since it lacks publish_via_partition_root; empty when it has it or none is captured.
     */
    public static List<String> notPublishedViaRoot(Connection c, String publication, List<TableId> captured) throws SQLException {
        List<String> partitioned = partitioned(c, captured);
        if (partitioned.isEmpty()) {
            return partitioned;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pubviaroot FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                return !rs.next() || rs.getBoolean(1) ? List.of() : partitioned;
            }
        }
    }

    /** The statement that makes {@code publication} publish partitioned tables through their root. */
    public static String viaRootStatement(String publication) {
        return "ALTER PUBLICATION " + SqlIdentifiers.quote(publication) + " SET (publish_via_partition_root = true)";
    }

    /**
     * The tables to publish when leaves are published: each captured partitioned table is replaced by its leaf
     * partitions; {@code publishedAs} maps each leaf's name to its root's, whose row filter it takes.
     */
    public static List<TableId> leavesFor(Connection c, List<TableId> captured, Map<String, String> publishedAs)
            throws SQLException {
        List<TableId> tables = new ArrayList<>();
        for (TableId t : captured) {
            if (!isPartitioned(c, t.schema(), t.table())) {
                tables.add(t);
                continue;
            }
            for (Partitions.Member leaf : Partitions.leaves(c, t.schema(), t.table())) {
                tables.add(new TableId(leaf.schema(), leaf.table()));
                publishedAs.put(leaf.qualifiedName(), t.toString());
            }
        }
        return tables;
    }

    /** The names of the partitioned tables among {@code tables}. */
    public static List<String> partitioned(Connection c, List<TableId> tables) throws SQLException {
        List<String> partitioned = new ArrayList<>();
        for (TableId t : tables) {
            if (isPartitioned(c, t.schema(), t.table())) {
                partitioned.add(t.toString());
            }
        }
        return partitioned;
    }

    /** The partitioned tables among {@code tables}. */
    public static List<TableId> partitionedTables(Connection c, List<TableId> tables) throws SQLException {
        List<TableId> partitioned = new ArrayList<>();
        for (TableId t : tables) {
            if (isPartitioned(c, t.schema(), t.table())) {
                partitioned.add(t);
            }
        }
        return partitioned;
    }

    static boolean isPartitioned(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT c.relkind = 'p' FROM pg_class c "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
