package io.adbsync.source.snapshot;

/** JMX view of snapshot progress: {@code io.adbsync:type=source-snapshot,connector=...,task=...}. */
public interface SnapshotMetricsMBean {

    long getRowsDone();

    /** Sum of the tables' estimated row counts (pg_class.reltuples) when their snapshot was planned. */
    long getRowsEstimated();

    int getTablesTotal();

    /**
     * Bytes of row text that chunks holding more than snapshot.chunk.bytes in memory wrote to spill.directory until the
     * task handed them out, since the task started.
     */
    long getBytesSpilled();

    int getTablesRemaining();

    /** One line per table: {@code schema.table rowsDone/estimated chunk n/m}. */
    String[] getTableProgress();
}
