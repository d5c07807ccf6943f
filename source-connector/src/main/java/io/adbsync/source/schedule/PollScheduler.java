package io.adbsync.source.schedule;

import io.adbsync.common.throttle.Throttle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongSupplier;

/**
 * Decides what one poll of the source task does: a snapshot round, a stream batch or a wait. Snapshot rounds alternate
 * with stream batches, so neither starves the other, and start only between transactions of the stream (the
 * snapshot's consistency argument in {@code Snapshotter} needs that); each side waits out its own throttle, and no
 * wait is longer than one poll interval, so the task stays responsive to stop().
 */
public final class PollScheduler {

    private static final Logger log = LoggerFactory.getLogger(PollScheduler.class);

    /** What one poll does. */
    public sealed interface Step permits SnapshotRound, StreamBatch, Wait {
    }

    /** Go on with the snapshot round in flight, or start one. */
    public record SnapshotRound() implements Step {
    }

    /**
     * Read one stream batch: at most {@code maxRecords} records and about {@code maxBytes} bytes, waiting at most
     * {@code idleMs} for changes when none are there.
     */
    public record StreamBatch(long maxRecords, long maxBytes, long idleMs) implements Step {
    }

    /** Hand out nothing and wait {@code ms}. */
    public record Wait(long ms) implements Step {
    }

    /**
     * What the scheduler needs to know of the task at one poll.
     *
     * @param roundInFlight       a snapshot round was started and is not handed out whole yet
     * @param snapshotPending     the snapshot has chunks left to read now
     * @param snapshotLeft        the snapshot has chunks left, to read now or once an offset commit lets them
     * @param betweenTransactions the stream is not inside a transaction (nor replaying a spilled one)
     * @param streamHeld          the stream waits until the marks of tables no longer captured are stored
     */
    public record State(boolean roundInFlight, boolean snapshotPending, boolean snapshotLeft, boolean betweenTransactions,
                        boolean streamHeld) {
    }

    private static final SnapshotRound SNAPSHOT_ROUND = new SnapshotRound();

    private final boolean streamless;
    private final long pollIntervalMs;
    private final int maxBatchSize;
    private final Throttle streamThrottle;
    private final Throttle snapshotThrottle;
    private final Throttle snapshotQueryThrottle;
    private final LongSupplier nanoTime;
    private boolean snapshotTurn = true;
    private long streamAllowedAtNanos;
    private long snapshotAllowedAtNanos;
    private boolean idleLogged;

    /**
     * @param streamless     snapshot.mode=initial_only: the task copies and streams nothing
     * @param nanoTime       e.g. {@code System::nanoTime}
     */
    public PollScheduler(boolean streamless, long pollIntervalMs, int maxBatchSize, Throttle streamThrottle,
                         Throttle snapshotThrottle, Throttle snapshotQueryThrottle, LongSupplier nanoTime) {
        this.streamless = streamless;
        this.pollIntervalMs = pollIntervalMs;
        this.maxBatchSize = maxBatchSize;
        this.streamThrottle = streamThrottle;
        this.snapshotThrottle = snapshotThrottle;
        this.snapshotQueryThrottle = snapshotQueryThrottle;
        this.nanoTime = nanoTime;
        long now = nanoTime.getAsLong();
        streamAllowedAtNanos = now;
        snapshotAllowedAtNanos = now;
    }

    /** What this poll does. */
    public Step next(State state) {
        if (state.roundInFlight()) {
            return SNAPSHOT_ROUND;
        }
        long now = nanoTime.getAsLong();
        boolean snapshotAllowed = now - snapshotAllowedAtNanos >= 0;
        if (state.snapshotPending() && (snapshotTurn || streamless) && state.betweenTransactions() && snapshotAllowed) {
            snapshotTurn = false;
            return SNAPSHOT_ROUND;
        }
        snapshotTurn = true;
        if (streamless) {
            if (state.snapshotPending()) {
                return waitUntil(snapshotAllowedAtNanos, now);
            }
            if (state.snapshotLeft()) {
                return new Wait(pollIntervalMs);
            }
            if (!idleLogged) {
                log.info("snapshot.mode=initial_only: the snapshot is done, nothing is streamed");
                idleLogged = true;
            }
            return new Wait(pollIntervalMs);
        }
        if (now - streamAllowedAtNanos < 0) {
            return waitUntil(streamAllowedAtNanos, now);
        }
        if (state.streamHeld()) {
            return state.snapshotPending() ? waitUntil(snapshotAllowedAtNanos, now) : new Wait(pollIntervalMs);
        }
        // While a snapshot waits for its turn the stream only takes what is already there, or, while the snapshot is
        // throttled, waits no longer than until it may go on.
        long idleMs = pollIntervalMs;
        if (state.snapshotPending()) {
            idleMs = Math.min(idleMs, Math.max(0, (snapshotAllowedAtNanos - now) / 1_000_000));
        }
        // A throttled batch is cut at one poll interval's share of the rate: the wait after it then stays short,
        // so status updates keep reaching the server instead of a full batch followed by a long silence.
        return new StreamBatch(Math.min(maxBatchSize, streamThrottle.unitsWithin(pollIntervalMs)),
                streamThrottle.bytesWithin(pollIntervalMs), idleMs);
    }

    /** A stream batch was read: the next one waits as the stream throttle says. */
    public void streamBatchRead(long records, long bytes) {
        long now = nanoTime.getAsLong();
        streamAllowedAtNanos = now + streamThrottle.afterBatch(records, bytes, now);
    }

    /**
     * Records of a snapshot round were handed out ({@code bytes} and {@code queries} with the round's last): the next
     * round waits as the stricter of the snapshot's throttles says.
     */
    public void snapshotRoundRead(long rows, long bytes, long queries) {
        long now = nanoTime.getAsLong();
        snapshotAllowedAtNanos = now + Math.max(snapshotThrottle.afterBatch(rows, bytes, now),
                snapshotQueryThrottle.afterBatch(queries, 0, now));
    }

    /** Throttled: waits until {@code nanos}, but at least a millisecond and at most a poll interval. */
    private Wait waitUntil(long nanos, long now) {
        return new Wait(Math.min(pollIntervalMs, Math.max(1, (nanos - now) / 1_000_000)));
    }
}
