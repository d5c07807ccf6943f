package io.adbsync.common.cache;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Remembers a value computed from a key, by the key's equality, for work asked for every record but depending only on
 * a few keys (a table's name, its destination). Past {@code capacity} entries it starts afresh, which is simpler than
 * LRU and as good where the keys are few; a computation that throws leaves nothing behind. See {@link IdentityMemo}
 * for keys shared by identity.
 */
public final class Memo<K, V> {

    private final int capacity;
    private final Function<K, V> compute;
    private final Map<K, V> entries = new ConcurrentHashMap<>();

    public Memo(int capacity, Function<K, V> compute) {
        this.capacity = capacity;
        this.compute = compute;
    }

    public V get(K key) {
        V value = entries.get(key);
        if (value == null) {
            value = compute.apply(key);
            if (entries.size() >= capacity) {
                entries.clear();
            }
            entries.put(key, value);
        }
        return value;
    }
}
