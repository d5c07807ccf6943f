package io.adbsync.common.retry;

import io.adbsync.common.jdbc.SqlErrors;

import java.sql.SQLException;
import java.util.function.LongSupplier;

/**
 * Decides whether a transient failure is retried once more, for the source and the sink alike: a connection loss
 * within its window, any other transient failure within the other window, both measured from the first failure of
 * the streak; the backoff doubles from an initial wait up to a maximum, and never runs past the window. The clock is
 * injected so that the decisions can be tested without waiting.
 */
public final class RetryPolicy {

    /** A retry window and the config key users set it with, named when the window is used up. */
    public record Window(String key, long ms) {
    }

    private final Window connectionLoss;
    private final Window other;
    private final long initialBackoffMs;
    private final long maxBackoffMs;
    private final LongSupplier clock;
    private long firstFailureAt = -1;
    private int attempts;

    /**
     * @param connectionLoss the window for lost connections ({@link SqlErrors#isConnectionLoss})
     * @param other          the window for every other transient failure
     * @param clock          milliseconds, e.g. {@code System::currentTimeMillis}
     */
    public RetryPolicy(Window connectionLoss, Window other, long initialBackoffMs, long maxBackoffMs, LongSupplier clock) {
        this.connectionLoss = connectionLoss;
        this.other = other;
        this.initialBackoffMs = initialBackoffMs;
        this.maxBackoffMs = maxBackoffMs;
        this.clock = clock;
    }

    /** One window for every transient failure. */
    public static RetryPolicy oneWindow(Window window, long initialBackoffMs, long maxBackoffMs, LongSupplier clock) {
        return new RetryPolicy(window, window, initialBackoffMs, maxBackoffMs, clock);
    }

    /**
     * Marks a failure whose retry is due at once (a connection that worked is lost: reconnecting right away costs
     * nothing), without a wait: it starts the streak, and so the window, if none is running.
     */
    public void failed() {
        if (firstFailureAt < 0) {
            firstFailureAt = clock.getAsLong();
        }
    }

    /** What to do about one failure: the wait before the retry, or null when the retry window is used up. */
    public Long nextBackoff(SQLException e) {
        failed();
        long now = clock.getAsLong();
        long window = window(e).ms();
        if (now - firstFailureAt >= window) {
            return null;
        }
        long backoff = Math.min(maxBackoffMs, initialBackoffMs << Math.min(attempts, 20));
        attempts++;
        return Math.min(backoff, Math.max(1, window - (now - firstFailureAt)));
    }

    private Window window(SQLException e) {
        return SqlErrors.isConnectionLoss(e) ? connectionLoss : other;
    }

    /** The config key of the window that applies to {@code e}, for the message when it is used up. */
    public String windowKey(SQLException e) {
        return window(e).key();
    }

    /** Whether a streak of failures is running: a failure since the last success. */
    public boolean failing() {
        return firstFailureAt >= 0;
    }

    /** Milliseconds since the first failure of the running streak; 0 when none is running. */
    public long failingForMs() {
        return firstFailureAt < 0 ? 0 : clock.getAsLong() - firstFailureAt;
    }

    /** Ends the streak: the next failure starts a new window with the initial backoff. */
    public void succeeded() {
        firstFailureAt = -1;
        attempts = 0;
    }
}
