package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders.Position;
import io.adbsync.common.sql.TableId;
import org.apache.kafka.common.TopicPartition;

/**
 * A copy of a truncate that a task reached on one partition: where it is, the barrier it belongs to, how many
 * partitions the source sent copies to, its place in the source's commit order (null for a snapshot's truncate), the
 * destination table the truncate empties, and the place of the last record the task saw on the partition before the
 * copy (null when it saw none): the cap of what the barrier's position makes stale there (see {@link Barriers}); and
 * whether this sink applies the truncate ({@code truncates}), or only notes that the partition passed the copy.
 */
public record BarrierCopy(TopicPartition partition, long offset, BarrierKey barrier, int partitions, Position position,
                          TableId table, Position seen, boolean truncates) {

    /** A copy of a truncate this sink applies. */
    public BarrierCopy(TopicPartition partition, long offset, BarrierKey barrier, int partitions, Position position,
                       TableId table, Position seen) {
        this(partition, offset, barrier, partitions, position, table, seen, true);
    }
}
