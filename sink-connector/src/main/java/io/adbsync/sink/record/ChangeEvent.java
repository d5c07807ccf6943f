package io.adbsync.sink.record;

import io.adbsync.common.filter.Operation;
import io.adbsync.sink.naming.SourceTable;
import io.adbsync.sink.naming.TableId;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.List;
import java.util.Map;

/**
 * One record turned into what the writer needs: the destination table, what to do, the key, and each column's value
 * already rendered as a COPY field (so a value that cannot be written fails here, for this record alone).
 */
public record ChangeEvent(SinkRecord record, SourceTable source, TableId table, Kind kind, Operation operation,
                          boolean plain, boolean snapshot, List<Column> keyColumns, RowKey key,
                          List<Column> columns, Map<String, String> fields) {

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
