package io.adbsync.sink.record;

import org.apache.kafka.connect.data.Schema;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * What the parser works out from a schema, remembered by the schema's identity for one task's thread: records of a
 * table share their schema instances, so a lookup replaces the work per record. A converter making a new instance per
 * record only costs a map entry each, up to a bound after which it starts afresh (common's IdentityMemo, made for
 * lookups from several threads without a lock, copies its whole map on each new entry instead).
 */
final class SchemaMemo<V> {

    private static final int CAPACITY = 1024;

    private final Map<Schema, V> entries = new IdentityHashMap<>();
    private final Function<Schema, V> compute;

    SchemaMemo(Function<Schema, V> compute) {
        this.compute = compute;
    }

    V get(Schema schema) {
        V value = entries.get(schema);
        if (value == null) {
            if (entries.size() >= CAPACITY) {
                entries.clear();
            }
            value = compute.apply(schema);
            entries.put(schema, value);
        }
        return value;
    }
}
