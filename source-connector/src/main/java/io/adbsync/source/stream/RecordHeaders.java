package io.adbsync.source.stream;

import io.adbsync.common.cache.IdentityMemo;
import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.common.contract.SpecialFloatColumns;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;

/**
 * The headers of every record the source emits: the exact source table (topic names cannot carry it), and the
 * float columns holding NaN, ±Infinity or -0 so that a sink notices a converter that lost them. What a table
 * needs is worked out once per captured table shape, not per record.
 */
final class RecordHeaders {

    private record TableHeaders(String sourceTable, boolean hasFloats) {
    }

    private final IdentityMemo<CapturedTable, TableHeaders> tables = new IdentityMemo<>(1024,
            t -> new TableHeaders(SourceTableHeader.encode(t.schema(), t.table()),
                    SpecialFloatColumns.hasFloatColumns(t.rowSchema())));

    ConnectHeaders of(CapturedTable t, Struct before, Struct after) {
        TableHeaders known = tables.get(t);
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString(SourceTableHeader.HEADER, known.sourceTable());
        if (known.hasFloats()) {
            String special = SpecialFloatColumns.describe(before, after);
            if (special != null) {
                headers.addString(SpecialFloatColumns.HEADER, special);
            }
        }
        return headers;
    }
}
