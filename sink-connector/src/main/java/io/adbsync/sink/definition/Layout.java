package io.adbsync.sink.definition;

import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.sink.dialect.TableDefinition.Placement;

import java.util.List;

/**
 * How a destination table is (or is to be) stored and spread, which decides what unique constraints and indexes it
 * can have on Greenplum.
 *
 * @param distributionKey the columns rows are spread by (destination names); empty unless {@code placement} is KEY
 */
record Layout(StorageEngine storage, Placement placement, List<String> distributionKey) {

    Layout {
        distributionKey = List.copyOf(distributionKey);
    }

    /** Why a unique constraint or index on {@code columns} (destination names; null: not all plain columns) cannot exist here, or null. */
    String uniqueRefusal(boolean distributesRows, List<String> columns) {
        if (storage.appendOptimized()) {
            return "append-optimized (" + storage.accessMethod() + ") tables have no unique constraints or indexes";
        }
        if (!distributesRows) {
            return null;
        }
        if (placement == Placement.RANDOM) {
            return "a randomly distributed table has no unique constraints or indexes";
        }
        if (placement == Placement.KEY && (columns == null || !columns.containsAll(distributionKey))) {
            return "on Greenplum a unique constraint or index must contain every column of the distribution key "
                    + distributionKey;
        }
        return null;
    }
}
