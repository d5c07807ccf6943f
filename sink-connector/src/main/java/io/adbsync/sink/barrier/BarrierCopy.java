package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders.Position;
import io.adbsync.sink.naming.TableId;
import org.apache.kafka.common.TopicPartition;

/**
 * A copy of a truncate that a task reached on one partition: where it is, the barrier it belongs to, how many
 * partitions the source sent copies to, its place in the source's commit order (null for a snapshot's truncate), and
 * the destination table the truncate empties.
 */
public record BarrierCopy(TopicPartition partition, long offset, BarrierKey barrier, int partitions, Position position,
                          TableId table) {
}
