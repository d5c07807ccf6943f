package io.adbsync.sink.writer;

import io.adbsync.sink.ddl.SchemaSync;
import io.adbsync.sink.ddl.TableState;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.record.ChangeEvent;
import io.adbsync.sink.record.Column;
import io.adbsync.sink.record.CopyText;
import io.adbsync.sink.record.TableChanges;
import io.adbsync.sink.record.UnavailableValue;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes reduced changes set-based: per table, COPY into temporary staging tables, then one statement per step
 * (truncate, delete, merge). The caller owns the transaction; nothing here commits data.
 */
public final class BatchWriter {

    private final Dialect dialect;
    private final SchemaSync schemaSync;
    private long stagingCounter;

    public BatchWriter(Dialect dialect, SchemaSync schemaSync) {
        this.dialect = dialect;
        this.schemaSync = schemaSync;
    }

    /** Runs the DDL the changes need (committed on its own, before any data) and returns each table's state. */
    public Map<TableId, TableState> prepare(Connection c, List<TableChanges> tables) throws SQLException {
        Map<TableId, TableState> states = new HashMap<>();
        for (TableChanges t : tables) {
            if (!t.isEmpty()) {
                states.put(t.table(), schemaSync.ensure(c, t));
            }
        }
        return states;
    }

    /** Writes the changes inside the caller's transaction. */
    public void write(Connection c, List<TableChanges> tables, Map<TableId, TableState> states) throws SQLException {
        for (TableChanges t : tables) {
            TableState state = states.get(t.table());
            if (state == null || !state.exists() || t.isEmpty()) {
                continue;
            }
            writeTable(c, t, state);
        }
    }

    private void writeTable(Connection c, TableChanges t, TableState state) throws SQLException {
        TableId table = t.table();
        List<String> keys = t.keyColumns().stream().map(Column::name).toList();
        // All of them but where the schema channel's definitions decide the columns and dropped some the records carry.
        List<String> columns = t.columns().stream().map(Column::name).filter(state.columns()::containsKey).toList();
        // Rows new here whose records carry no value of a column added at the source with a fast default are from before
        // it: they hold its value there (and NOT NULL refuses them without it). A row already here keeps its own.
        Map<String, String> missing = absentAs(t.rowEvents());
        state.fills().forEach((column, value) -> missing.putIfAbsent(column, CopyText.escape(value)));
        if (t.truncate()) {
            execute(c, MergeSql.truncate(table));
        }
        if (!t.deletes().isEmpty()) {
            String staging = stage(c, table, keys, keys, t.deletes());
            execute(c, MergeSql.deleteUsing(table, staging, keys));
        }
        boolean onConflict = state.supportsOnConflict(keys);
        // Staged apart by the columns their records carry: a record without a column (from before it, or its values
        // left out as those of a column dropped and added again) must not write NULL over what a row holds in it.
        for (Rows rows : byColumns(t.upserts(), columns, missing, state)) {
            if (onConflict) {
                String staging = stage(c, table, rows.inserted(), keys, rows.events(), rows.fills());
                execute(c, MergeSql.upsert(table, staging, rows.inserted(), rows.columns(), keys));
            } else {
                // Delete + insert replaces the whole row (append-optimized tables). A row already here keeps what it holds
                // in a column the events do not carry and that makes no value of its own (one added at the source after
                // they were written, one of the destination's own), as ON CONFLICT leaves it; a row new here takes the
                // fill, else NULL, which is what a column without a default holds when left out.
                List<String> kept = state.withoutDefault().stream()
                        .filter(column -> !rows.columns().contains(column) && !keys.contains(column)).sorted().toList();
                List<String> staged = new ArrayList<>(rows.inserted());
                kept.stream().filter(column -> !staged.contains(column)).forEach(staged::add);
                String staging = stage(c, table, staged, keys, rows.events(), rows.fills());
                if (!kept.isEmpty()) {
                    execute(c, MergeSql.keepFromTable(table, staging, kept, keys));
                }
                execute(c, MergeSql.deleteUsing(table, staging, keys), MergeSql.insert(table, staging, staged));
            }
        }
        for (Rows rows : byColumns(t.insertsIfAbsent(), columns, missing, state)) {
            String staging = stage(c, table, rows.inserted(), keys, rows.events(), rows.fills());
            execute(c, onConflict ? MergeSql.insertIfAbsentOnConflict(table, staging, rows.inserted(), keys)
                    : MergeSql.insertIfAbsent(table, staging, rows.inserted(), keys));
        }
        if (!t.partials().isEmpty()) {
            writePartials(c, t, keys, columns);
        }
        for (Rows rows : byColumns(t.appends(), columns, missing, state)) {
            String staging = stage(c, table, rows.inserted(), keys, rows.events(), rows.fills());
            execute(c, MergeSql.insert(table, staging, rows.inserted()));
        }
    }

    /**
     * Events carrying the same columns: those it updates in a row already here ({@code columns}, the table's that the
     * events carry), what a row new here is inserted with ({@code inserted}: every column of the batch's records, as
     * one staging of them all would, and the columns to fill), and the values of the columns the events lack.
     */
    private record Rows(List<ChangeEvent> events, List<String> columns, List<String> inserted, Map<String, String> fills) {
    }

