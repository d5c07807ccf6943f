package io.adbsync.sink.writer;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The set-based statements that move a staging table into its target. They are the same on every product; where a
 * table cannot take {@code ON CONFLICT} (append-optimized storage, no unique index on the key) the writer picks the
 * DELETE + INSERT forms instead.
 */
public final class MergeSql {

    private static final String T = SqlIdentifiers.quote("t");
    private static final String S = SqlIdentifiers.quote("s");

    private MergeSql() {
    }

    public static String truncate(TableId table) {
        return "TRUNCATE TABLE " + table.quoted();
    }

    public static String copyIn(String staging, List<String> columns) {
        return "COPY " + SqlIdentifiers.quote(staging) + " (" + list(columns) + ") FROM STDIN";
    }

    /** Deletes the rows whose key is in the staging table. */
    public static String deleteUsing(TableId table, String staging, List<String> keys) {
        return "DELETE FROM " + table.quoted() + " AS " + T + " USING " + SqlIdentifiers.quote(staging) + " AS " + S
                + " WHERE " + keyMatch(keys);
    }

    /** Inserts every staged row, or overwrites the row with the same key. */
    public static String upsert(TableId table, String staging, List<String> columns, List<String> keys) {
        return upsert(table, staging, columns, columns, keys);
    }

    /** As {@link #upsert(TableId, String, List, List)}, a row already there keeping the columns not in {@code updating}. */
    public static String upsert(TableId table, String staging, List<String> columns, List<String> updating, List<String> keys) {
        List<String> updated = updating.stream().filter(c -> !keys.contains(c)).toList();
        String action = updated.isEmpty() ? "DO NOTHING" : "DO UPDATE SET " + updated.stream()
                .map(c -> SqlIdentifiers.quote(c) + " = EXCLUDED." + SqlIdentifiers.quote(c))
                .collect(Collectors.joining(", "));
        return insert(table, staging, columns) + " ON CONFLICT (" + list(keys) + ") " + action;
    }

    /** Inserts staged rows whose key is not in the table yet, with a unique index to detect that. */
    public static String insertIfAbsentOnConflict(TableId table, String staging, List<String> columns, List<String> keys) {
        return insert(table, staging, columns) + " ON CONFLICT (" + list(keys) + ") DO NOTHING";
    }

    /** Inserts staged rows whose key is not in the table yet, without a unique index (append-optimized tables). */
    public static String insertIfAbsent(TableId table, String staging, List<String> columns, List<String> keys) {
        return "INSERT INTO " + table.quoted() + " (" + list(columns) + ") SELECT " + qualifiedList(S, columns)
                + " FROM " + SqlIdentifiers.quote(staging) + " AS " + S + " WHERE NOT EXISTS (SELECT 1 FROM "
                + table.quoted() + " AS " + T + " WHERE " + keyMatch(keys) + ")";
    }

    /** Overwrites {@code columns} of the rows whose key is in the staging table; other columns keep their values. */
    public static String updateFrom(TableId table, String staging, List<String> columns, List<String> keys) {
        return "UPDATE " + table.quoted() + " AS " + T + " SET " + assignments(S, columns) + " FROM "
                + SqlIdentifiers.quote(staging) + " AS " + S + " WHERE " + keyMatch(keys);
    }

    /**
     * Sets {@code columns} of the staged rows whose key the table has to that row's values: what a row replaced by
     * DELETE + INSERT keeps of the columns its events do not carry.
     */
    public static String keepFromTable(TableId table, String staging, List<String> columns, List<String> keys) {
        // One row per key: a table trusted without a unique key may hold several, and an UPDATE joined to two rows fails
        // on Greenplum's ORCA ("multiple updates to a row"). Only the rows of the staged keys are read past the join.
        String k = SqlIdentifiers.quote("k");
        String x = SqlIdentifiers.quote("x");
        List<String> read = new java.util.ArrayList<>(keys);
        read.addAll(columns);
        return "UPDATE " + SqlIdentifiers.quote(staging) + " AS " + S + " SET " + assignments(k, columns)
                + " FROM (SELECT DISTINCT ON (" + qualifiedList(T, keys) + ") " + qualifiedList(T, read) + " FROM "
                + table.quoted() + " AS " + T + " JOIN " + SqlIdentifiers.quote(staging) + " AS " + x + " ON "
                + keyMatch(T, x, keys) + ") AS " + k + " WHERE " + keyMatch(k, S, keys);
    }

    /** The key of one staged row that has no row in the table yet, if any. */
    public static String firstAbsentKey(TableId table, String staging, List<String> keys) {
        return "SELECT " + qualifiedList(S, keys) + " FROM " + SqlIdentifiers.quote(staging) + " AS " + S
                + " WHERE NOT EXISTS (SELECT 1 FROM " + table.quoted() + " AS " + T + " WHERE " + keyMatch(keys)
                + ") LIMIT 1";
    }

    public static String insert(TableId table, String staging, List<String> columns) {
        return "INSERT INTO " + table.quoted() + " (" + list(columns) + ") SELECT " + list(columns) + " FROM "
                + SqlIdentifiers.quote(staging);
    }

    private static String keyMatch(List<String> keys) {
        return keyMatch(T, S, keys);
    }

    /** {@code left.k = right.k AND …} for every key column. */
    private static String keyMatch(String left, String right, List<String> keys) {
        return keys.stream().map(k -> left + "." + SqlIdentifiers.quote(k) + " = " + right + "." + SqlIdentifiers.quote(k))
                .collect(Collectors.joining(" AND "));
    }

    /** {@code c = from.c, …}: the SET list taking {@code columns} from relation {@code from}. */
    private static String assignments(String from, List<String> columns) {
        return columns.stream().map(c -> SqlIdentifiers.quote(c) + " = " + from + "." + SqlIdentifiers.quote(c))
                .collect(Collectors.joining(", "));
    }

    private static String list(List<String> columns) {
        return columns.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
    }

    private static String qualifiedList(String alias, List<String> columns) {
        return columns.stream().map(c -> alias + "." + SqlIdentifiers.quote(c)).collect(Collectors.joining(", "));
    }
}
