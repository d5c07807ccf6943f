package io.adbsync.sink.record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** The primary-key values of a row, comparable across records whatever their schema objects (bytes by content). */
public record RowKey(List<Object> values) {

    public static RowKey of(List<Object> raw) {
        List<Object> values = new ArrayList<>(raw.size());
        for (Object v : raw) {
            values.add(v instanceof byte[] b ? ByteBuffer.wrap(b.clone()) : v);
        }
        return new RowKey(List.copyOf(values));
    }
}
