package io.adbsync.source.reconnect;

import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.retry.RetryPolicy;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.function.LongSupplier;

/**
 * Decides when the source task connects again: at start (the source down, or the slot still held by the previous
 * task) and after it lost a connection, within {@code connection.retry.window.ms}, with a backoff from
 * {@value #INITIAL_BACKOFF_MS} ms doubling up to {@value #MAX_BACKOFF_MS} ms. It fails the task on a failure that
 * retrying does not cure and once the window is used up; the task itself connects and waits.
 */
public final class ConnectionRetry {

    /** The wait after the first failed attempt. */
    public static final long INITIAL_BACKOFF_MS = 1_000;
    /** The longest wait between two attempts. */
    public static final long MAX_BACKOFF_MS = 30_000;

    private static final Logger log = LoggerFactory.getLogger(ConnectionRetry.class);

    private final RetryPolicy policy;
    private final RetryPolicy.Window window;
    private final LongSupplier clock;
    private final String url;
    private final String slot;
    private long nextAttemptAt;

    /**
     * @param redactedUrl the source's URL as logs may show it
     * @param window      {@code connection.retry.window.ms} and its value
     * @param clock       milliseconds, e.g. {@code System::currentTimeMillis}
     */
    public ConnectionRetry(String redactedUrl, String slot, RetryPolicy.Window window, LongSupplier clock) {
        this.policy = RetryPolicy.oneWindow(window, INITIAL_BACKOFF_MS, MAX_BACKOFF_MS, clock);
        this.window = window;
        this.clock = clock;
        this.url = redactedUrl;
        this.slot = slot;
    }

    /** Whether the task is between a failure and the next connection that works. */
    public boolean disconnected() {
        return policy.failing();
    }

    /** Milliseconds until the next attempt is due; 0 when it is. */
    public long waitMs() {
        return Math.max(0, nextAttemptAt - clock.getAsLong());
    }

    /**
     * An attempt at connecting and setting up failed with {@code failure} (an SQLException, or a RuntimeException
     * that may wrap one): schedules the next attempt, or throws when retrying will not help or the window is used up.
     */
    public void startFailed(Exception failure) {
        SQLException e = sqlCause(failure);
        if (e == null) {
            throw (RuntimeException) failure;
        }
        if (SqlErrors.classify(e) != SqlErrors.Kind.TRANSIENT) {
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new ConnectException("Cannot start streaming from " + url + ": " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ")", e);
        }
        if (!policy.failing()) {
            log.warn("Cannot start streaming from {} yet ({}, SQLState {}); retrying for up to {} ms ({})",
                    url, e.getMessage(), e.getSQLState(), window.ms(), window.key());
        }
        retryLater(e, false);
    }

    /**
     * A connection that worked (the stream's, the catalog's or the snapshot's) was lost: the first reconnect is due at
     * once, and the window starts now. Throws when the failure is not a transient one.
     */
    public void lost(SQLException e) {
        if (SqlErrors.classify(e) != SqlErrors.Kind.TRANSIENT) {
            throw new ConnectException("Streaming from slot " + slot + " failed: " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ")", e);
        }
        if (!policy.failing()) {
            policy.failed();
            nextAttemptAt = clock.getAsLong();
            log.warn("Lost a connection to {} ({}); reconnecting for up to {} ms ({})", url, e.getMessage(), window.ms(),
                    window.key());
        }
    }

    /** A reconnect attempt failed: schedules the next one, or throws as {@link #startFailed} does. */
    public void reconnectFailed(SQLException e) {
        if (SqlErrors.classify(e) != SqlErrors.Kind.TRANSIENT) {
            throw new ConnectException("Cannot resume streaming from slot " + slot + ": " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ")", e);
        }
        retryLater(e, true);
    }

    /** Connected: ends the streak. Returns how long the task was without a connection, or -1 when it was not. */
    public long connected() {
        long downMs = policy.failing() ? policy.failingForMs() : -1;
        policy.succeeded();
        return downMs;
    }

    private void retryLater(SQLException e, boolean reconnecting) {
        Long backoff = policy.nextBackoff(e);
        if (backoff == null) {
            throw new ConnectException("Could not " + (reconnecting ? "reconnect" : "connect") + " to " + url + " within "
                    + policy.windowKey(e) + "=" + window.ms() + " ms; last error: " + e.getMessage(), e);
        }
        nextAttemptAt = clock.getAsLong() + backoff;
        log.info("{} to {} failed ({}); next attempt in {} ms", reconnecting ? "Reconnect" : "Connect", url,
                e.getMessage(), backoff);
    }

    /**
     * The SQLException behind a failure: itself, or the cause of a ConnectException that catalog lookups made while
     * converting a change (TOAST re-read, row filter, a Relation's key, type or partition) wrap theirs in; else null.
     */
    public static SQLException sqlCause(Exception failure) {
        return failure instanceof SQLException sql ? sql : failure.getCause() instanceof SQLException sql ? sql : null;
    }

    /** The SQLException behind {@code failure} when it is a transient one (a lost connection is read again); else null. */
    public static SQLException transientCause(Exception failure) {
        SQLException e = sqlCause(failure);
        return e != null && SqlErrors.classify(e) == SqlErrors.Kind.TRANSIENT ? e : null;
    }
}
