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
