package io.adbsync.source.stream;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.common.cache.IdentityMemo;
import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.common.contract.SpecialFloatColumns;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;

/**
 * The headers of every record the source emits: the exact source table (topic names cannot carry it), the
 * partition count of its topic and, on streamed records of topics of several partitions, their place in commit order
 * (see {@link BarrierHeaders}), and the float columns holding NaN, ±Infinity or -0 so that a sink notices a converter
 * that lost them. What a table needs is worked out once per captured table shape, not per record.
 */
final class RecordHeaders {

    private record TableHeaders(String sourceTable, int partitions, String partitionsText, boolean hasFloats) {
    }

    private final IdentityMemo<CapturedTable, TableHeaders> tables;

    RecordHeaders(TopicPartitions partitions) {
        tables = new IdentityMemo<>(1024, t -> {
            int n = partitions.of(t.topic());
            return new TableHeaders(SourceTableHeader.encode(t.schema(), t.table()), n, Integer.toString(n),
                    SpecialFloatColumns.hasFloatColumns(t.rowSchema()));
        });
    }

    /** The partition count of {@code t}'s topic. */
    int partitions(CapturedTable t) {
        return tables.get(t).partitions();
    }

    /** The headers of a record of {@code t}; {@code position} is null on snapshot records. */
    ConnectHeaders of(CapturedTable t, Struct before, Struct after, BarrierHeaders.Position position) {
        TableHeaders known = tables.get(t);
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString(SourceTableHeader.HEADER, known.sourceTable());
        headers.addString(BarrierHeaders.PARTITIONS, known.partitionsText());
        // A position orders records across partitions only; on a topic of one, Kafka's order is the source's, and the
        // header would only add its bytes to every record.
        if (position != null && known.partitions() > 1) {
            headers.addString(BarrierHeaders.POSITION, position.encode());
        }
        if (known.hasFloats()) {
            String special = SpecialFloatColumns.describe(before, after);
            if (special != null) {
                headers.addString(SpecialFloatColumns.HEADER, special);
            }
        }
        return headers;
    }
}
