package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;
import java.util.Map;
import java.util.Optional;

/**
 * Where the stream stands: the commit LSN of a transaction and the index of the last record of it already handed
 * out. Resuming at a position re-reads that transaction and skips its records up to {@code event}.
 * <p>
 * A record's index is {@code change * RECORDS_PER_CHANGE + part}: {@code change} counts every decoded change of the
 * transaction (each Insert, Update, Delete, and each relation of a Truncate), whether or not the connector emits
 * anything for it, and {@code part} is the record's place among the records of that change (a delete and its
 * tombstone; a key change's delete, tombstone and create; the copies of a truncate, one per partition of its topic).
 * Indices so depend only on what the server sent, never on settings that may change between restarts (tombstones,
 * table and operation filters, row filters): counting emitted records instead would skip or repeat records after
 * such a change. Each copy of a truncate has an index of its own, so a restart after some of them reached Kafka sends
 * the others.
 * <p>
 * {@code RECORDS_PER_CHANGE} was 4 before truncates were copied to every partition; offsets stored then are still
 * safe to resume from, and so are offsets written when the index counted emitted records. The stored index of a
 * record was at most {@code change * 4 + part} (an emitted-record count: at most {@code change * 3 + part}), never
 * above the index it has now, {@code change * RECORDS_PER_CHANGE + part}; and every record after it has a greater
 * index now: a later part of the same change, or a later change, whose indices start at {@code (change + 1) *
 * RECORDS_PER_CHANGE}, above any old index of the stored one. Resuming from one may
 * repeat records but never skips any.
 */
public record StreamPosition(Lsn commitLsn, long event) {

    /**
     * Room for the records of one change: a row change emits at most three (delete, tombstone, create), a truncate
     * one per partition of its topic.
     */
    public static final int RECORDS_PER_CHANGE = 1 << 16;

    /** Index of the first record of the {@code change}-th decoded change of a transaction. */
    public static long firstEventOf(long change) {
        return change * RECORDS_PER_CHANGE;
    }

    /**
     * Reads a stored source offset: empty when none is stored (the stream starts where the slot stands); a malformed
     * offset is an error naming what is wrong.
     */
    public static Optional<StreamPosition> fromOffset(Map<String, ?> offset) {
        if (offset == null || offset.isEmpty()) {
            return Optional.empty();
        }
        long l = whole(offset, ChangeRecordFactory.OFFSET_LSN);
        // Stored as the signed long of the LSN's bits; no stored position was ever 0 or from 2^63 on.
        if (l <= 0) {
            throw new IllegalArgumentException("The offset's '" + ChangeRecordFactory.OFFSET_LSN + "' must be a positive LSN, got " + l);
        }
        return Optional.of(new StreamPosition(new Lsn(l), whole(offset, ChangeRecordFactory.OFFSET_EVENT)));
    }

    /** Connect reads stored integers back as Long; the REST API's JSON parser gives Integer for small ones. */
    private static long whole(Map<String, ?> offset, String field) {
        Object value = offset.get(field);
        if (!(value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)) {
            throw new IllegalArgumentException("A source offset's field '" + field + "' must be a whole number, got "
                    + (value == null ? "nothing (the field is missing)" : value + " (" + value.getClass().getSimpleName() + ")")
                    + " in " + offset);
        }
        return ((Number) value).longValue();
    }

    /** Whether record {@code event} of the transaction committing at {@code lsn} was handed out already. */
    public boolean covers(Lsn lsn, long eventIndex) {
        return lsn.isBefore(commitLsn) || (lsn.equals(commitLsn) && eventIndex <= event);
    }
}
