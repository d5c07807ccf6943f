package io.adbsync.sink.record;

import io.adbsync.common.filter.Operation;
import io.adbsync.sink.naming.SourceTable;
import io.adbsync.common.sql.TableId;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One record turned into what the writer needs: the destination table, what to do, the key, and each column's value
 * already rendered as a COPY field (so a value that cannot be written fails here, for this record alone). Made by the
 * factories, one for each thing a record can ask for.
 */
public record ChangeEvent(SinkRecord record, SourceTable source, TableId table, Kind kind, Operation operation,
                          boolean plain, boolean snapshot, Row row) {

    /**
     * What a record carries of its row: the key columns and their values, every column it writes with its COPY field
     * ({@code fields}, key columns included), and the columns whose value it does not carry ({@code unavailable}, see
     * {@link UnavailableValue}; no field).
     */
    public record Row(List<Column> keyColumns, RowKey key, List<Column> columns, Map<String, String> fields,
                      Set<String> unavailable) {

        public Row {
            unavailable = Set.copyOf(unavailable);
        }

        /** A row known by its key alone: what a delete carries. */
        public static Row ofKey(List<Column> keyColumns, RowKey key, Map<String, String> keyFields) {
            return new Row(keyColumns, key, keyColumns, keyFields, Set.of());
        }

        private static final Row NONE = new Row(List.of(), null, List.of(), Map.of(), Set.of());
    }

    /** An insert or update of an envelope ({@code op} c or u), or a row of the source's snapshot ({@code snapshot}). */
    public static ChangeEvent upsert(SinkRecord record, SourceTable source, TableId table, Operation operation,
                                     boolean snapshot, Row row) {
        return new ChangeEvent(record, source, table, Kind.UPSERT, operation, false, snapshot, row);
    }

    /** A record without an envelope (key and row): an insert or an update, the record cannot say which. */
    public static ChangeEvent plainUpsert(SinkRecord record, SourceTable source, TableId table, Row row) {
        return new ChangeEvent(record, source, table, Kind.UPSERT, Operation.INSERT, true, false, row);
    }

    /** A delete by key: an envelope's op d, or a record without a value (tombstone). */
    public static ChangeEvent delete(SinkRecord record, SourceTable source, TableId table, Row key) {
        return new ChangeEvent(record, source, table, Kind.DELETE, Operation.DELETE, false, false, key);
    }

    /** A truncate of the whole table (op t). */
    public static ChangeEvent truncate(SinkRecord record, SourceTable source, TableId table) {
        return new ChangeEvent(record, source, table, Kind.TRUNCATE, Operation.TRUNCATE, false, false, Row.NONE);
    }

    public List<Column> keyColumns() {
        return row.keyColumns();
    }

    /** The key's values; null for a truncate, and for a row without key columns (insert mode). */
    public RowKey key() {
        return row.key();
    }

    public List<Column> columns() {
        return row.columns();
    }

    public Map<String, String> fields() {
        return row.fields();
    }

    public Set<String> unavailable() {
        return row.unavailable();
    }

    /** An upsert that must leave some columns of an existing row as they are. */
    public boolean partial() {
        return !row.unavailable().isEmpty();
    }

    /**
     * This upsert on top of {@code earlier}, an upsert of the same key in the same batch: the columns this one lacks
     * take the earlier values, as applying both one by one would leave them.
     */
    public ChangeEvent over(ChangeEvent earlier) {
        Map<String, String> merged = new LinkedHashMap<>(fields());
        Set<String> stillUnavailable = new TreeSet<>();
        for (String column : unavailable()) {
            if (earlier.fields().containsKey(column) && !earlier.unavailable().contains(column)) {
                merged.put(column, earlier.fields().get(column));
            } else {
                stillUnavailable.add(column);
            }
        }
        return new ChangeEvent(record, source, table, kind, operation, plain, snapshot,
                new Row(keyColumns(), key(), columns(), merged, stillUnavailable));
    }

    /**
     * This event without its values of {@code dropped} (key columns kept): written like an event from before those
     * columns, so a row new here gets what the column holds for older rows and a row already here keeps its own.
     */
    public ChangeEvent without(Set<String> dropped) {
        List<Column> kept = columns().stream().filter(c -> !dropped.contains(c.name()) || isKey(c.name())).toList();
        if (kept.size() == columns().size()) {
            return this;
        }
        Map<String, String> fields = new LinkedHashMap<>(fields());
        Set<String> unavailable = new TreeSet<>(unavailable());
        columns().stream().filter(c -> !kept.contains(c)).forEach(c -> {
            fields.remove(c.name());
            unavailable.remove(c.name());
        });
        return new ChangeEvent(record, source, table, kind, operation, plain, snapshot,
                new Row(keyColumns(), key(), kept, fields, unavailable));
    }

    private boolean isKey(String column) {
        return keyColumns().stream().anyMatch(k -> k.name().equals(column));
    }

    /** What the event does to its table. */
    public enum Kind {
        UPSERT, DELETE, TRUNCATE
    }

    /** Where the record sits in Kafka, for error messages. */
    public String coordinates() {
        return "topic " + record.topic() + ", partition " + record.kafkaPartition() + ", offset " + record.kafkaOffset();
    }

    /** Approximate size of the COPY text of this event, for throttling. */
    public long textBytes() {
        long bytes = 0;
        for (String f : fields().values()) {
            bytes += f.length() + 1;
        }
        return bytes;
    }
}
