package io.adbsync.sink.record;

import io.adbsync.common.filter.Operation;
import io.adbsync.sink.naming.SourceTable;
import io.adbsync.sink.naming.TableId;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One record turned into what the writer needs: the destination table, what to do, the key, and each column's value
 * already rendered as a COPY field (so a value that cannot be written fails here, for this record alone).
 */
public record ChangeEvent(SinkRecord record, SourceTable source, TableId table, Kind kind, Operation operation,
                          boolean plain, boolean snapshot, List<Column> keyColumns, RowKey key,
                          List<Column> columns, Map<String, String> fields, Set<String> unavailable) {

    /** {@code unavailable}: columns whose value the record does not carry (see {@link UnavailableValue}); no field. */
    public ChangeEvent {
        unavailable = Set.copyOf(unavailable);
    }

    /** An upsert that must leave some columns of an existing row as they are. */
    public boolean partial() {
        return !unavailable.isEmpty();
    }

    /**
     * This upsert on top of {@code earlier}, an upsert of the same key in the same batch: the columns this one lacks
     * take the earlier values, as applying both one by one would leave them.
     */
    public ChangeEvent over(ChangeEvent earlier) {
        Map<String, String> merged = new LinkedHashMap<>(fields);
        Set<String> stillUnavailable = new TreeSet<>();
        for (String column : unavailable) {
            if (earlier.fields.containsKey(column) && !earlier.unavailable.contains(column)) {
                merged.put(column, earlier.fields.get(column));
            } else {
                stillUnavailable.add(column);
            }
        }
        return new ChangeEvent(record, source, table, kind, operation, plain, snapshot, keyColumns, key, columns,
                merged, stillUnavailable);
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
        for (String f : fields.values()) {
            bytes += f.length() + 1;
        }
        return bytes;
    }
}
