package io.adbsync.source.stream;

import java.util.Map;

/**
 * Where the stream stands: the commit LSN of a transaction and the index of the last record of it already handed
 * out. Resuming at a position re-reads that transaction and skips its records up to {@code event}.
 */
public record StreamPosition(long commitLsn, long event) {

    public static final StreamPosition START = new StreamPosition(0, -1);

    /** Reads a stored source offset; a missing or malformed offset is an error naming what is wrong. */
    public static StreamPosition fromOffset(Map<String, ?> offset) {
        if (offset == null || offset.isEmpty()) {
            return START;
        }
        Object lsn = offset.get(ChangeRecordFactory.OFFSET_LSN);
        Object event = offset.get(ChangeRecordFactory.OFFSET_EVENT);
        if (!(lsn instanceof Number) || !(event instanceof Number)) {
            throw new IllegalArgumentException("A source offset must hold numbers '" + ChangeRecordFactory.OFFSET_LSN + "' and '"
                    + ChangeRecordFactory.OFFSET_EVENT + "', got " + offset);
        }
        long l = ((Number) lsn).longValue();
        if (l <= 0) {
            throw new IllegalArgumentException("The offset's '" + ChangeRecordFactory.OFFSET_LSN + "' must be a positive LSN, got " + l);
        }
        return new StreamPosition(l, ((Number) event).longValue());
    }

    /** Whether record {@code event} of the transaction committing at {@code lsn} was handed out already. */
    public boolean covers(long lsn, long eventIndex) {
        return lsn < commitLsn || (lsn == commitLsn && eventIndex <= event);
    }
}
