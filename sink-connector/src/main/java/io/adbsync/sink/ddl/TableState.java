package io.adbsync.sink.ddl;

import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.common.sql.TableId;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the destination says about a table: its columns with their types, the column sets of its unique indexes (and
 * of those among them checked at once, not deferrable), its storage (empty for an access method the sink does not
 * know, e.g. one of an extension) and its distribution key; and {@code fills}: the columns whose rows older than them
 * hold a value (a fast default, {@code attmissingval}), each with that value: NOT NULL columns without a default that
 * were added with one here, and under schema.sync=all those the source's latest definition says so of; and
 * {@code withoutDefault}: the columns that make no value of their own (no default, identity or generation), which a
 * row replaced by DELETE + INSERT keeps where its record does not carry them.
 */
public record TableState(TableId id, boolean exists, Map<String, String> columns, List<Set<String>> uniqueKeys,
                         List<Set<String>> immediateUniqueKeys, Optional<StorageEngine> storage, List<String> distributionKey,
                         Map<String, String> fills, Set<String> withoutDefault) {

    /** A table none of whose unique indexes is deferrable, without columns to fill, all of whose columns lack a default. */
    public TableState(TableId id, boolean exists, Map<String, String> columns, List<Set<String>> uniqueKeys,
                      Optional<StorageEngine> storage, List<String> distributionKey) {
        this(id, exists, columns, uniqueKeys, uniqueKeys, storage, distributionKey, Map.of(), columns.keySet());
    }

    /**
     * This state with {@code more} columns to fill (those it has already kept), for columns of the table only: the
     * schema channel's definitions say which nullable columns hold a fast default's value in rows older than them,
     * where the destination's catalog cannot tell them from columns of its own.
     */
    public TableState withFills(Map<String, String> more) {
        Map<String, String> all = new java.util.LinkedHashMap<>(fills);
        more.forEach((column, value) -> {
            if (value != null && columns.containsKey(column)) {
                all.putIfAbsent(column, value);
            }
        });
        return all.equals(fills) ? this : new TableState(id, exists, columns, uniqueKeys, immediateUniqueKeys, storage,
                distributionKey, Map.copyOf(all), withoutDefault);
    }

    public static TableState missing(TableId id) {
        return new TableState(id, false, Map.of(), List.of(), Optional.of(StorageEngine.HEAP), List.of());
    }

    /**
     * Whether rows matched on {@code keyColumns} are at most one row each, as far as the destination can say: they
     * contain every column of a unique key. A table without any unique key is trusted only where it could not have
     * one on these columns: append-optimized storage, or (Greenplum) a distribution key outside them, since a unique
     * index must contain the distribution key.
     */
    public boolean identifiesOneRow(Collection<String> keyColumns) {
        if (!uniqueKeys.isEmpty()) {
            return uniqueKeys.stream().anyMatch(keyColumns::containsAll);
        }
        return storage.map(StorageEngine::appendOptimized).orElse(false)
                || !distributionKey.isEmpty() && !keyColumns.containsAll(distributionKey);
    }

    /**
     * Whether {@code INSERT … ON CONFLICT (keyColumns)} works: a unique index on exactly these columns, on a heap or Beam
     * table, and not deferrable (PostgreSQL refuses a deferrable one as the arbiter; schema.sync=all makes UNIQUE
     * constraints deferrable, and a table without a primary key may be keyed by one).
     */
    public boolean supportsOnConflict(List<String> keyColumns) {
        if (storage.isEmpty() || storage.get().appendOptimized() || keyColumns.isEmpty()) {
            return false;
        }
        Set<String> key = Set.copyOf(keyColumns);
        return immediateUniqueKeys.contains(key) && key.containsAll(distributionKey);
    }
}
