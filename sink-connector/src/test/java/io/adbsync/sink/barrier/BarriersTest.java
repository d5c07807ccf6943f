package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders.Position;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a task holds, and which records an applied barrier makes stale. */
class BarriersTest {

    private static final TopicPartition P0 = new TopicPartition("p.public.t", 0);
    private static final TopicPartition P1 = new TopicPartition("p.public.t", 1);
    private static final TopicPartition OTHER = new TopicPartition("p.public.u", 0);
    private static final BarrierKey B = new BarrierKey("p.public.t", "stream:0/10:3");

    @Test
    void recordsUpToTheCopyOnEachPartitionAndStreamedRecordsBeforeTheTruncateAreStale() {
        Barriers barriers = new Barriers();
        barriers.load("p.public.t", Map.of(), Map.of(), null, Map.of());
        assertThat(barriers.comparesPositions("p.public.t")).isFalse();
        assertThat(barriers.stale(P0, 0, new Position("7", 0x10, 0))).isFalse();

        barriers.applied(new Completion(B, Map.of(0, 40L, 1, 7L), new Position("7", 0x10, 3 * 65_536L)));
        assertThat(barriers.isApplied(B)).isTrue();
        assertThat(barriers.comparesPositions("p.public.t")).isTrue();
        // Redelivered by Connect after a crash before its offset commit: at or before the copy of its partition.
        assertThat(barriers.stale(P0, 39, null)).isTrue();
        assertThat(barriers.stale(P0, 40, null)).as("the copy itself").isTrue();
        assertThat(barriers.stale(P0, 41, null)).isFalse();
        assertThat(barriers.stale(P1, 7, null)).isTrue();
        assertThat(barriers.stale(P1, 8, null)).isFalse();
        // Sent again by the source after a crash before its offset commit: after the copy, but older than the truncate.
        assertThat(barriers.stale(P0, 90, new Position("7", 0x10, 2 * 65_536L))).isTrue();
        assertThat(barriers.stale(P0, 90, new Position("7", 0x0F, 5))).isTrue();
        assertThat(barriers.stale(P0, 90, new Position("7", 0x10, 3 * 65_536L))).as("the truncate's own copies").isFalse();
        assertThat(barriers.stale(P0, 90, new Position("7", 0x10, 4 * 65_536L))).isFalse();
        assertThat(barriers.stale(P0, 90, new Position("7", 0x11, 0))).isFalse();
        // Snapshot rows have no position: read from the table as it is, they are never older than an applied truncate.
        assertThat(barriers.stale(P0, 90, null)).isFalse();
        assertThat(barriers.stale(OTHER, 0, new Position("7", 0x01, 0))).as("another topic").isFalse();
        // Another source server (the source moved to a new one): its LSNs start again low, yet nothing is older.
        assertThat(barriers.stale(P0, 90, new Position("8", 0x01, 0))).isFalse();
        barriers.applied(new Completion(new BarrierKey("p.public.t", "stream:0/2:0"), Map.of(0, 95L), new Position("8", 0x02, 0)));
        assertThat(barriers.stale(P0, 96, new Position("8", 0x01, 0))).isTrue();
        assertThat(barriers.stale(P0, 96, new Position("7", 0x01, 0))).as("the earlier server's, now").isFalse();
    }

    @Test
    void theLatestAppliedBarrierDecidesAndAReassignmentForgetsWhatWasRead() {
        Barriers barriers = new Barriers();
        barriers.load("p.public.t", Map.of(0, 100L), Map.of(0, 100L), new Position("7", 0x20, 0), Map.of());
        barriers.applied(new Completion(B, Map.of(0, 40L), new Position("7", 0x10, 0)));
        assertThat(barriers.stale(P0, 99, null)).isTrue();
        assertThat(barriers.stale(P0, 200, new Position("7", 0x1F, 0))).isTrue();
        assertThat(barriers.loaded("p.public.t")).isTrue();

        barriers.forget(List.of(P1));
        assertThat(barriers.loaded("p.public.t")).isFalse();
        assertThat(barriers.isApplied(B)).isFalse();
        assertThat(barriers.stale(P0, 99, new Position("7", 0x1F, 0))).isFalse();
    }

    @Test
    void recordsBeforeACopyWhoseArrivalIsRecordedAreStaleWhetherOrNotItsBarrierWasApplied() {
        Barriers barriers = new Barriers();
        // Read at load: partition 0 arrived at a copy at offset 40, not applied yet.
        barriers.load("p.public.t", Map.of(), Map.of(0, 40L), null, Map.of());
        assertThat(barriers.stale(P0, 39, null)).as("processed in the arrival's transaction or before").isTrue();
        assertThat(barriers.stale(P0, 40, null)).as("the copy itself, to be held at or skipped").isFalse();
        assertThat(barriers.stale(P1, 0, null)).as("no arrival of its own").isFalse();
        // Recorded by this task.
        barriers.arrived(new BarrierCopy(P1, 7, B, 2, null, null, null));
        assertThat(barriers.stale(P1, 6, null)).isTrue();
        assertThat(barriers.stale(P1, 7, null)).isFalse();
        barriers.forget(List.of(P0));
        assertThat(barriers.stale(P0, 39, null)).as("read again after a reassignment or a failed put").isFalse();
        assertThat(barriers.stale(P1, 6, null)).isFalse();
    }

