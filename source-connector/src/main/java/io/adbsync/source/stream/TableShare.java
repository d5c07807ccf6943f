package io.adbsync.source.stream;

/**
 * Which captured tables' rows a task reads, where several tasks read one source (one per Greenplum segment). A table's
 * changes go to Kafka from the tasks that read it; only a task that reads all of a table's rows may send what stands
 * for all of them (a truncate).
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
}
