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
 * Compares a table at the source and the destination: row counts, then an md5 of every row's columns per chunk of key
 * order (the key that identifies the rows: primary key, else replica identity index), chunk boundaries taken from the
 * source and applied to both sides. Each column's text form is quoted as a literal ({@code quote_nullable}), so no two
 * different rows, nor a NULL and any text, read alike once joined. Equal checksums mean equal rows (as
 * {@code col::text}); a differing chunk names its key range.
 */
public final class TableVerifier {

    private final int chunkRows;

    public TableVerifier(int chunkRows) {
        this.chunkRows = chunkRows;
    }

    /**
     * The source's tables but partitions, system schemas and {@code heartbeatTable} (the source connector's
     * {@code heartbeat.table}): those a key identifies the rows of, which the source connector captures
     * ({@code keyed}), and the others, which it does not ({@code notCaptured}).
     */
    public record SourceTables(List<TableId> keyed, List<TableId> notCaptured) {
    }

    /** See {@link SourceTables}. */
    public static SourceTables sourceTables(Connection source, TableId heartbeatTable) throws SQLException {
        List<TableId> keyed = new ArrayList<>();
        List<TableId> notCaptured = new ArrayList<>();
        // Partitions are compared through their root: the sink writes a partitioned table's rows into one table.
        for (PgCatalog.Table t : PgCatalog.tables(source, false)) {
            TableId id = new TableId(t.schema(), t.name());
            if (systemSchema(t.schema()) || id.equals(heartbeatTable)) {
                continue;
            }
            (t.keyed() ? keyed : notCaptured).add(id);
        }
        return new SourceTables(keyed, notCaptured);
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
            return new TableDiff(qualifiedTable, 0, 0, 0, List.of(), PgCatalog.relationOid(source, id.schema(), id.table()) == null
                    ? "not at the source" : "has no primary key or replica identity index at the source; not compared");
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
        String rowText = "md5(string_agg(" + rowText(columns) + ", E'\\n' ORDER BY " + keyList + "))";
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

    /**
     * A row's columns as one text in which every column reads as a SQL literal or NULL: what separates columns and rows
     * cannot occur unquoted inside a value, so different rows never give the same text.
     */
    public static String rowText(List<String> columns) {
        return "concat_ws(',', " + columns.stream().map(c -> "quote_nullable(" + SqlIdentifiers.quote(c) + "::text)")
                .collect(Collectors.joining(", ")) + ")";
    }

    private List<List<String>> boundaries(Connection source, String table, List<PgCatalog.KeyColumn> key, String keyList)
            throws SQLException {
        String keyText = key.stream().map(k -> SqlIdentifiers.quote(k.name()) + "::text").collect(Collectors.joining(", "));
        String keyNames = key.stream().map(k -> SqlIdentifiers.quote(k.name())).collect(Collectors.joining(", "));
        // The row number takes a name none of the key columns has.
        java.util.Set<String> keyNameSet = key.stream().map(PgCatalog.KeyColumn::name).collect(Collectors.toSet());
        String rn = "rn";
        while (keyNameSet.contains(rn)) {
            rn = "_" + rn;
        }
        String number = SqlIdentifiers.quote(rn);
        String sql = "SELECT " + keyText + " FROM (SELECT " + keyNames + ", row_number() OVER (ORDER BY " + keyList
                + ") AS " + number + " FROM " + table + ") k WHERE " + number + " % " + chunkRows + " = 1 AND " + number
                + " > 1 ORDER BY " + number;
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

    /** The identifying key's columns in key order with their types. */
    private static List<PgCatalog.KeyColumn> keyColumns(Connection c, String schema, String table) throws SQLException {
        Long oid = PgCatalog.relationOid(c, schema, table);
        return oid == null ? List.of() : PgCatalog.identifyingKey(c, oid);
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
