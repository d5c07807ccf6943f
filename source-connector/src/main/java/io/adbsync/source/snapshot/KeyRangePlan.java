package io.adbsync.source.snapshot;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.catalog.CapturedTable.CapturedColumn;
import io.adbsync.source.stream.OffsetScope;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * key, so each upper bound is found with one index scan and each chunk is an index range; the offset keeps that order,
 * what orders each of those columns (type and collation) and the last key copied. Every chunk checks the columns still
 * order alike: ranges found in one order and read in another would skip rows. Key values are always bound, never written into SQL: as parameters of the bound query, and as chunk
 * parameters ({@link TablePlan#parameter(int)}) of the COPY, which takes no bind parameters.
 */
final class KeyRangePlan extends TablePlan {

    private static final Logger log = LoggerFactory.getLogger(KeyRangePlan.class);

    static final String CHUNKING = SnapshotProgress.KEY;
    /** Connect offsets hold only primitives, so the last key is stored as after_count and after_0..after_n. */
    private static final String AFTER_COUNT = "after_count";
    private static final String AFTER_PREFIX = "after_";
    /** The key's column names in the order the ranges compare them: order_count and order_0..order_n. */
    private static final String ORDER_COUNT = "order_count";
    private static final String ORDER_PREFIX = "order_";
    /** What orders each of those columns (type and collation, see {@link SourceCatalog.LockedShape}): order_sort_0... */
    private static final String SORT_PREFIX = "order_sort_";
    /** What orders a key column that is no longer there. */
    private static final String GONE = "gone";
    private static final String DONE = SnapshotProgress.DONE;

    private long chunkRows;
    private final List<CapturedColumn> key;
    /** The key's column names in range order, as stored in the offset. */
    private final List<String> order;
    /** What orders each of them, in range order, as the ranges so far were read. */
    private final List<String> sorts;
    /** The boundary lookup's select list: each key column's text form. */
    private final String keyText;
    private List<String> after;
    private boolean done;
    private long chunksHandedOut;
    /**
     * The key columns whose bounds name their collation, and that collation (see {@link #casts}), read at the first
     * chunk; naming one needs USAGE on its schema, so only where a bound cannot compare without it.
     */
    private Map<String, String> collatedBounds;

    private KeyRangePlan(CapturedTable table, String filter, long estimatedRows, OffsetScope server, long chunkRows,
                         List<CapturedColumn> key, List<String> sorts, List<String> after, boolean done) {
        super(table, filter, estimatedRows, server);
        this.chunkRows = chunkRows;
        this.key = key;
        this.order = names(key);
        this.sorts = sorts;
        this.keyText = keyText(key);
        this.after = after;
        this.done = done;
    }

    /** Whether the table has a key to range over. */
    static boolean applicable(CapturedTable table) {
        return table.columns().stream().anyMatch(CapturedColumn::key);
    }

    /** The key index's column names, in its order ({@link SourceCatalog#keyIndexOrder}), asked only when needed. */
    interface IndexOrder {
        List<String> names() throws SQLException;
    }

    /** What orders each column of the table now ({@link SourceCatalog#columnOrders}), by name, asked only when needed. */
    interface ColumnOrders {
        Map<String, String> byName() throws SQLException;
    }

    /** Rows per chunk for a resumed copy, asked only when the copy resumes (its width is measured on the table). */
    interface ChunkRows {
        long rows() throws SQLException;
    }

    /**
     * A copy from the start, its ranges in {@code indexOrder} (the key index's columns) where it names the key's
     * columns, else in column order.
     */
    static KeyRangePlan fresh(CapturedTable table, String filter, long estimatedRows, long chunkRows, OffsetScope server,
                              IndexOrder indexOrder, ColumnOrders columnOrders) throws SQLException {
        List<CapturedColumn> key = inIndexOrder(table, indexOrder.names());
        return new KeyRangePlan(table, filter, estimatedRows, server, chunkRows, key, sortsOf(key, columnOrders.byName()),
                null, false);
    }

    /**
     * What orders each of {@code key}'s columns, in its order; {@link #GONE} for a column {@code orders} lacks (renamed or
     * dropped since the table was described), which no order equals, so the first chunk plans the copy afresh.
     */
    private static List<String> sortsOf(List<CapturedColumn> key, Map<String, String> orders) {
        List<String> sorts = new ArrayList<>(key.size());
        key.forEach(c -> sorts.add(orders.getOrDefault(c.name(), GONE)));
        return sorts;
    }

    private static List<CapturedColumn> inIndexOrder(CapturedTable table, List<String> indexOrder) {
        List<CapturedColumn> inColumnOrder = keyInColumnOrder(table);
        List<CapturedColumn> ordered = named(inColumnOrder, indexOrder);
        if (ordered != null) {
            return ordered;
        }
        if (inColumnOrder.size() > 1) {
            log.warn("Snapshot of {} ranges its key in column order ({}): no index was found whose key columns are "
                    + "exactly these (the index found orders {}), so each key range may be a scan and sort of the rest of "
                    + "the table", table.qualifiedName(), names(inColumnOrder), indexOrder);
        }
        return inColumnOrder;
    }

    private static List<CapturedColumn> keyInColumnOrder(CapturedTable table) {
        return table.columns().stream().filter(CapturedColumn::key).toList();
    }

    /** The key's columns in the order {@code names} names them, each once; null where they do not name exactly these. */
    private static List<CapturedColumn> named(List<CapturedColumn> inColumnOrder, List<String> names) {
        if (names.size() != inColumnOrder.size()) {
            return null;
        }
        List<CapturedColumn> ordered = new ArrayList<>(names.size());
        for (String name : names) {
            CapturedColumn c = inColumnOrder.stream().filter(k -> k.name().equals(name)).findFirst().orElse(null);
            if (c == null || ordered.contains(c)) {
                return null;
            }
            ordered.add(c);
        }
        return ordered;
    }

    private static List<String> names(List<CapturedColumn> columns) {
        return columns.stream().map(CapturedColumn::name).toList();
    }

    /**
     * The copy a stored offset describes, or null where it is to be planned afresh. A bound is a key in the order it was
     * written in: the copy goes on in that order whatever the index is now (the stored order, or column order where an
     * earlier version stored none). A copy done ranges over nothing and reads no order; a copy with nothing copied yet
     * is planned afresh. So is one whose bound is not a key of the table's key columns now (a key column renamed,
     * another key), or whose key columns no longer order alike (a collation or type changed): the bound cannot say which
     * rows were copied, and copying the table again from its start only sends rows again, as a rewrite does.
     */
    static KeyRangePlan resume(CapturedTable table, String filter, long estimatedRows, ChunkRows chunkRows, OffsetScope server,
                               SnapshotOffsets.Offset stored, IndexOrder indexOrder, ColumnOrders columnOrders)
            throws SQLException {
        if (stored == null || !(stored.position() instanceof Stored s)) {
            return null;
        }
        List<CapturedColumn> inColumnOrder = keyInColumnOrder(table);
        if (s.done()) {
            return new KeyRangePlan(table, filter, estimatedRows, server, chunkRows.rows(), inColumnOrder, List.of(), null,
                    true);
        }
        List<CapturedColumn> key = s.after() == null ? null : storedOrder(inColumnOrder, s);
        if (key == null) {
            if (s.after() != null) {
                log.warn("Snapshot of {} starts its copy again: its stored bound is a key of {}, and its key now is {}",
                        table.qualifiedName(), s.order() != null ? s.order() : s.after().size() + " column(s) in column order",
                        names(inColumnOrder));
            }
            return null;
        }
        List<String> sortsNow = sortsOf(key, columnOrders.byName());
        String reordered = s.sorts() == null ? null : reordered(key, s.sorts(), sortsNow);
        if (reordered != null) {
            log.warn("Snapshot of {} starts its copy again: {} since its stored bound was found, so the ranges after it "
                    + "would not be those of the rows not copied yet", table.qualifiedName(), reordered);
            return null;
        }
        List<String> now = indexOrder.names();
        if (!names(key).equals(now) && key.size() > 1) {
            log.warn("Snapshot of {} goes on in the key order it started in ({}), not the key index's order now ({}): its "
                    + "stored bound is a key in that order, and each key range may now be a scan and sort of the rest of "
                    + "the table", table.qualifiedName(), names(key), now);
        }
        // A bound stored without what ordered it (an earlier version) is taken to be in the order the columns have now.
        return new KeyRangePlan(table, filter, estimatedRows, server, chunkRows.rows(), key,
                s.sorts() != null ? s.sorts() : sortsNow, s.after(), false);
    }

    /** Which of {@code key}'s columns order otherwise in {@code now} than in {@code then}, said for a log; null if none. */
    private static String reordered(List<CapturedColumn> key, List<String> then, List<String> now) {
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            if (GONE.equals(now.get(i)) || !then.get(i).equals(now.get(i))) {
                changed.add(key.get(i).name() + (GONE.equals(now.get(i)) ? " is gone" : " is another column or orders otherwise ("
                        + then.get(i) + " then, " + now.get(i) + " now)"));
            }
        }
        return changed.isEmpty() ? null : "key column " + String.join(", key column ", changed);
    }

    /**
     * Why the key ranges no longer hold for the table as {@code locked} shows it, or null: a key column gone (renamed,
     * dropped) or ordering otherwise than when the earlier ranges were read.
     */
    @Override
    String rangesNoLongerHold(SourceCatalog.LockedShape locked) {
        // Not "done": that is set once the last chunk is handed out, before it (and others of its round) is read. A copy
        // resumed as done has no sorts and hands out nothing.
        if (sorts.isEmpty()) {
            return null;
        }
        String reordered = reordered(key, sorts, sortsOf(key, locked.columnOrders()));
        return reordered == null ? null : reordered + " during the copy, so its ranges after the rows copied would not "
                + "be those of the rows not copied yet";
    }

    /** The key columns the stored bound is of, in its order; null where they are not exactly the key's columns now. */
    private static List<CapturedColumn> storedOrder(List<CapturedColumn> inColumnOrder, Stored s) {
        if (s.after().size() != inColumnOrder.size() || inColumnOrder.isEmpty()) {
            return null;
        }
        return s.order() == null ? inColumnOrder : named(inColumnOrder, s.order());
    }

    /**
     * The fields of a stored offset of this chunking, each checked ({@link SnapshotOffsets}); {@code after} null: from
     * the start; {@code order} null: the key's columns in column order (as versions before the order was stored ranged).
     */
    record Stored(List<String> order, List<String> sorts, List<String> after, boolean done)
            implements SnapshotOffsets.Position {
        static Stored of(Map<String, ?> stored) {
            List<String> order = null;
            List<String> sorts = null;
            if (stored.get(ORDER_COUNT) != null) {
                int count = (int) SnapshotOffsets.whole(stored, ORDER_COUNT, 1, SnapshotOffsets.MAX_KEY_COLUMNS);
                order = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    order.add(SnapshotOffsets.text(stored, ORDER_PREFIX + i));
                }
                // Stored since 2026-11-29: a bound stored before says nothing of what ordered it.
                if (stored.get(SORT_PREFIX + 0) != null) {
                    sorts = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        sorts.add(SnapshotOffsets.text(stored, SORT_PREFIX + i));
                    }
                }
            } else if (stored.get(SORT_PREFIX + 0) != null) {
                throw new IllegalArgumentException("field '" + SORT_PREFIX + "0' is set but field '" + ORDER_COUNT
                        + "' is missing");
            } else if (stored.get(ORDER_PREFIX + 0) != null) {
                // An order without its count would be ignored, and the bound read in column order.
                throw new IllegalArgumentException("field '" + ORDER_PREFIX + "0' is set but field '" + ORDER_COUNT
                        + "' is missing");
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
            return new Stored(order, sorts, after, SnapshotOffsets.bool(stored, DONE));
        }
    }

    @Override
    Chunk next(SourceCatalog catalog) throws SQLException {
        if (done) {
            return null;
        }
        String keyList = key.stream().map(c -> SqlIdentifiers.quote(c.name())).collect(Collectors.joining(", "));
        if (collatedBounds == null) {
            collatedBounds = catalog.columnsCollatedOtherwiseThanTheirDomain(readOid());
        }
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

    /**
     * {@code CAST(<value i> AS <type of key column i>), ...} for the key's columns, values named by {@code value}; with
     * {@code COLLATE <the column's collation>} for a column of a domain with a collation
     * of its own that was given another: the cast carries the domain's, which conflicts with the column's (no
     * comparison is then possible), and the key index and ORDER BY order by the column's.
     */
    private String casts(int count, int firstIndex, IntFunction<String> value) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String collation = collatedBounds.get(key.get(i).name());
            out.add("CAST(" + value.apply(firstIndex + i) + " AS " + key.get(i).mapping().sourceType() + ")"
                    + (collation == null ? "" : " COLLATE " + collation));
        }
        return String.join(", ", out);
    }

    private Map<String, Object> offsetOf(List<String> after, boolean done) {
        Map<String, Object> offset = offsetOf(CHUNKING);
        offset.putAll(offset(order, sorts, after, done));
        return offset;
    }

    /** {@code sorts}: what orders each column of {@code order}, empty for a copy done (nothing to range over). */
    static Map<String, Object> offset(List<String> order, List<String> sorts, List<String> after, boolean done) {
        Map<String, Object> offset = new HashMap<>();
        offset.put(OFFSET_CHUNKING, CHUNKING);
        offset.put(ORDER_COUNT, order.size());
        for (int i = 0; i < order.size(); i++) {
            offset.put(ORDER_PREFIX + i, order.get(i));
        }
        for (int i = 0; i < sorts.size(); i++) {
            offset.put(SORT_PREFIX + i, sorts.get(i));
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
