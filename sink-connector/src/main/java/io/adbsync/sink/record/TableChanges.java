package io.adbsync.sink.record;

import io.adbsync.common.sql.TableId;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The net effect of one batch on one table after reduction per key: truncate first, then delete these keys, then
 * write these rows (upserts, inserts if absent, then partial updates that keep the columns they lack). Applying
 * the steps in this order gives the same table as applying the events one by one.
 */
public record TableChanges(TableId table, boolean truncate, List<Column> keyColumns, List<Column> columns,
                           List<ChangeEvent> deletes, List<ChangeEvent> upserts, List<ChangeEvent> insertsIfAbsent,
                           List<ChangeEvent> partials, List<ChangeEvent> appends) {

    public boolean isEmpty() {
        return !truncate && deletes.isEmpty() && upserts.isEmpty() && insertsIfAbsent.isEmpty() && partials.isEmpty()
                && appends.isEmpty();
    }

    public int rowCount() {
        return deletes.size() + upserts.size() + insertsIfAbsent.size() + partials.size() + appends.size();
    }

    /** Every event written to the table, for the columns they carry. */
    public List<ChangeEvent> rowEvents() {
        List<ChangeEvent> all = new ArrayList<>(upserts);
        all.addAll(insertsIfAbsent);
        all.addAll(partials);
        all.addAll(appends);
        return all;
    }

    /** The union of the columns of {@code events}, in order of first appearance. */
    static List<Column> unionOfColumns(List<ChangeEvent> events) {
        Map<String, Column> columns = new LinkedHashMap<>();
        for (ChangeEvent e : events) {
            for (Column c : e.columns()) {
                columns.putIfAbsent(c.name(), c);
            }
        }
        return List.copyOf(columns.values());
    }
}
