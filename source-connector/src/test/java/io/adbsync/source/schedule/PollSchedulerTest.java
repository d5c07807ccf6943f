package io.adbsync.source.schedule;

import io.adbsync.common.throttle.Throttle;
import io.adbsync.source.schedule.PollScheduler.SnapshotRound;
import io.adbsync.source.schedule.PollScheduler.State;
import io.adbsync.source.schedule.PollScheduler.StreamBatch;
import io.adbsync.source.schedule.PollScheduler.Wait;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** What each poll of the source task does, on a test clock. */
class PollSchedulerTest {

    private static final long POLL_MS = 500;
    private static final long MS = 1_000_000;
    private static final Throttle NONE = new Throttle(0, 0);

    private final AtomicLong nanos = new AtomicLong(123 * MS);

    private static final State SNAPSHOT_PENDING = new State(false, true, true, true, false);
    private static final State MID_TRANSACTION = new State(false, true, true, false, false);
    private static final State ROUND_IN_FLIGHT = new State(true, true, true, false, false);
    private static final State STREAM_ONLY = new State(false, false, false, true, false);

    private PollScheduler scheduler(boolean streamless, Throttle stream, Throttle snapshotRows, Throttle snapshotQueries) {
        return new PollScheduler(streamless, POLL_MS, 2048, stream, snapshotRows, snapshotQueries, nanos::get);
    }

    private PollScheduler unthrottled() {
        return scheduler(false, NONE, NONE, NONE);
    }

    @Test
    void snapshotRoundsAlternateWithStreamBatchesSoNeitherStarves() {
        PollScheduler s = unthrottled();
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(SnapshotRound.class);
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(StreamBatch.class);
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(SnapshotRound.class);
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(StreamBatch.class);
    }

    @Test
    void whileASnapshotWaitsForItsTurnTheStreamOnlyTakesWhatIsAlreadyThere() {
        PollScheduler s = unthrottled();
        s.next(SNAPSHOT_PENDING);
        assertThat(s.next(SNAPSHOT_PENDING)).isEqualTo(new StreamBatch(2048, Long.MAX_VALUE, 0));
        // With nothing left to copy the stream waits for changes up to a poll interval.
        assertThat(s.next(STREAM_ONLY)).isEqualTo(new StreamBatch(2048, Long.MAX_VALUE, POLL_MS));
    }

    @Test
    void noRoundStartsInsideATransactionButOneInFlightIsAlwaysAwaited() {
        PollScheduler s = unthrottled();
        for (int i = 0; i < 3; i++) {
            assertThat(s.next(MID_TRANSACTION)).isInstanceOf(StreamBatch.class);
        }
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(SnapshotRound.class);
        // A round started and not read whole yet comes first, turn or no turn.
        assertThat(s.next(ROUND_IN_FLIGHT)).isInstanceOf(SnapshotRound.class);
        assertThat(s.next(ROUND_IN_FLIGHT)).isInstanceOf(SnapshotRound.class);
    }

    @Test
    void aThrottledSnapshotWaitsItsShareWhileTheStreamGoesOnNoLongerThanUntilTheSnapshotMay() {
        PollScheduler s = scheduler(false, NONE, new Throttle(1_000, 0), NONE);
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(SnapshotRound.class);
        s.snapshotRoundRead(1_500, 0, 2);
        // 1,500 rows at 1,000 rows/s: the next round may start in 1.5 s; until then the stream reads, waiting for
        // changes a poll interval at most, and no longer than until the snapshot may go on.
        assertThat(s.next(SNAPSHOT_PENDING)).isEqualTo(new StreamBatch(2048, Long.MAX_VALUE, POLL_MS));
        nanos.addAndGet(1_200 * MS);
        assertThat(s.next(SNAPSHOT_PENDING)).isEqualTo(new StreamBatch(2048, Long.MAX_VALUE, 300));
        nanos.addAndGet(300 * MS);
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(SnapshotRound.class);
    }

    @Test
    void theStricterOfTheSnapshotsRowAndQueryThrottlesDecides() {
        PollScheduler s = scheduler(true, NONE, new Throttle(1_000_000, 0), new Throttle(2, 0));
        s.next(SNAPSHOT_PENDING);
        s.snapshotRoundRead(100, 0, 4);
        // 4 queries at 2 a second: 2 s, waited a poll interval at a time.
        assertThat(s.next(SNAPSHOT_PENDING)).isEqualTo(new Wait(POLL_MS));
        nanos.addAndGet(1_800 * MS);
        assertThat(s.next(SNAPSHOT_PENDING)).isEqualTo(new Wait(200));
        nanos.addAndGet(200 * MS);
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(SnapshotRound.class);
    }

    @Test
    void aThrottledStreamIsCutIntoBatchesOfAPollIntervalsShareAndWaitsAfterEach() {
        PollScheduler s = scheduler(false, new Throttle(100, 10_000), NONE, NONE);
        assertThat(s.next(STREAM_ONLY)).isEqualTo(new StreamBatch(50, 5_000, POLL_MS));
        s.streamBatchRead(50, 1_000);
        assertThat(s.next(STREAM_ONLY)).isEqualTo(new Wait(POLL_MS));
        nanos.addAndGet(499 * MS);
        assertThat(s.next(STREAM_ONLY)).isEqualTo(new Wait(1));
        nanos.addAndGet(MS);
        assertThat(s.next(STREAM_ONLY)).isInstanceOf(StreamBatch.class);
    }

    @Test
    void initialOnlyCopiesRoundAfterRoundAndThenIdles() {
        PollScheduler s = scheduler(true, NONE, NONE, NONE);
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(SnapshotRound.class);
        assertThat(s.next(SNAPSHOT_PENDING)).isInstanceOf(SnapshotRound.class);
        assertThat(s.next(STREAM_ONLY)).isEqualTo(new Wait(POLL_MS));
        assertThat(s.next(STREAM_ONLY)).isEqualTo(new Wait(POLL_MS));
    }

    @Test
    void chunksWaitingForAnOffsetCommitStartNoRoundAndTheStreamWaitsForChangesAsUsual() {
        State waiting = new State(false, false, true, true, false);
        PollScheduler s = unthrottled();
        assertThat(s.next(waiting)).isEqualTo(new StreamBatch(2048, Long.MAX_VALUE, POLL_MS));
        assertThat(s.next(waiting)).isEqualTo(new StreamBatch(2048, Long.MAX_VALUE, POLL_MS));
        // Without a stream: waits, the snapshot not done.
        assertThat(scheduler(true, NONE, NONE, NONE).next(waiting)).isEqualTo(new Wait(POLL_MS));
    }

    @Test
    void aStreamHeldUntilTheMarksAreStoredWaitsWhileTheSnapshotStillTakesItsTurns() {
        PollScheduler s = unthrottled();
        State heldWithSnapshot = new State(false, true, true, true, true);
        State held = new State(false, false, false, true, true);
        assertThat(s.next(heldWithSnapshot)).isInstanceOf(SnapshotRound.class);
        assertThat(s.next(heldWithSnapshot)).isEqualTo(new Wait(1));
        assertThat(s.next(heldWithSnapshot)).isInstanceOf(SnapshotRound.class);
        assertThat(s.next(held)).isEqualTo(new Wait(POLL_MS));
    }
}
