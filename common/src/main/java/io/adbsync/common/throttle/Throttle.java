package io.adbsync.common.throttle;

/**
 * Keeps a rate of work under a number of units (rows, records, queries) and bytes per second: after each batch it
 * says how long to wait so that the work done so far does not run ahead of the allowed rates. Shared by the sink
 * (writes) and the source (stream records, snapshot rows and queries).
 */
public final class Throttle {

    private final long maxRowsPerSecond;
    private final double maxBytesPerSecond;
    private long earliestNextNanos = Long.MIN_VALUE;

    public Throttle(long maxRowsPerSecond, double maxBytesPerSecond) {
        this.maxRowsPerSecond = maxRowsPerSecond;
        this.maxBytesPerSecond = maxBytesPerSecond;
    }

    public boolean enabled() {
        return maxRowsPerSecond > 0 || maxBytesPerSecond > 0;
    }

    /**
     * The most units a batch may hold so that the wait after it stays within about {@code millis}: at least 1, and
     * {@link Long#MAX_VALUE} when units are not limited. Callers that must not block long cut their batch here.
     */
    public long unitsWithin(long millis) {
        return maxRowsPerSecond > 0 ? Math.max(1, maxRowsPerSecond * millis / 1000) : Long.MAX_VALUE;
    }

    /** As {@link #unitsWithin(long)} for bytes: a batch stops once it holds this many (at least 1). */
    public long bytesWithin(long millis) {
        return maxBytesPerSecond > 0 ? Math.max(1, (long) (maxBytesPerSecond * millis / 1000)) : Long.MAX_VALUE;
    }

    /** Records a written batch at time {@code nowNanos}; returns how many nanoseconds to wait before the next one. */
    public long afterBatch(long rows, long bytes, long nowNanos) {
        if (!enabled()) {
            return 0;
        }
        double seconds = 0;
        if (maxRowsPerSecond > 0) {
            seconds = Math.max(seconds, (double) rows / maxRowsPerSecond);
        }
        if (maxBytesPerSecond > 0) {
            seconds = Math.max(seconds, bytes / maxBytesPerSecond);
        }
        long start = Math.max(nowNanos, earliestNextNanos == Long.MIN_VALUE ? nowNanos : earliestNextNanos);
        earliestNextNanos = start + (long) (seconds * 1_000_000_000L);
        return Math.max(0, earliestNextNanos - nowNanos);
    }
}
