package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.common.contract.BarrierHeaders.Position;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.header.Headers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one sink task knows about truncate barriers: the partitions it holds at a barrier's copy until every partition
 * has reached one, and the barriers already applied, which make older records stale.
 * <p>
 * A record is stale, and skipped, when it comes before an applied barrier: on its partition at or before the offset of
 * that barrier's copy (Connect redelivers records after a crash before its offset commit), or, for a streamed record,
 * before the barrier applied last in the same source server's commit order (the source re-sends records after a
 * crash before its offset commit, and those land after the copy). Either way applying it would bring back a row the
 * truncate removed, or a value older than the truncate. Records of another server are never stale by position: a
 * new server's LSNs start again from low values.
 * <p>
 * Staleness by position is capped per partition: a record after the copy is stale only if it is also at or before the
 * last record the task that recorded the partition's arrival saw there before the copy (when it saw one). A record the
 * source re-sends after a crash was sent to the same partition before the copy (one key, one partition; the source
 * sends in commit order), so it is never later than the last record before the copy: the cap never lets one through.
 * What the cap stops is a barrier position far ahead of the source (a copy forged by a topic writer, or a source that
 * went back in time without changing its system identifier) making every later record of the topic stale; such a
 * position now makes stale only what was before the copy anyway. The cap is as good as the records it was taken from:
 * a topic writer who forges the rows before the copy too can still forge it (see docs/security.md).
 * <p>
 * A record is also stale when it is on its partition before the copy of a barrier whose arrival is recorded, applied
 * or not. Why that is safe and why it is needed:
 * <ul>
 *   <li>Safe: an arrival is recorded in the same destination transaction as the records of its partition before the
 *   copy (earlier ones were committed before), so every record before it was already processed; skipping it again
 *   loses nothing.</li>
 *   <li>Needed: a task may replay them after its arrival committed (it died before Connect committed the partition's
 *   offset, its partitions were lost, or a put whose commit succeeded failed on the way back and is retried). The
 *   barrier is then complete without this partition, so another task can apply the truncate at any moment, and a
 *   replayed row written after that would come back from before the truncate. No lock can order that replay after
 *   the truncate; not writing it does.</li>
 *   <li>Complete: a partition's arrivals (including those of copies passed unapplied, see {@link BarrierStore}) are
 *   written by the task that owns it, and by a task that lost it without knowing yet (a zombie: its put ran past
 *   {@code max.poll.interval.ms} and the group gave the partition to another task). When a task gets a partition it
 *   reads every arrival recorded for it before its first record ({@link #load}); after that it records the partition's
 *   arrivals itself and notes them ({@link #arrived}). After a failed put what it knows is forgotten and read again,
 *   since the failed commit may have happened. A zombie's arrival can be committed after that read: so, on a topic
 *   where truncates apply, every transaction that writes records of a partition takes a shared advisory lock on the
 *   partition's arrivals and reads them again before its first row, and every transaction that records an arrival
 *   takes the exclusive form of that lock ({@link BarrierStore#lockArrivals}). An arrival above a record of the batch
 *   was committed by another task: the batch is rolled back and applied again, that record now stale. Any other
 *   arrival waits for the batch to commit, and the barrier cannot complete (and truncate) without it: a record before
 *   a copy whose arrival is not recorded is always written before the truncate.</li>
 * </ul>
 */
public final class Barriers {

    /** A partition held at the copy of {@code barrier} at {@code offset}, since {@code sinceMs}. */
    public record Hold(BarrierKey barrier, long offset, long sinceMs) {
    }

    private final Map<TopicPartition, Hold> held = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> appliedOffsets = new HashMap<>();
    /** Per partition, the offset of the latest copy whose arrival is recorded, applied or not. */
    private final Map<TopicPartition, Long> arrivedOffsets = new HashMap<>();
    private final Map<String, Position> appliedPositions = new HashMap<>();
    /** The caps of the barrier whose position is in {@link #appliedPositions}, per partition where known. */
    private final Map<TopicPartition, Position> positionCaps = new HashMap<>();
    private final Set<String> loadedTopics = new HashSet<>();
    /** Per partition, the headers of the last record this task took (not stale, not a copy) since it got it. */
    private final Map<TopicPartition, Headers> lastSeen = new HashMap<>();
    private final Set<BarrierKey> applied = new HashSet<>();

    /** Whether the barriers applied for {@code topic} were read from the destination since the task got its partitions. */
    public boolean loaded(String topic) {
        return loadedTopics.contains(topic);
    }

    /**
     * What the destination says of {@code topic}: per partition the latest applied copy's offset and the latest
     * recorded arrival's offset (applied or not), and the position of the barrier applied last.
     */
    public void load(String topic, Map<Integer, Long> offsets, Map<Integer, Long> arrivals, Position position,
                     Map<Integer, Position> caps) {
        loadedTopics.add(topic);
        offsets.forEach((partition, offset) -> appliedOffsets.merge(new TopicPartition(topic, partition), offset, Math::max));
        arrivals.forEach((partition, offset) -> arrivedOffsets.merge(new TopicPartition(topic, partition), offset, Math::max));
        appliedPosition(topic, position, caps);
    }

    /** Takes {@code position} (with its caps) as the topic's if it comes from a barrier applied after the one it has. */
    private void appliedPosition(String topic, Position position, Map<Integer, Position> caps) {
        if (position == null) {
            return;
        }
        Position current = appliedPositions.get(topic);
        if (current != null && later(current, position) == current) {
            return;
        }
        appliedPositions.put(topic, position);
        positionCaps.keySet().removeIf(tp -> tp.topic().equals(topic));
        caps.forEach((partition, cap) -> positionCaps.put(new TopicPartition(topic, partition), cap));
    }

    /** Of two positions of barriers, the one applied later: the greater of one server, else the one seen last. */
    private static Position later(Position earlier, Position seenLast) {
        return earlier.source().equals(seenLast.source()) && seenLast.before(earlier) ? earlier : seenLast;
    }

    /**
     * Forgets what was read for the topics of {@code partitions}: another task may have applied barriers of them while
     * this one did not own them, so they are read again before their records are applied.
     */
    public void forget(Collection<TopicPartition> partitions) {
        Set<String> topics = new HashSet<>();
        partitions.forEach(tp -> topics.add(tp.topic()));
        loadedTopics.removeAll(topics);
        appliedOffsets.keySet().removeIf(tp -> topics.contains(tp.topic()));
        arrivedOffsets.keySet().removeIf(tp -> topics.contains(tp.topic()));
        appliedPositions.keySet().removeAll(topics);
        positionCaps.keySet().removeIf(tp -> topics.contains(tp.topic()));
        lastSeen.keySet().removeIf(tp -> topics.contains(tp.topic()));
        applied.removeIf(b -> topics.contains(b.topic()));
    }

    /**
     * Whether the record at {@code offset} of {@code tp} (at {@code position} in commit order, if streamed) is older than
     * an applied barrier, or before a copy whose arrival is recorded.
     */
    public boolean stale(TopicPartition tp, long offset, Position position) {
        Long copy = appliedOffsets.get(tp);
        if (copy != null && offset <= copy) {
            return true;
        }
        Long arrival = arrivedOffsets.get(tp);
        if (arrival != null && offset < arrival) {
            return true;
        }
        Position latest = appliedPositions.get(tp.topic());
        if (position == null || latest == null || !position.before(latest)) {
            return false;
        }
        Position cap = positionCaps.get(tp);
        return cap == null || !cap.before(position);
    }

    /** Whether records of {@code topic} can be stale by their position: a barrier with one was applied. */
    public boolean comparesPositions(String topic) {
        return appliedPositions.containsKey(topic);
    }

    public boolean isApplied(BarrierKey barrier) {
        return applied.contains(barrier);
    }

    /** Records a barrier applied at the destination (by this task or another). */
    public void applied(Completion completion) {
        String topic = completion.barrier().topic();
        applied.add(completion.barrier());
        completion.offsets().forEach((partition, offset) -> appliedOffsets.merge(new TopicPartition(topic, partition), offset, Math::max));
        appliedPosition(topic, completion.position(), completion.caps());
    }

    /** Notes the record this task took last on {@code tp} (neither stale nor a copy): its headers, read when a copy comes. */
    public void saw(TopicPartition tp, Headers headers) {
        lastSeen.put(tp, headers);
    }

    /**
     * The place of the last record this task took on {@code tp} since it got it, the cap of a copy reached now; null when
     * it took none, or its position header is missing or unreadable.
     */
    public Position seenBefore(TopicPartition tp) {
        Headers headers = lastSeen.get(tp);
        if (headers == null) {
            return null;
        }
        try {
            return BarrierHeaders.position(headers);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Notes an arrival this task recorded (committed): the records of its partition before the copy are processed. */
    public void arrived(BarrierCopy copy) {
        arrivedOffsets.merge(copy.partition(), copy.offset(), Math::max);
    }

    public void hold(TopicPartition tp, BarrierKey barrier, long offset, long nowMs) {
        held.put(tp, new Hold(barrier, offset, nowMs));
    }

    public boolean isHeld(TopicPartition tp) {
        return held.containsKey(tp);
    }

    /** The hold of {@code tp}, or null. */
    public Hold holdOf(TopicPartition tp) {
        return held.get(tp);
    }

    /** The held partitions by barrier, in the order they were held. */
    public Map<BarrierKey, List<TopicPartition>> heldByBarrier() {
        Map<BarrierKey, List<TopicPartition>> by = new LinkedHashMap<>();
        held.forEach((tp, h) -> by.computeIfAbsent(h.barrier(), b -> new ArrayList<>()).add(tp));
        return by;
    }

    public boolean holding() {
        return !held.isEmpty();
    }

    /**
     * {@code offsets} to commit, none past the copy a partition is held at or is being rewound to ({@code rewinds}):
     * the records after it were delivered but not applied.
     */
    public Map<TopicPartition, OffsetAndMetadata> notPastCopies(Map<TopicPartition, OffsetAndMetadata> offsets,
                                                                Map<TopicPartition, Long> rewinds) {
        Map<TopicPartition, Long> copies = new HashMap<>(rewinds);
        held.forEach((tp, hold) -> copies.merge(tp, hold.offset(), Math::min));
        Map<TopicPartition, OffsetAndMetadata> capped = new HashMap<>(offsets);
        copies.forEach((tp, copy) -> {
            OffsetAndMetadata current = capped.get(tp);
            if (current != null && current.offset() > copy) {
                capped.put(tp, new OffsetAndMetadata(copy, current.metadata()));
            }
        });
        return capped;
    }

    /** Stops holding {@code tp}; returns the hold it had, or null. */
    public Hold release(TopicPartition tp) {
        return held.remove(tp);
    }
}
