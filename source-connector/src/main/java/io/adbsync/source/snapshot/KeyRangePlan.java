package io.adbsync.source.snapshot;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.catalog.CapturedTable.CapturedColumn;
import io.adbsync.source.stream.OffsetScope;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Chunks of about {@code chunkRows} rows in key order, for servers without TID range scans (before 14,
 * e.g. AnalyticDB 7) or when asked for. The key's columns are compared in the order of the index that makes them the
 * key, so each upper bound is found with one index scan and each chunk is an index range; the offset keeps that order
 * and the last key copied. Key values are always bound, never written into SQL: as parameters of the bound query, and as chunk
 * parameters ({@link TablePlan#parameter(int)}) of the COPY, which takes no bind parameters.
 */
final class KeyRangePlan extends TablePlan {

    static final String CHUNKING = SnapshotProgress.KEY;
    /** Connect offsets hold only primitives, so the last key is stored as after_count and after_0..after_n. */
    private static final String AFTER_COUNT = "after_count";
    private static final String AFTER_PREFIX = "after_";
    /** The key's column names in the order the ranges compare them: order_count and order_0..order_n. */
    private static final String ORDER_COUNT = "order_count";
    private static final String ORDER_PREFIX = "order_";
    private static final String DONE = SnapshotProgress.DONE;

    private long chunkRows;
    private final List<CapturedColumn> key;
    /** The boundary lookup's select list: each key column's text form. */
    private final String keyText;
    private List<String> after;
    private boolean done;
    private long chunksHandedOut;

    private KeyRangePlan(CapturedTable table, String filter, long estimatedRows, OffsetScope server, long chunkRows,
                         List<CapturedColumn> key, List<String> after, boolean done) {
        super(table, filter, estimatedRows, server);
        this.chunkRows = chunkRows;
        this.key = key;
        this.keyText = keyText(key);
        this.after = after;
        this.done = done;
    }

    /** Whether the table has a key to range over. */
    static boolean applicable(CapturedTable table) {
        return table.columns().stream().anyMatch(CapturedColumn::key);
    }

    /**
     * A copy from the start, its ranges in {@code indexOrder} (the key index's columns, {@link
     * SourceCatalog#keyIndexOrder}) where it names the key's columns, else in column order.
     */
    static KeyRangePlan fresh(CapturedTable table, String filter, long estimatedRows, long chunkRows, OffsetScope server,
                              List<String> indexOrder) {
        List<CapturedColumn> inColumnOrder = table.columns().stream().filter(CapturedColumn::key).toList();
        List<CapturedColumn> key = inColumnOrder;
        if (indexOrder.size() == inColumnOrder.size()) {
            List<CapturedColumn> ordered = indexOrder.stream().map(name -> keyColumn(table, name)).toList();
            if (!ordered.contains(null) && Set.copyOf(ordered).size() == ordered.size()) {
                key = ordered;
            }
        }
        return new KeyRangePlan(table, filter, estimatedRows, server, chunkRows, key, null, false);
    }

    private static CapturedColumn keyColumn(CapturedTable table, String name) {
        return table.columns().stream().filter(c -> c.key() && c.name().equals(name)).findFirst().orElse(null);
    }

    static KeyRangePlan resume(CapturedTable table, String filter, long estimatedRows, long chunkRows, OffsetScope server,
                               SnapshotOffsets.Offset stored) {
        if (stored == null || !(stored.position() instanceof Stored s)) {
            return null;
        }
        List<CapturedColumn> key = table.columns().stream().filter(CapturedColumn::key).toList();
        if (s.order() != null) {
            // The stored bound is a key in the stored order: the copy goes on in that order, whatever the index is now.
            if (s.order().size() != key.size()) {
                throw new IllegalArgumentException("field '" + ORDER_COUNT + "' is " + s.order().size() + " but the key of "
                        + table.qualifiedName() + " has " + key.size() + " column(s)");
            }
            List<CapturedColumn> ordered = new ArrayList<>(key.size());
            for (int i = 0; i < s.order().size(); i++) {
                CapturedColumn c = keyColumn(table, s.order().get(i));
                if (c == null || ordered.contains(c)) {
                    throw new IllegalArgumentException("field '" + ORDER_PREFIX + i + "' names " + s.order().get(i)
                            + ", which is not " + (c == null ? "a column of the key of " : "named once in the key of ")
                            + table.qualifiedName());
                }
                ordered.add(c);
            }
            key = ordered;
        }
        if (s.after() != null && s.after().size() != key.size()) {
            throw new IllegalArgumentException("field '" + AFTER_COUNT + "' is " + s.after().size() + " but the key of "
                    + table.qualifiedName() + " has " + key.size() + " column(s)");
        }
        return new KeyRangePlan(table, filter, estimatedRows, server, chunkRows, key, s.after(), s.done());
    }

    /**
     * The fields of a stored offset of this chunking, each checked ({@link SnapshotOffsets}); {@code after} null: from
     * the start; {@code order} null: the key's columns in column order (as versions before the order was stored ranged).
     */
    record Stored(List<String> order, List<String> after, boolean done) implements SnapshotOffsets.Position {
        static Stored of(Map<String, ?> stored) {
            List<String> order = null;
            if (stored.get(ORDER_COUNT) != null) {
                int count = (int) SnapshotOffsets.whole(stored, ORDER_COUNT, 1, SnapshotOffsets.MAX_KEY_COLUMNS);
                order = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    order.add(SnapshotOffsets.text(stored, ORDER_PREFIX + i));
                }
            }
            int count = (int) SnapshotOffsets.whole(stored, AFTER_COUNT, -1, SnapshotOffsets.MAX_KEY_COLUMNS);
            if (count == 0) {
                throw new IllegalArgumentException("field '" + AFTER_COUNT + "' must be -1 (nothing copied yet) or the "
                        + "number of key columns, got 0");
            }
            List<String> after = null;
            if (count >= 0) {
                after = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    after.add(SnapshotOffsets.text(stored, AFTER_PREFIX + i));
                }
            }
            if (order != null && after != null && after.size() != order.size()) {
                throw new IllegalArgumentException("field '" + AFTER_COUNT + "' is " + after.size() + " but field '"
                        + ORDER_COUNT + "' is " + order.size());
            }
            return new Stored(order, after, SnapshotOffsets.bool(stored, DONE));
        }
    }

    @Override
    Chunk next(SourceCatalog catalog) throws SQLException {
        if (done) {
            return null;
        }
        String keyList = key.stream().map(c -> SqlIdentifiers.quote(c.name())).collect(Collectors.joining(", "));
        List<String> lower = after;
        List<String> upper = upperBound(catalog, keyList, lower);
        List<String> conditions = new ArrayList<>();
        List<String> parameters = new ArrayList<>();
        if (lower != null) {
            conditions.add("(" + keyList + ") > (" + casts(lower.size(), parameters.size(), TablePlan::parameter) + ")");
            parameters.addAll(lower);
        }
        if (upper != null) {
            conditions.add("(" + keyList + ") <= (" + casts(upper.size(), parameters.size(), TablePlan::parameter) + ")");
            parameters.addAll(upper);
        }
        Map<String, Object> inChunk = offsetOf(lower, false);
        Map<String, Object> afterChunk = offsetOf(upper, upper == null);
        after = upper;
        done = upper == null;
        chunksHandedOut++;
        return new Chunk(conditions.isEmpty() ? null : String.join(" AND ", conditions), parameters, inChunk, afterChunk,
                "key range " + chunksHandedOut);
    }

    /**
     * The next boundaries go by the width of the rows read: the sample taken at planning is an average, and the rows of
     * one key range (the newest, say) may be much wider. A boundary is a key, so ranges of another size resume alike.
     */
    @Override
    void chunkCopied(long rows, long bytes, ChunkSize size) {
        if (rows > 0) {
            chunkRows = size.rowsFor(Math.max(1, (bytes + rows - 1) / rows));
        }
    }

    /** The upper-bound lookup and the COPY. */
    @Override
    int queriesPerChunk() {
        return 2;
    }

    /** The key of the {@code chunkRows}-th row after {@code lower}, or null if fewer rows remain. */
    private List<String> upperBound(SourceCatalog catalog, String keyList, List<String> lower) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ").append(keyText).append(" FROM ").append(relation());
        List<String> where = new ArrayList<>();
        if (lower != null) {
            where.add("(" + keyList + ") > (" + casts(lower.size(), 0, i -> "?") + ")");
        }
        if (filter != null) {
            where.add("(" + filter + ")");
        }
        if (!where.isEmpty()) {
            sql.append(" WHERE ").append(String.join(" AND ", where));
        }
        sql.append(" ORDER BY ").append(keyList).append(" OFFSET ").append(chunkRows - 1).append(" LIMIT 1");
        try (PreparedStatement ps = catalog.connection().prepareStatement(sql.toString())) {
            for (int i = 0; lower != null && i < lower.size(); i++) {
                // Untyped, as a literal would be: the CAST gives it the key column's type.
                ps.setObject(i + 1, lower.get(i), Types.OTHER);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                List<String> bound = new ArrayList<>(key.size());
                for (int i = 1; i <= key.size(); i++) {
                    bound.add(rs.getString(i));
                }
                return bound;
            }
        }
    }

    /**
     * Each key column's text form under a name no key column has: ORDER BY takes a bare name for an output column
     * first, so a text form named like its key column would sort the rows as text (a full sort for every chunk, chunks
     * of any size).
     */
    private static String keyText(List<CapturedColumn> key) {
        Set<String> names = key.stream().map(CapturedColumn::name).collect(Collectors.toSet());
        List<String> columns = new ArrayList<>(key.size());
        for (int i = 0; i < key.size(); i++) {
            String alias = "key_text_" + i;
            while (names.contains(alias)) {
                alias = "_" + alias;
            }
            columns.add(SqlIdentifiers.quote(key.get(i).name()) + "::text AS " + SqlIdentifiers.quote(alias));
        }
        return String.join(", ", columns);
    }

    /** {@code CAST(<value i> AS <type of key column i>), ...} for the key's columns, values named by {@code value}. */
    private String casts(int count, int firstIndex, IntFunction<String> value) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add("CAST(" + value.apply(firstIndex + i) + " AS " + key.get(i).mapping().sourceType() + ")");
        }
        return String.join(", ", out);
    }

    private Map<String, Object> offsetOf(List<String> after, boolean done) {
        Map<String, Object> offset = offsetOf(CHUNKING);
        offset.putAll(offset(key.stream().map(CapturedColumn::name).toList(), after, done));
        return offset;
    }

    static Map<String, Object> offset(List<String> order, List<String> after, boolean done) {
        Map<String, Object> offset = new HashMap<>();
        offset.put(OFFSET_CHUNKING, CHUNKING);
        offset.put(ORDER_COUNT, order.size());
        for (int i = 0; i < order.size(); i++) {
            offset.put(ORDER_PREFIX + i, order.get(i));
        }
        offset.put(AFTER_COUNT, after == null ? -1 : after.size());
        if (after != null) {
            for (int i = 0; i < after.size(); i++) {
                offset.put(AFTER_PREFIX + i, after.get(i));
            }
        }
        offset.put(DONE, done);
        return offset;
    }

    @Override
    boolean done() {
        return done;
    }

    @Override
    long fileNode() {
        return ANY_FILE_NODE;
    }

    @Override
    String position() {
        return done ? "all key ranges" : chunksHandedOut + " key range(s)";
    }
}
