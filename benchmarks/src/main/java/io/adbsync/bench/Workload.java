package io.adbsync.bench;

import io.adbsync.common.sql.SqlIdentifiers;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** The data the benchmark writes: pgbench-style accounts rows (about 100 bytes each) and the change mixes on them. */
final class Workload {

    /** Rows per transaction for the write loads: a busy OLTP application's batch, not one huge transaction. */
    static final int TXN_ROWS = 1000;

    private Workload() {
    }

    /** Creates {@code public.<table>} shaped like pgbench_accounts, with {@code rows} rows. */
    static void createAccounts(Connection c, String table, int rows) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + name(table));
            s.execute("CREATE TABLE " + name(table) + " (aid integer PRIMARY KEY, bid integer NOT NULL, "
                    + "abalance integer NOT NULL, filler character(84))");
        }
        if (rows > 0) {
            insert(c, table, 1, rows, rows);
            try (Statement s = c.createStatement()) {
                s.execute("VACUUM ANALYZE " + name(table));
            }
        }
    }

    /** Inserts rows {@code from..to} in transactions of {@code perTxn} rows. */
    static void insert(Connection c, String table, int from, int to, int perTxn) throws SQLException {
        inBatches(c, "INSERT INTO " + name(table) + " SELECT g, (g - 1) / 100000 + 1, 0, '' FROM generate_series(?, ?) g",
                from, to, perTxn);
    }

    /** Updates every row {@code from..to} once, in transactions of {@code perTxn} rows. */
    static void update(Connection c, String table, int from, int to, int perTxn) throws SQLException {
        inBatches(c, "UPDATE " + name(table) + " SET abalance = abalance + 1 WHERE aid BETWEEN ? AND ?", from, to, perTxn);
    }

    /** Deletes the rows of {@code from..to} whose key is not a multiple of ten (nine in ten), in transactions. */
    static void deleteNineInTen(Connection c, String table, int from, int to, int perTxn) throws SQLException {
        inBatches(c, "DELETE FROM " + name(table) + " WHERE aid BETWEEN ? AND ? AND aid % 10 <> 0", from, to, perTxn);
    }

    /** {@code changes} single-row-version updates spread over a table of {@code rows} rows, {@link #TXN_ROWS} per transaction. */
    static void updateBacklog(Connection c, String table, int rows, int changes) throws SQLException {
        int done = 0;
        while (done < changes) {
            int from = done % rows + 1;
            int to = Math.min(rows, from + Math.min(TXN_ROWS, changes - done) - 1);
            update(c, table, from, to, TXN_ROWS);
            done += to - from + 1;
        }
    }

    /** The row with key -1: written last, its arrival at the destination means everything before it arrived. */
    static void sentinel(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + name(table) + " VALUES (-1, 0, 0, 'sentinel')");
        }
    }

    /** The quoted name of {@code public.<table>}. */
    static String name(String table) {
        return SqlIdentifiers.qualified("public", table);
    }

    private static void inBatches(Connection c, String sql, int from, int to, int perTxn) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int start = from; start <= to; start += perTxn) {
                s.setInt(1, start);
                s.setInt(2, Math.min(to, start + perTxn - 1));
                s.executeUpdate();
            }
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
