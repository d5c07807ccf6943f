package io.adbsync.source.partition;

import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.catalog.TableFilter;
import org.apache.kafka.connect.errors.ConnectException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the catalog says about partition trees (PostgreSQL 12+ functions): the leaves of a root and the root of a leaf. */
public final class Partitions {

    private Partitions() {
    }

    /** A relation of a partition tree by OID and name. */
    public record Member(int oid, String schema, String table) {

        public String qualifiedName() {
            return schema + "." + table;
        }

        /** The name quoted for SQL. */
        public String quoted() {
            return SqlIdentifiers.qualified(schema, table);
        }
    }

    /**
     * The leaf partitions (tables holding rows) of {@code schema.table}, at every level, in name order; empty when the
     * table is not partitioned.
     */
    public static List<Member> leaves(Connection c, String schema, String table) throws SQLException {
        String sql = "SELECT l.oid, ln.nspname, l.relname FROM pg_class p JOIN pg_namespace pn ON pn.oid = p.relnamespace "
                + "CROSS JOIN LATERAL pg_partition_tree(p.oid) t JOIN pg_class l ON l.oid = t.relid "
                + "JOIN pg_namespace ln ON ln.oid = l.relnamespace "
                + "WHERE pn.nspname = ? AND p.relname = ? AND p.relkind = 'p' AND t.isleaf AND l.relkind = 'r' ORDER BY 2, 3";
        List<Member> leaves = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    leaves.add(new Member((int) rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        return leaves;
    }

    /** The top-most partitioned table above the relation {@code oid}, or empty if it is not a partition. */
    public static Optional<Member> rootOf(Connection c, int oid) throws SQLException {
        String sql = "SELECT r.oid, n.nspname, r.relname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace "
                + "WHERE r.oid = pg_partition_root(?::oid) AND r.oid <> ?::oid";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, oid & 0xFFFFFFFFL);
            ps.setLong(2, oid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Member((int) rs.getLong(1), rs.getString(2), rs.getString(3))) : Optional.empty();
            }
        }
    }

    /**
     * Fails when the include list names a partition but not its root: a partition is captured through its root only
     * (its changes are the root's, under the root's topic), so such a list would capture nothing of it. A root left out
     * by the exclude list leaves its partitions out too, whatever the include list says.
     */
    public static void requireRootsNamed(Connection c, TableFilter filter) throws SQLException {
        // Older servers are refused elsewhere; they lack pg_partition_root, and the message here would hide why.
        if (!ServerCapabilities.of(c).partitionRootFunction()) {
            return;
        }
        String sql = "SELECT n.nspname, c.relname, rn.nspname, r.relname FROM pg_class c "
                + "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class r ON r.oid = pg_partition_root(c.oid) "
                + "JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE c.relispartition AND c.relkind IN ('r', 'p') ORDER BY 1, 2";
        List<String> misnamed = new ArrayList<>();
        List<String> roots = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                String schema = rs.getString(3);
                String root = rs.getString(4);
                if (filter.captures(rs.getString(1), rs.getString(2)) && !filter.captures(schema, root)
                        && !filter.excludes(schema, root)) {
                    misnamed.add(rs.getString(1) + "." + rs.getString(2));
                    if (!roots.contains(schema + "." + root)) {
                        roots.add(schema + "." + root);
                    }
                }
            }
        }
        if (!misnamed.isEmpty()) {
            throw new ConnectException("table.include.list names partition(s) " + String.join(", ", misnamed)
                    + " but not their partitioned table(s) " + String.join(", ", roots) + ". Partitions are captured only "
                    + "through their root, as one table under the root's name and topic: add " + String.join(", ", roots)
                    + " to table.include.list (or leave the partitions out)");
        }
    }
}
