package io.adbsync.stack.verify;

import io.adbsync.common.jdbc.PgCatalog;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Compares a table at the source and the destination: row counts, then an md5 of every column's text form per
 * chunk of primary-key order, chunk boundaries taken from the source and applied to both sides. Equal checksums
 * mean equal rows (as {@code col::text}); a differing chunk names its key range.
 */
public final class TableVerifier {

    private final int chunkRows;

    public TableVerifier(int chunkRows) {
        this.chunkRows = chunkRows;
    }

    /**
     * Tables of the source that have a primary key, but partitions, excluding system schemas and {@code heartbeatTable} (the source
     * connector's {@code heartbeat.table}).
     */
    public static List<TableId> tablesWithPrimaryKey(Connection source, TableId heartbeatTable) throws SQLException {
        // Partitions are compared through their root: the sink writes a partitioned table's rows into one table.
        return PgCatalog.tables(source, false).stream()
                .filter(t -> t.primaryKey() && !systemSchema(t.schema()))
                .map(t -> new TableId(t.schema(), t.name()))
                .filter(t -> !t.equals(heartbeatTable)).toList();
    }

    /** pg_catalog, information_schema and the other pg_ schemas (pg_toast, pg_temp_N): names a user's schema cannot have. */
    public static boolean systemSchema(String schema) {
        return schema.equals("information_schema") || schema.startsWith("pg_");
    }

    public TableDiff compare(Connection source, Connection destination, TableId id) throws SQLException {
        String qualifiedTable = id.toString();
        String table = id.quoted();
        List<PgCatalog.KeyColumn> key = keyColumns(source, id.schema(), id.table());
        if (key.isEmpty()) {
            return new TableDiff(qualifiedTable, 0, 0, 0, List.of(), "has no primary key at the source; not compared");
        }
        List<String> columns = columns(source, id.schema(), id.table());
        if (!tableExists(destination, id.schema(), id.table())) {
            return new TableDiff(qualifiedTable, count(source, table), 0, 0, List.of(), "missing at the destination");
        }
        long sourceRows = count(source, table);
        long destinationRows = count(destination, table);
        // Text keys compare byte-wise on both sides, whatever collation each database defaults to.
        String keyList = key.stream().map(k -> SqlIdentifiers.quote(k.name()) + collate(k.type())).collect(Collectors.joining(", "));
        String keyParams = key.stream().map(k -> "CAST(? AS " + k.type() + ")" + collate(k.type())).collect(Collectors.joining(", "));
        List<List<String>> bounds = boundaries(source, table, key, keyList);
        String rowText = "md5(string_agg(concat_ws('|', " + columns.stream()
                .map(c -> "coalesce(" + SqlIdentifiers.quote(c) + "::text, '\\N')").collect(Collectors.joining(", "))
                + "), E'\\n' ORDER BY " + keyList + "))";
        List<String> differing = new ArrayList<>();
        for (int i = 0; i <= bounds.size(); i++) {
            List<String> lower = i == 0 ? null : bounds.get(i - 1);
            List<String> upper = i == bounds.size() ? null : bounds.get(i);
            StringBuilder where = new StringBuilder(" WHERE true");
            if (lower != null) {
                where.append(" AND (").append(keyList).append(") >= (").append(keyParams).append(')');
            }
            if (upper != null) {
                where.append(" AND (").append(keyList).append(") < (").append(keyParams).append(')');
            }
            String sql = "SELECT " + rowText + " FROM " + table + where;
            String a = checksum(source, sql, lower, upper);
            String b = checksum(destination, sql, lower, upper);
            if (a == null ? b != null : !a.equals(b)) {
                differing.add("[" + (lower == null ? "start" : String.join(",", lower)) + " .. "
                        + (upper == null ? "end" : String.join(",", upper)) + ")");
            }
        }
        return new TableDiff(qualifiedTable, sourceRows, destinationRows, bounds.size() + 1, differing, null);
    }

    private List<List<String>> boundaries(Connection source, String table, List<PgCatalog.KeyColumn> key, String keyList)
            throws SQLException {
        String keyText = key.stream().map(k -> SqlIdentifiers.quote(k.name()) + "::text").collect(Collectors.joining(", "));
        String keyNames = key.stream().map(k -> SqlIdentifiers.quote(k.name())).collect(Collectors.joining(", "));
        String sql = "SELECT " + keyText + " FROM (SELECT " + keyNames + ", row_number() OVER (ORDER BY " + keyList
                + ") AS rn FROM " + table + ") k WHERE rn % " + chunkRows + " = 1 AND rn > 1 ORDER BY rn";
        List<List<String>> bounds = new ArrayList<>();
        try (Statement s = source.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                List<String> bound = new ArrayList<>(key.size());
                for (int i = 1; i <= key.size(); i++) {
                    bound.add(rs.getString(i));
                }
                bounds.add(bound);
            }
        }
        return bounds;
    }

    private static String collate(String type) {
        return type.equals("text") || type.startsWith("character") || type.equals("name") ? " COLLATE \"C\"" : "";
    }

    private static String checksum(Connection c, String sql, List<String> lower, List<String> upper) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int p = 1;
            for (List<String> bound : java.util.Arrays.asList(lower, upper)) {
                if (bound != null) {
                    for (String v : bound) {
                        ps.setString(p++, v);
                    }
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean tableExists(Connection c, String schema, String table) throws SQLException {
        return PgCatalog.relationOid(c, schema, table) != null;
    }

    /** Primary-key columns in key order with their types. */
    private static List<PgCatalog.KeyColumn> keyColumns(Connection c, String schema, String table) throws SQLException {
        Long oid = PgCatalog.relationOid(c, schema, table);
        return oid == null ? List.of() : PgCatalog.primaryKey(c, oid);
    }

    /** The table's columns in attribute order. */
    public static List<String> columns(Connection c, String schema, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT a.attname FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid "
                        + "JOIN pg_namespace n ON n.oid = cl.relnamespace "
                        + "WHERE n.nspname = ? AND cl.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }
}
