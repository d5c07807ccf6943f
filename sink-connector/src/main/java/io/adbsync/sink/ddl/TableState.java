package io.adbsync.sink.ddl;

import io.adbsync.sink.naming.TableId;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the destination says about a table: its columns with their types, the column sets of its unique indexes,
 * its storage ({@code heap}, {@code ao_row}, {@code ao_column}, {@code beam}) and its distribution key.
 */
public record TableState(TableId id, boolean exists, Map<String, String> columns, List<Set<String>> uniqueKeys,
                         String storage, List<String> distributionKey) {

    public static TableState missing(TableId id) {
        return new TableState(id, false, Map.of(), List.of(), "heap", List.of());
    }

    /** Whether {@code INSERT … ON CONFLICT (keyColumns)} works: a unique index on exactly these columns, on a heap or Beam table. */
    public boolean supportsOnConflict(List<String> keyColumns) {
        if (!(storage.equals("heap") || storage.equals("beam")) || keyColumns.isEmpty()) {
            return false;
        }
        Set<String> key = Set.copyOf(keyColumns);
        return uniqueKeys.contains(key) && key.containsAll(distributionKey);
    }
}
