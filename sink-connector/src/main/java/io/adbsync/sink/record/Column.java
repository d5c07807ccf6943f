package io.adbsync.sink.record;

import io.adbsync.common.contract.EventContract;
import org.apache.kafka.connect.data.Schema;

/** A destination column as a record describes it: its (mapped) name and the Connect schema of its values. */
public record Column(String name, Schema schema) {

    /**
     * The value rows older than the column hold at the source (a column added with a fast default, carried as
     * {@link EventContract#MISSING_VALUE_PARAMETER}), in the source's text form; null when there is none.
     */
    public String missingValue() {
        return schema.parameters() == null ? null : schema.parameters().get(EventContract.MISSING_VALUE_PARAMETER);
    }
}
