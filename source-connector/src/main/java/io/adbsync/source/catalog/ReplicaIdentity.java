package io.adbsync.source.catalog;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * REPLICA IDENTITY FULL of captured tables: set where missing ({@code setup.mode=create}), or named with the SQL that
 * sets it ({@code check}). A partitioned table's setting does not reach its partitions, whose WAL carries the old rows,
 * so each leaf partition counts too.
 */
public final class ReplicaIdentity {

    /** The table and its leaf partitions, with their replica identity; pg_partition_tree() lists nothing for a plain table. */
    private static final String TREE = "WITH r AS (SELECT to_regclass(?) AS oid) "
            + "SELECT n.nspname, c.relname, c.relreplident FROM r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE c.relkind IN ('r', 'p') AND (c.oid = r.oid OR c.oid IN (SELECT t.relid FROM pg_partition_tree(r.oid) t WHERE t.isleaf)) "
            + "ORDER BY c.oid <> r.oid, n.nspname, c.relname";

    private ReplicaIdentity() {
    }

    /** The statement that gives {@code quotedTable} REPLICA IDENTITY FULL. */
    public static String fullStatement(String quotedTable) {
        return "ALTER TABLE " + quotedTable + " REPLICA IDENTITY FULL";
    }

    /** Quoted names of {@code tables} and of their leaf partitions that lack REPLICA IDENTITY FULL. */
    public static List<String> notFull(Connection c, List<TableId> tables) throws SQLException {
        List<String> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(TREE)) {
            for (TableId t : tables) {
                ps.setString(1, t.regclassText());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (!"f".equals(rs.getString(3))) {
                            missing.add(SqlIdentifiers.qualified(rs.getString(1), rs.getString(2)));
                        }
                    }
                }
            }
        }
        return missing;
    }

    /**
     * Sets REPLICA IDENTITY FULL where {@code tables} or their partitions lack it. Looking first keeps a restart from
     * running DDL (and needing ownership of the tables) when nothing changed.
     */
    public static void makeFull(Connection c, List<TableId> tables) throws SQLException {
        List<String> missing = notFull(c, tables);
        try (Statement s = c.createStatement()) {
            for (String table : missing) {
                s.execute(fullStatement(table));
            }
        }
    }

    /** {@code fullStatement} for each of {@code quotedTables}. */
    public static List<String> fullStatements(List<String> quotedTables) {
        return quotedTables.stream().map(ReplicaIdentity::fullStatement).toList();
    }
}
