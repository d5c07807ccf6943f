package io.adbsync.stack.status;

import io.adbsync.common.contract.SnapshotProgress;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What {@code bin/adbsync status} read at one moment: connectors and tasks, each source's slot and copy, each sink's lag. */
public record StatusSample(Instant at, List<Connector> connectors, String connectProblem) {

    /** A connector as the Connect REST API reports it, with what was read about its source or sink side. */
    public record Connector(String name, String type, String state, String workerId, String trace, List<Task> tasks,
                            Source source, Sink sink) {
    }

    /** One task: its state, the worker running it and, when FAILED, the first line of its trace. */
    public record Task(int id, String state, String workerId, String trace) {
    }

    /**
     * A source connector's side: the records in its topics (sum of end offsets, for the rate), its slot, and its
     * tables' copies. {@code databaseProblem} says why the slot and table list could not be read (null when they were).
     */
    public record Source(String topicPrefix, long producedRecords, List<Slot> slots, String slotName,
                         List<TableCopy> tables, String snapshotMode, String databaseProblem) {
    }

    /**
     * A replication slot of the source: where it is ("" for the server of connection.url, "segment N" for a Greenplum
     * segment's), whether a walsender holds it, the WAL the server keeps for it (from restart_lsn), the WAL not yet
     * confirmed as sent to Kafka (from confirmed_flush_lsn), and the walsender's write lag (null when caught up or not
     * streaming); {@code problem} says why a segment's slot could not be read (null when it was).
     */
    public record Slot(String site, boolean active, long retainedWalBytes, long unconfirmedWalBytes, Long writeLagMs,
                       String problem) {
    }

    /** A captured table: its estimated row count (-1 unknown) and its copy's progress (empty before the copy began). */
    public record TableCopy(String table, long estimatedRows, Optional<SnapshotProgress> progress, int parts, int partsDone) {
    }

    /**
     * A sink connector's side: lag per topic partition, the sum of committed offsets (for the rate), and its
     * dead-letter topic with the records in it (-1 when the topic does not exist yet).
     */
    public record Sink(List<PartitionLag> partitions, long committedRecords, String deadLetterTopic, long deadLetterRecords,
                       String kafkaProblem) {
    }

    /** One partition a sink reads: its end offset and the sink's committed offset (-1: nothing committed yet). */
    public record PartitionLag(String topic, int partition, long endOffset, long committedOffset) {
        public long lag() {
            return committedOffset < 0 ? endOffset : Math.max(0, endOffset - committedOffset);
        }
    }
}
