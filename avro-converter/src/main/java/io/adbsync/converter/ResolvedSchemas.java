package io.adbsync.converter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What the registry answered for one schema <em>instance</em> on one topic, kept for the resolver's check period. Keyed
 * by identity because the converter hands the serializer the same Avro schema instance for every record of a Connect
 * schema (its schema cache), and hashing or printing a wide schema per record is what this cache exists to avoid.
 */
final class ResolvedSchemas<R> {

    /** Past this many entries the cache starts over: schemas are few per topic unless something churns them. */
    static final int MAX_ENTRIES = 10_000;

    private final Map<Key, Entry<R>> entries = new ConcurrentHashMap<>();
    private final long lifetimeNanos;
    private final LongSupplier nanoClock;

    ResolvedSchemas(long lifetimeMillis, LongSupplier nanoClock) {
        this.lifetimeNanos = lifetimeMillis * 1_000_000L;
        this.nanoClock = nanoClock;
    }

    R get(String topic, Object schema, Supplier<R> resolve) {
        Key key = new Key(topic, schema);
        long now = nanoClock.getAsLong();
        Entry<R> entry = entries.get(key);
        if (entry != null && now - entry.resolvedAt() < lifetimeNanos) {
            return entry.result();
        }
        R result = resolve.get();
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(key, new Entry<>(result, now));
        return result;
    }

    int size() {
        return entries.size();
    }

    private record Entry<R>(R result, long resolvedAt) {
    }

    /** Topic by value, schema by identity. */
    private static final class Key {
        private final String topic;
        private final Object schema;

        Key(String topic, Object schema) {
            this.topic = topic;
            this.schema = schema;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && other.schema == schema && other.topic.equals(topic);
        }

        @Override
        public int hashCode() {
            return 31 * topic.hashCode() + System.identityHashCode(schema);
        }
    }
}
