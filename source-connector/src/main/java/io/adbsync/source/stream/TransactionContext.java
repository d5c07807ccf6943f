package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;

/** The transaction a change belongs to: its commit LSN (the offset's basis), commit time and xid. */
public record TransactionContext(Lsn commitLsn, long commitTimeMicros, long xid) {

    /** Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's timestamp epoch. */
    private static final long PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000L;

    /** Commit time in Unix epoch milliseconds. */
    public long commitTimeMillis() {
        return (commitTimeMicros + PG_EPOCH_OFFSET_MICROS) / 1_000;
    }
}
