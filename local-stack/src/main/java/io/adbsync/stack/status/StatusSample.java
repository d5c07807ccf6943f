package io.adbsync.stack.status;

import io.adbsync.common.contract.SnapshotProgress;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code bin/adbsync status} read at one moment: connectors and tasks, each source's slot and copy, each sink's lag. */
public record StatusSample(Instant at, List<Connector> connectors, String connectProblem) {

    /** A connector as the Connect REST API reports it, with what was read about its source or sink side. */
    public record Connector(String name, String type, String state, String workerId, String trace, List<Task> tasks,
                            Source source, Sink sink) {
    }

    /** One task: its state, the worker running it and, when FAILED, its reason (see {@link StatusReader#reason}). */
    public record Task(int id, String state, String workerId, String trace) {
    }

    /**
     * A source connector's side. {@code endOffsets} are its topics' partitions' end offsets ({@code topic/partition}),
     * for the records produced per second, null when Kafka was not read; {@code millisBehindSource} the largest of its
     * tasks' lag from commit to record (null without the worker's metrics); {@code databaseProblem} says why the slots
     * and tables could not be read (null when they were).
     */
    public record Source(String topicPrefix, Map<String, Long> endOffsets, Long millisBehindSource, List<Slot> slots, String slotName,
                         List<TableCopy> tables, String snapshotMode, String databaseProblem) {
    }

    /**
     * A replication slot of the source: where it is ("" for the server of connection.url, "segment N" for a Greenplum
     * segment's), whether a walsender holds it, its {@code wal_status} (null before PostgreSQL 13), the WAL the server
     * keeps for it (from restart_lsn; null when the slot lost it), the WAL not yet confirmed as in Kafka (from
     * confirmed_flush_lsn), and the walsender's write and flush lags (ms; null when caught up or not streaming: write
     * is WAL received by the task, flush WAL whose records Kafka acknowledged and Connect committed).
     * {@code problem} says why a segment's slot could not be read (null when it was).
     */
    public record Slot(String site, boolean active, String walStatus, Long retainedWalBytes, Long unconfirmedWalBytes,
                       Long writeLagMs, Long flushLagMs, String problem) {
    }

    /**
     * A captured table (a partitioned one with its leaves counted as parts, a per-segment source's copies too): its
     * estimated rows (-1 unknown), how many parts its copy has and how many are done, the share copied (empty when
     * not known, as for key ranges under way), and whether its stored copy will be made again (dropped and created
     * again, or left out of capture for a while).
     */
    public record TableCopy(String table, long estimatedRows, int parts, int partsStarted, int partsDone,
                            Optional<Double> fraction, Optional<SnapshotProgress> single, boolean copyAgain) {
    }

    /**
     * A sink connector's side: lag per topic partition, committed offsets per partition (for the rate; null when the
     * REST API did not answer), and its dead-letter topic with the records in it (null when unknown; -1 when the topic
     * does not exist yet).
     */
    public record Sink(List<PartitionLag> partitions, Map<String, Long> committedOffsets, String deadLetterTopic,
                       Long deadLetterRecords, String kafkaProblem) {
    }

    /**
     * One partition a sink reads: its start and end offsets (null when Kafka was not read) and the sink's committed
     * offset (-1: nothing committed yet).
     */
    public record PartitionLag(String topic, int partition, Long startOffset, Long endOffset, long committedOffset) {

        /** Records not applied yet; null when not known. A committed offset past the end (topic re-created) counts 0. */
        public Long lag() {
            if (endOffset == null) {
                return null;
            }
            long from = committedOffset < 0 ? (startOffset == null ? 0 : startOffset) : committedOffset;
            return Math.max(0, endOffset - from);
        }

        /** Whether the committed offset lies past the end: the topic was deleted and created again. */
        public boolean pastEnd() {
            return endOffset != null && committedOffset > endOffset;
        }
    }
}
