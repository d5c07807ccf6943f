package io.adbsync.common.cache;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Remembers a value computed from an object, by the object's identity: schemas and captured tables are built once
 * and shared by all records of a table, so identity finds them without hashing their fields. Reads take no lock
 * (the map is replaced on every addition, which is rare); past {@code capacity} entries it starts afresh, so old
 * schemas are not kept forever.
 */
public final class IdentityMemo<K, V> {

    private final int capacity;
    private final Function<K, V> compute;
    private volatile Map<K, V> entries = new IdentityHashMap<>();

    public IdentityMemo(int capacity, Function<K, V> compute) {
        this.capacity = capacity;
        this.compute = compute;
    }

    public V get(K key) {
        V value = entries.get(key);
        if (value != null) {
            return value;
        }
        value = compute.apply(key);
        synchronized (this) {
            Map<K, V> next = entries.size() >= capacity ? new IdentityHashMap<>() : new IdentityHashMap<>(entries);
            next.put(key, value);
            entries = next;
        }
        return value;
    }
}