    /**
     * {@code events} grouped by the columns they carry, in order of first appearance (a batch holds one event per key,
     * so the groups' order does not matter); {@code missing}: what older rows hold in a column they lack. A row new here
     * is inserted as before the grouping (a column an event lacks: its fill, else NULL, never the destination's
     * default, which the source's older rows need not hold); only a row already here keeps its own.
     */
    private static List<Rows> byColumns(List<ChangeEvent> events, List<String> tableColumns, Map<String, String> missing,
                                        TableState state) {
        Map<Set<String>, List<ChangeEvent>> groups = new LinkedHashMap<>();
        for (ChangeEvent e : events) {
            Set<String> carried = new java.util.HashSet<>();
            e.columns().forEach(column -> carried.add(column.name()));
            groups.computeIfAbsent(carried, k -> new ArrayList<>()).add(e);
        }
        List<Rows> out = new ArrayList<>();
        groups.forEach((carried, group) -> {
            List<String> columns = tableColumns.stream().filter(carried::contains).toList();
            List<String> inserted = new ArrayList<>(tableColumns);
            Map<String, String> fills = new LinkedHashMap<>();
            missing.forEach((column, value) -> {
                if (!carried.contains(column) && state.columns().containsKey(column)) {
                    fills.put(column, value);
                    if (!inserted.contains(column)) {
                        inserted.add(column);
                    }
                }
            });
            out.add(new Rows(group, columns, inserted, fills));
        });
        return out;
    }

    /**
     * Rows that lack some values (Debezium's unavailable placeholder) update only the columns they carry, grouped by
     * the columns they lack. Such a row must already exist: its missing value cannot be made up.
     */
    private void writePartials(Connection c, TableChanges t, List<String> keys, List<String> columns) throws SQLException {
        Map<Set<String>, List<ChangeEvent>> groups = new LinkedHashMap<>();
        for (ChangeEvent e : t.partials()) {
            groups.computeIfAbsent(e.unavailable(), u -> new ArrayList<>()).add(e);
        }
        for (Map.Entry<Set<String>, List<ChangeEvent>> group : groups.entrySet()) {
            List<String> carried = columns.stream().filter(col -> !group.getKey().contains(col)).toList();
            String staging = stage(c, t.table(), carried, keys, group.getValue());
            try (Statement s = c.createStatement(); ResultSet absent = s.executeQuery(MergeSql.firstAbsentKey(t.table(), staging, keys))) {
                if (absent.next()) {
                    List<String> key = new ArrayList<>();
                    for (int i = 1; i <= keys.size(); i++) {
                        key.add(keys.get(i - 1) + "=" + absent.getString(i));
                    }
                    Set<String> lacking = new TreeSet<>(group.getKey());
                    throw new SQLException("Table " + t.table() + " has no row with key (" + String.join(", ", key)
                            + ") to keep the value of " + (lacking.size() == 1 ? "column " : "columns ")
                            + String.join(", ", lacking) + " from: the record holds Debezium's placeholder "
                            + UnavailableValue.PLACEHOLDER + " (an unchanged TOAST value the source did not send) "
                            + "instead of the value", "22023");
                }
            }
            List<String> updated = carried.stream().filter(col -> !keys.contains(col)).toList();
            if (!updated.isEmpty()) {
                execute(c, MergeSql.updateFrom(t.table(), staging, updated, keys));
            }
        }
    }

    /**
     * What a column some events lack holds for them: a column added at the source with a fast default
     * ({@link Column#missingValue()}) holds that value in every row older than it, which is every row
     * an event from before the column describes; any other column holds NULL there.
     */
    private static Map<String, String> absentAs(List<ChangeEvent> events) {
        Map<String, String> values = new java.util.HashMap<>();
        for (ChangeEvent e : events) {
            for (Column column : e.columns()) {
                String missing = column.missingValue();
                if (missing != null) {
                    values.putIfAbsent(column.name(), CopyText.escape(missing));
                }
            }
        }
        return values;
    }

    /** {@link #stage(Connection, TableId, List, List, List, Map)}, what a column some events lack holds taken from them. */
    private String stage(Connection c, TableId table, List<String> columns, List<String> keys, List<ChangeEvent> events)
            throws SQLException {
        return stage(c, table, columns, keys, events, absentAs(events));
    }

    /**
     * Creates a staging table with {@code columns} of the target and COPYs the events' values into it; a column an event
     * lacks holds what {@code absentAs} says (COPY text), else NULL.
     */
    private String stage(Connection c, TableId table, List<String> columns, List<String> keys, List<ChangeEvent> events,
                         Map<String, String> absentAs) throws SQLException {
        String staging = "adbsync_stage_" + (++stagingCounter);
        execute(c, dialect.createStaging(staging, table, columns, keys));
        StringBuilder text = new StringBuilder(events.size() * 64);
        for (ChangeEvent e : events) {
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    text.append('\t');
                }
                String column = columns.get(i);
                text.append(e.fields().getOrDefault(column, absentAs.getOrDefault(column, CopyText.NULL)));
            }
            text.append('\n');
        }
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        try {
            copy.copyIn(MergeSql.copyIn(staging, columns), new StringReader(text.toString()));
        } catch (IOException e) {
            throw new SQLException("COPY into the staging table of " + table + " failed: " + e.getMessage(), "08006", e);
        }
        return staging;
    }

    private static void execute(Connection c, String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