    @Test
    void aBarrierPositionMakesStaleOnlyWhatIsNotLaterThanTheLastRecordSeenBeforeItsCopy() {
        Barriers barriers = new Barriers();
        barriers.load("p.public.t", Map.of(), Map.of(), null, Map.of());
        // A position far ahead of the source (forged): partition 0's last record before the copy was at 0/10.
        Position far = new Position("7", 0xFFFFFFFFFFL, 0);
        barriers.applied(new Completion(B, Map.of(0, 40L, 1, 7L), far, Map.of(0, new Position("7", 0x10, 5))));
        assertThat(barriers.stale(P0, 41, new Position("7", 0x10, 5))).as("a re-send of the last record before the copy").isTrue();
        assertThat(barriers.stale(P0, 41, new Position("7", 0x0F, 0))).isTrue();
        assertThat(barriers.stale(P0, 41, new Position("7", 0x10, 6))).as("later than anything before the copy").isFalse();
        assertThat(barriers.stale(P0, 41, new Position("7", 0x30, 0))).isFalse();
        // Partition 1's task saw nothing before its copy (it started there): the barrier's position alone decides.
        assertThat(barriers.stale(P1, 8, new Position("7", 0x30, 0))).isTrue();
        // A barrier applied later replaces the caps with its own.
        barriers.applied(new Completion(new BarrierKey("p.public.t", "stream:1/0:0"), Map.of(0, 50L), new Position("8", 0x40, 0)));
        assertThat(barriers.stale(P0, 51, new Position("8", 0x30, 0))).isTrue();
    }

    @Test
    void theLastRecordTakenOnAPartitionIsReadWhenACopyComesAndForgottenWithThePartition() {
        Barriers barriers = new Barriers();
        assertThat(barriers.seenBefore(P0)).isNull();
        org.apache.kafka.connect.header.ConnectHeaders headers = new org.apache.kafka.connect.header.ConnectHeaders();
        headers.addString("adbsync.position", "0/10@5@7");
        barriers.saw(P0, headers);
        assertThat(barriers.seenBefore(P0)).isEqualTo(new Position("7", 0x10, 5));
        org.apache.kafka.connect.header.ConnectHeaders unreadable = new org.apache.kafka.connect.header.ConnectHeaders();
        unreadable.addString("adbsync.position", "later");
        barriers.saw(P1, unreadable);
        assertThat(barriers.seenBefore(P1)).as("no cap rather than a wrong one").isNull();
        barriers.forget(List.of(P0));
        assertThat(barriers.seenBefore(P0)).isNull();
    }

    @Test
    void holdsAreKeptByBarrierUntilReleased() {
        Barriers barriers = new Barriers();
        assertThat(barriers.holding()).isFalse();
        barriers.hold(P1, B, 7, 1000);
        barriers.hold(P0, B, 40, 1001);
        barriers.hold(OTHER, new BarrierKey("p.public.u", "snapshot:5:1"), 3, 1002);
        assertThat(barriers.heldByBarrier()).containsExactly(Map.entry(B, List.of(P1, P0)),
                Map.entry(new BarrierKey("p.public.u", "snapshot:5:1"), List.of(OTHER)));
        assertThat(barriers.isHeld(P0)).isTrue();
        assertThat(barriers.release(P0)).isEqualTo(new Barriers.Hold(B, 40, 1001));
        assertThat(barriers.isHeld(P0)).isFalse();
        assertThat(barriers.release(P0)).isNull();
        // Forgetting what was read never drops a hold: the partition stays at its copy.
        barriers.forget(List.of(P1));
        assertThat(barriers.holdOf(P1)).isEqualTo(new Barriers.Hold(B, 7, 1000));
    }

    @Test
    void offsetsAreNeverCommittedPastTheCopyOfAHeldOrRewoundPartition() {
        Barriers barriers = new Barriers();
        barriers.hold(P0, B, 40, 1000);
        Map<TopicPartition, OffsetAndMetadata> current = Map.of(P0, new OffsetAndMetadata(55, "m"), P1, new OffsetAndMetadata(9),
                OTHER, new OffsetAndMetadata(3));
        // P0 held at 40 (records up to 54 were delivered, not applied); P1 being rewound to its copy at 7.
        assertThat(barriers.notPastCopies(current, Map.of(P1, 7L))).containsOnly(Map.entry(P0, new OffsetAndMetadata(40, "m")),
                Map.entry(P1, new OffsetAndMetadata(7)), Map.entry(OTHER, new OffsetAndMetadata(3)));
        // Already at or before the copy: left as it is.
        assertThat(barriers.notPastCopies(Map.of(P0, new OffsetAndMetadata(38)), Map.of())).containsOnly(
                Map.entry(P0, new OffsetAndMetadata(38)));
    }
}
