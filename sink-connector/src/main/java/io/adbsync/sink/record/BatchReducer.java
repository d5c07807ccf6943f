package io.adbsync.sink.record;

import io.adbsync.common.sql.TableId;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reduces a batch per table and key so that it can be written set-based: the last event of a key wins, a truncate
 * discards what came before it, and a key that was deleted before its final upsert is deleted first (so the row ends
 * up exactly as the upsert says, as if the events were applied one by one). An upsert that lacks some values
 * (Debezium's unavailable placeholder) takes them from an earlier upsert of its key, else stays a partial update.
 * When the key columns of a table's records change within the batch (the source's key changed), the table's
 * changes are split there, in order: each part is staged and matched by its own key columns, none with NULLs
 * standing in for columns its records lack.
 */
public final class BatchReducer {

    private final boolean appendMode;
    private final boolean snapshotRowsKeepExisting;

    /**
     * @param appendMode               insert.mode=insert: rows are appended in order, not reduced
     * @param snapshotRowsKeepExisting table.conflict.mode=ignore: snapshot rows (op r) never overwrite existing rows
     */
    public BatchReducer(boolean appendMode, boolean snapshotRowsKeepExisting) {
        this.appendMode = appendMode;
        this.snapshotRowsKeepExisting = snapshotRowsKeepExisting;
    }

    public List<TableChanges> reduce(List<ChangeEvent> events) {
        Map<TableId, List<PerTable>> tables = new LinkedHashMap<>();
        for (ChangeEvent e : events) {
            List<PerTable> parts = tables.computeIfAbsent(e.table(), t -> new ArrayList<>(List.of(new PerTable())));
            PerTable current = parts.get(parts.size() - 1);
            if (current.keyedByOther(e) || current.deletesAfterAppends(e)) {
                current = new PerTable();
                parts.add(current);
            }
            current.add(e);
        }
        List<TableChanges> result = new ArrayList<>(tables.size());
        tables.forEach((id, parts) -> parts.forEach(t -> result.add(t.changes(id))));
        return result;
    }

    /** Whether both lists name the same columns in the same order (per event: no lists built to compare). */
    private static boolean sameNames(List<Column> a, List<Column> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).name().equals(b.get(i).name())) {
                return false;
            }
        }
        return true;
    }

    private final class PerTable {
        boolean truncate;
        final Map<RowKey, ChangeEvent> last = new LinkedHashMap<>();
        final Set<RowKey> deletedBefore = new HashSet<>();
        final List<ChangeEvent> appends = new ArrayList<>();
        /** The keys of {@link #appends} (insert.mode=insert). */
        final Set<RowKey> appendedKeys = new HashSet<>();
        /** Snapshot rows (insert-if-absent) that must run before the partial upsert that followed them. */
        final Map<RowKey, ChangeEvent> insertFirst = new HashMap<>();
        List<Column> keyColumns = List.of();

        /**
         * Whether {@code e} is a delete of a key appended in this part (insert.mode=insert): a part's deletes run before
         * its appends, so it goes into a part of its own after them, or a row inserted and then deleted would stay.
         * Deletes of other keys stay in the part: each part costs its own staging tables in the batch's transaction.
         */
        boolean deletesAfterAppends(ChangeEvent e) {
            return e.kind() == ChangeEvent.Kind.DELETE && appendedKeys.contains(e.key());
        }

        /** Whether {@code e} is matched by other key columns than the keyed events so far. */
        boolean keyedByOther(ChangeEvent e) {
            boolean keyed = e.kind() == ChangeEvent.Kind.DELETE || e.kind() == ChangeEvent.Kind.UPSERT && !appendMode;
            return keyed && !keyColumns.isEmpty() && !sameNames(keyColumns, e.keyColumns());
        }

        void add(ChangeEvent e) {
            switch (e.kind()) {
                case TRUNCATE -> {
                    truncate = true;
                    last.clear();
                    deletedBefore.clear();
                    appends.clear();
                    appendedKeys.clear();
                    insertFirst.clear();
                }
                case DELETE -> {
                    keyColumns = e.keyColumns();
                    insertFirst.remove(e.key());
                    last.remove(e.key());
                    last.put(e.key(), e);
                }
                case UPSERT -> {
                    if (appendMode) {
                        appends.add(e);
                        if (e.key() != null) {
                            appendedKeys.add(e.key());
                        }
                        return;
                    }
                    keyColumns = e.keyColumns();
                    ChangeEvent previous = last.get(e.key());
                    if (keptOver(e, previous)) {
                        return;
                    }
                    if (!e.partial()) {
                        insertFirst.remove(e.key());
                    } else if (previous != null && previous.kind() == ChangeEvent.Kind.UPSERT) {
                        if (previous.snapshot() && snapshotRowsKeepExisting) {
                            insertFirst.put(e.key(), previous);
                        } else {
                            e = e.over(previous);
                        }
                    }
                    last.remove(e.key());
                    if (previous != null && previous.kind() == ChangeEvent.Kind.DELETE) {
                        deletedBefore.add(e.key());
                    }
                    last.put(e.key(), e);
                }
            }
        }

        /**
         * A snapshot row is an insert-if-absent: after an earlier upsert of its key in this batch the row exists, so
         * applied one by one it would change nothing. Letting it win would turn the streamed change into a no-op.
         */
        private boolean keptOver(ChangeEvent e, ChangeEvent previous) {
            return snapshotRowsKeepExisting && e.snapshot() && previous != null
                    && previous.kind() == ChangeEvent.Kind.UPSERT;
        }

        TableChanges changes(TableId id) {
            List<ChangeEvent> deletes = new ArrayList<>();
            List<ChangeEvent> upserts = new ArrayList<>();
            List<ChangeEvent> keepExisting = new ArrayList<>();
            List<ChangeEvent> partials = new ArrayList<>();
            for (ChangeEvent e : last.values()) {
                if (e.kind() == ChangeEvent.Kind.DELETE) {
                    deletes.add(e);
                    continue;
                }
                if (deletedBefore.contains(e.key())) {
                    deletes.add(e);
                }
                if (e.partial()) {
                    partials.add(e);
                    ChangeEvent first = insertFirst.get(e.key());
                    if (first != null) {
                        keepExisting.add(first);
                    }
                } else if (e.snapshot() && snapshotRowsKeepExisting) {
                    keepExisting.add(e);
                } else {
                    upserts.add(e);
                }
            }
            List<ChangeEvent> rows = new ArrayList<>(upserts);
            rows.addAll(keepExisting);
            rows.addAll(partials);
            rows.addAll(appends);
            return new TableChanges(id, truncate, keyColumns, TableChanges.unionOfColumns(rows), deletes, upserts,
                    keepExisting, partials, List.copyOf(appends));
        }
    }
}
