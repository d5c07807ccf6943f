package io.adbsync.stack.fuzz;

import io.adbsync.stack.verify.TableVerifier;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.stack.verify.TableDiff;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Compares a table without a primary key as a multiset of rows: row count and an md5 of all rows' text forms sorted
 * byte-wise. Duplicate rows count as often as they occur, so a lost or doubled duplicate shows. Whole-table, no
 * chunks: the fuzzer's keyless tables are small.
 */
final class KeylessVerifier {

    private KeylessVerifier() {
    }

    static TableDiff compare(Connection source, Connection destination, String schema, String table) throws SQLException {
        String qualified = schema + "." + table;
        List<String> columns = TableVerifier.columns(source, schema, table);
        String rowText = TableVerifier.rowText(columns);
        String sql = "SELECT count(*), md5(string_agg(r, E'\\n' ORDER BY r COLLATE \"C\")) FROM (SELECT " + rowText
                + " AS r FROM " + SqlIdentifiers.qualified(schema, table) + ") rows";
        String[] a = digest(source, sql);
        if (TableVerifier.columns(destination, schema, table).isEmpty()) {
            return new TableDiff(qualified, Long.parseLong(a[0]), 0, 0, List.of(), "missing at the destination");
        }
        String[] b = digest(destination, sql);
        List<String> differing = a[1] == null ? (b[1] == null ? List.of() : List.of("[whole table]"))
                : a[1].equals(b[1]) ? List.of() : List.of("[whole table, compared as a multiset of rows]");
        return new TableDiff(qualified, Long.parseLong(a[0]), Long.parseLong(b[0]), 1, differing, null);
    }

    private static String[] digest(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        }
    }
}
