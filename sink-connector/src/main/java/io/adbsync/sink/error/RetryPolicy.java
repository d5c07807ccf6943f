package io.adbsync.sink.error;

import io.adbsync.common.jdbc.SqlErrors;

import java.sql.SQLException;
import java.util.function.LongSupplier;

/**
 * Decides whether a transient failure is retried once more: connection loss within {@code retry.window.connection.ms},
 * any other transient failure within {@code retry.window.other.ms}, measured from the first failure of the streak.
 * The backoff doubles from {@code retry.backoff.ms} up to one minute.
 */
public final class RetryPolicy {

    private static final long MAX_BACKOFF_MS = 60_000;

    private final long connectionWindowMs;
    private final long otherWindowMs;
    private final long initialBackoffMs;
    private final LongSupplier clock;
    private long firstFailureAt = -1;
    private int attempts;

    public RetryPolicy(long connectionWindowMs, long otherWindowMs, long initialBackoffMs, LongSupplier clock) {
        this.connectionWindowMs = connectionWindowMs;
        this.otherWindowMs = otherWindowMs;
        this.initialBackoffMs = initialBackoffMs;
        this.clock = clock;
    }

    /** What to do about one failure: the wait before the retry, or null when the retry window is used up. */
    public Long nextBackoff(SQLException e) {
        long now = clock.getAsLong();
        if (firstFailureAt < 0) {
            firstFailureAt = now;
        }
        long window = SqlErrors.isConnectionLoss(e) ? connectionWindowMs : otherWindowMs;
        if (now - firstFailureAt >= window) {
            return null;
        }
        long backoff = Math.min(MAX_BACKOFF_MS, initialBackoffMs << Math.min(attempts, 20));
        attempts++;
        return Math.min(backoff, Math.max(1, window - (now - firstFailureAt)));
    }

    public void succeeded() {
        firstFailureAt = -1;
        attempts = 0;
    }
}
