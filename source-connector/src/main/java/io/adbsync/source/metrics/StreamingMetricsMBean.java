package io.adbsync.source.metrics;

/** JMX view of a source task's stream: {@code io.adbsync:type=source-streaming,connector=...,task=...}. */
public interface StreamingMetricsMBean {

    /** Milliseconds between the source commit of the last change and the moment its record was produced. */
    long getMilliSecondsBehindSource();

    long getTotalChangeRecords();

    long getTotalHeartbeats();

    /** Commit LSN of the last transaction a record came from. */
    String getLastCommitLsn();

    /** LSN the slot was last told it may release WAL up to. */
    String getConfirmedLsn();

    boolean isConnected();

    long getReconnects();

    /** Bytes of WAL the server keeps for the slot (current WAL position less restart_lsn); -1 before it is measured. */
    long getRetainedWalBytes();
}
