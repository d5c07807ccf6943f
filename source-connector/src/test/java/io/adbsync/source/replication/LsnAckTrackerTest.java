package io.adbsync.source.replication;

import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LsnAckTracker}: the confirmable LSN never passes a record Kafka has not acknowledged. Records carry their
 * transaction's commit LSN (confirming it still replays that transaction, whose handed-out records the resume
 * position skips); a transaction's end LSN is reached at its Commit.
 */
class LsnAckTrackerTest {

    private static final Lsn COMMIT_1 = new Lsn(0x1000), END_1 = new Lsn(0x1030);
    private static final Lsn COMMIT_2 = new Lsn(0x2000), END_2 = new Lsn(0x2030);
    private static final Lsn COMMIT_3 = new Lsn(0x3000), END_3 = new Lsn(0x3030);

    private final LsnAckTracker tracker = new LsnAckTracker();

    private static SourceRecord record(String name) {
        return new SourceRecord(Map.of("server", "p"), Map.of("n", name), "t", null, null);
    }

    @Test
    void nothingIsConfirmableBeforeAnything() {
        assertThat(tracker.confirmableLsn()).isEmpty();
        tracker.track(record("a"), COMMIT_1);
        assertThat(tracker.confirmableLsn()).isEmpty();
    }

    @Test
    void aTransactionIsConfirmedUpToItsEndOnlyOnceAllItsRecordsAreAcknowledged() {
        SourceRecord a = record("a"), b = record("b");
        tracker.track(a, COMMIT_1);
        tracker.track(b, COMMIT_1);
        tracker.reached(END_1);

        tracker.acknowledged(a);
        // Only the transaction's commit LSN: a restart there reads the transaction again and skips what Kafka has.
        assertThat(tracker.confirmableLsn()).contains(COMMIT_1);
        tracker.acknowledged(b);
        assertThat(tracker.confirmableLsn()).contains(END_1);
    }

    @Test
    void outOfOrderAcknowledgementsConfirmOnlyTheAcknowledgedPrefix() {
        SourceRecord r1 = record("1"), r2 = record("2"), r3 = record("3");
        tracker.track(r1, COMMIT_1);
        tracker.reached(END_1);
        tracker.track(r2, COMMIT_2);
        tracker.reached(END_2);
        tracker.track(r3, COMMIT_3);
        tracker.reached(END_3);

        tracker.acknowledged(r3);
        assertThat(tracker.confirmableLsn()).isEmpty();
        tracker.acknowledged(r1);
        assertThat(tracker.confirmableLsn()).contains(END_1);
        tracker.acknowledged(r2);
        assertThat(tracker.confirmableLsn()).contains(END_3);
    }

    @Test
    void aTransactionSpanningBatchesStaysAtItsCommitLsnUntilItsCommitIsReachedAndItsLastRecordAcknowledged() {
        SourceRecord a = record("a"), b = record("b"), c = record("c");
        // First batch: two records of the open transaction, both acknowledged.
        tracker.track(a, COMMIT_1);
        tracker.track(b, COMMIT_1);
        tracker.acknowledged(b);
        tracker.acknowledged(a);
        assertThat(tracker.confirmableLsn()).contains(COMMIT_1);

        // Second batch: the rest of the transaction and its Commit.
        tracker.track(c, COMMIT_1);
        tracker.reached(END_1);
        assertThat(tracker.confirmableLsn()).contains(COMMIT_1);
        tracker.acknowledged(c);
        assertThat(tracker.confirmableLsn()).contains(END_1);
    }

    @Test
    void aHeartbeatRecordIsHeldBackByAnEarlierUnacknowledgedChangeAndHoldsBackLaterPositions() {
        SourceRecord change = record("change"), heartbeat = record("heartbeat");
        tracker.track(change, COMMIT_1);
        tracker.reached(END_1);
        tracker.track(heartbeat, COMMIT_2);
        tracker.reached(END_2);

        tracker.acknowledged(heartbeat);
        assertThat(tracker.confirmableLsn()).isEmpty();
        tracker.acknowledged(change);
        assertThat(tracker.confirmableLsn()).contains(END_2);

        // An idle source: a heartbeat alone moves the slot on once Kafka has it.
        SourceRecord next = record("heartbeat 2");
        tracker.track(next, COMMIT_3);
        tracker.reached(END_3);
        assertThat(tracker.confirmableLsn()).contains(END_2);
        tracker.acknowledged(next);
        assertThat(tracker.confirmableLsn()).contains(END_3);
    }

    @Test
    void anEmptyTransactionIsConfirmableAtOnceUnlessAnEarlierRecordIsInFlight() {
        tracker.reached(END_1);
        assertThat(tracker.confirmableLsn()).contains(END_1);

        SourceRecord r = record("r");
        tracker.track(r, COMMIT_2);
        tracker.reached(END_2);
        tracker.reached(END_3); // a transaction with nothing captured
        assertThat(tracker.confirmableLsn()).contains(END_1);
        tracker.acknowledged(r);
        assertThat(tracker.confirmableLsn()).contains(END_3);
    }

    @Test
    void recordsAreTrackedByIdentitySoEqualRecordsAreAcknowledgedOneByOne() {
        SourceRecord first = record("same"), second = record("same");
        assertThat(first).isEqualTo(second);
        tracker.track(first, COMMIT_1);
        tracker.track(second, COMMIT_2);
        tracker.reached(END_2);

        tracker.acknowledged(second);
        assertThat(tracker.confirmableLsn()).isEmpty();
        tracker.acknowledged(first);
        assertThat(tracker.confirmableLsn()).contains(END_2);
    }

    @Test
    void acknowledgementsOfRecordsNeverTrackedOrAlreadyAcknowledgedChangeNothing() {
        SourceRecord tracked = record("tracked");
        tracker.track(tracked, COMMIT_1);
        tracker.reached(END_1);
        // A snapshot record is not tracked: its acknowledgement must not release the stream's record.
        tracker.acknowledged(record("snapshot row"));
        assertThat(tracker.confirmableLsn()).isEmpty();

        tracker.acknowledged(tracked);
        tracker.acknowledged(tracked);
        assertThat(tracker.confirmableLsn()).contains(END_1);
    }

    @Test
    void theConfirmableLsnNeverGoesBackWhenAnEarlierCommitIsReachedAgain() {
        tracker.reached(END_2);
        // After a reconnect the server may send a transaction again whose end lies before what was confirmed.
        SourceRecord replayed = record("replayed");
        tracker.reached(END_1);
        tracker.track(replayed, COMMIT_1);
        tracker.acknowledged(replayed);
        assertThat(tracker.confirmableLsn()).contains(END_2);
    }

    @Test
    void theConfirmableLsnComparesUnsignedSoItNeverGoesBackAcross2To63() {
        Lsn from2To63 = Lsn.parse("80000000/0");
        Lsn below2To63 = Lsn.parse("7FFFFFFF/FFFFFFFF");
        tracker.reached(from2To63);
        tracker.reached(below2To63);
        assertThat(tracker.confirmableLsn()).contains(from2To63);
    }
}
