package io.adbsync.source.stream;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.pgoutput.TupleData;

/**
 * Which captured tables' rows a task reads, where several tasks read one source (one per Greenplum segment, or one per
 * key shard). A table's changes go to Kafka from the tasks that read it; only a task that reads all of a table's rows
 * may send what stands for all of them (a truncate): the others meet at it.
 */
public interface TableShare {

    /** The share of a task that reads the whole source. */
    TableShare WHOLE = new TableShare() {
        @Override
        public boolean reads(int relationOid) {
            return true;
        }

        @Override
        public boolean readsAllRows(int relationOid) {
            return true;
        }
    };

    /** Whether this task sends the changes and copy of relation {@code relationOid}. */
    boolean reads(int relationOid);

    /** Whether the rows this task reads of relation {@code relationOid} are all of its rows. */
    boolean readsAllRows(int relationOid);

    /** The stream described relation {@code relationOid} again (its definition or storage may have changed). */
    default void relationChanged(int relationOid) {
    }

    /** Whether this task sends {@code row} of {@code table}, a table it reads: by its key where rows are split by key. */
    default boolean owns(CapturedTable table, TupleData row) {
        return true;
    }

    /** Whether rows of one table are split among the tasks by key, so that {@link #owns} must be asked of each row. */
    default boolean splitsRows() {
        return false;
    }

    /** How many tasks read rows of relation {@code relationOid}: those that meet at its truncates. */
    default int partiesHolding(int relationOid) {
        return 1;
    }
}
