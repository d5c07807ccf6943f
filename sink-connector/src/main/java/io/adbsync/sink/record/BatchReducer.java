package io.adbsync.sink.record;

import io.adbsync.sink.naming.TableId;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reduces a batch per table and key so that it can be written set-based: the last event of a key wins, a truncate
 * discards what came before it, and a key that was deleted before its final upsert is deleted first (so the row ends
 * up exactly as the upsert says, as if the events were applied one by one).
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
        Map<TableId, PerTable> tables = new LinkedHashMap<>();
        for (ChangeEvent e : events) {
            tables.computeIfAbsent(e.table(), t -> new PerTable()).add(e);
        }
        List<TableChanges> result = new ArrayList<>(tables.size());
        tables.forEach((id, t) -> result.add(t.changes(id)));
        return result;
    }

    private final class PerTable {
        boolean truncate;
        final Map<RowKey, ChangeEvent> last = new LinkedHashMap<>();
        final Set<RowKey> deletedBefore = new HashSet<>();
        final List<ChangeEvent> appends = new ArrayList<>();
        List<Column> keyColumns = List.of();

        void add(ChangeEvent e) {
            switch (e.kind()) {
                case TRUNCATE -> {
                    truncate = true;
                    last.clear();
                    deletedBefore.clear();
                    appends.clear();
                }
                case DELETE -> {
                    keyColumns = e.keyColumns();
                    last.remove(e.key());
                    last.put(e.key(), e);
                }
                case UPSERT -> {
                    if (appendMode) {
                        appends.add(e);
                        return;
                    }
                    keyColumns = e.keyColumns();
                    ChangeEvent previous = last.remove(e.key());
                    if (previous != null && previous.kind() == ChangeEvent.Kind.DELETE) {
                        deletedBefore.add(e.key());
                    }
                    last.put(e.key(), e);
                }
            }
        }

        TableChanges changes(TableId id) {
            List<ChangeEvent> deletes = new ArrayList<>();
            List<ChangeEvent> upserts = new ArrayList<>();
            List<ChangeEvent> keepExisting = new ArrayList<>();
            for (ChangeEvent e : last.values()) {
                if (e.kind() == ChangeEvent.Kind.DELETE) {
                    deletes.add(e);
                    continue;
                }
                if (deletedBefore.contains(e.key())) {
                    deletes.add(e);
                }
                if (e.snapshot() && snapshotRowsKeepExisting) {
                    keepExisting.add(e);
                } else {
                    upserts.add(e);
                }
            }
            List<ChangeEvent> rows = new ArrayList<>(upserts);
            rows.addAll(keepExisting);
            rows.addAll(appends);
            return new TableChanges(id, truncate, keyColumns, TableChanges.unionOfColumns(rows), deletes, upserts,
                    keepExisting, List.copyOf(appends));
        }
    }
}
