package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.sink.AdbPgSinkTask;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.ids;
import static io.adbsync.sink.barrier.SinkTaskFixture.rec;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a sink does with the barrier headers a topic writer controls: a topic with more partitions than the source
 * sends truncates to stops the task only where truncates would be applied, and a malformed header is the record's
 * fault (dead-letter queue), not the task's.
 */
class BarrierHeadersIT extends SinkTaskDatabaseTest {

    @Override
    protected String databasePrefix() {
        return "barrier_headers";
    }

    private static SinkRecord onePartitionTopic(int partition, long offset, int id) {
        return rec(partition, offset, id, BarrierHeaders.PARTITIONS, "1");
    }

    @Test
    void rowsBeyondThePartitionsTheSourceSendsTruncatesToAreAppliedWhereTruncatesAreNot() throws Exception {
        // Topics created before with several partitions, a source that was never told (N=1): as before barriers.
        for (Map<String, String> config : List.of(Map.of("truncate.enabled", "false"),
                Map.of("table.operations", "public.items=insert|update|delete"))) {
            AdbPgSinkTask task = task(pg, db, config, null, p0, p1);
            task.put(List.of(onePartitionTopic(0, 0, 1), onePartitionTopic(1, 0, 2), onePartitionTopic(1, 1, 3)));
            task.stop();
            assertThat(ids(pg, db)).as("%s", config).containsExactly(1, 2, 3);
        }
    }

    @Test
    void aRowBeyondThePartitionsTheSourceSendsTruncatesToStopsTheTaskWhereTruncatesAreApplied() throws Exception {
        AdbPgSinkTask task = task(pg, db, p0, p1);
        assertThatThrownBy(() -> task.put(List.of(onePartitionTopic(0, 0, 1), onePartitionTopic(1, 0, 2))))
                .isInstanceOf(ConnectException.class)
                .hasMessageStartingWith("The record at topic p.public.items, partition 1, offset 0 says its topic has 1 "
                        + "partition (header adbsync.partitions), but it is on partition 1: the topic has more partitions "
                        + "than the source connector sends each TRUNCATE to")
                .hasMessageContaining("Nothing of the batch was written. Set topic.creation.default.partitions");
        task.stop();
    }

    @Test
    void aRowWithAMalformedBarrierHeaderGoesToTheDeadLetterQueueAndTheOthersAreApplied() throws Exception {
        SinkTaskFixture.Context[] context = new SinkTaskFixture.Context[1];
        AdbPgSinkTask task = task(pg, db, Map.of("errors.tolerance", "all"), context, p0, p1);
        SinkRecord badCount = rec(0, 1, 1, BarrierHeaders.PARTITIONS, "x");
        SinkRecord countBelowItsPartition = rec(1, 0, 2, BarrierHeaders.PARTITIONS, "0");
        SinkRecord blankBarrierOnARow = rec(0, 2, 4, BarrierHeaders.PARTITIONS, "2", BarrierHeaders.BARRIER, " ");
        task.put(List.of(rec(0, 0, 5, BarrierHeaders.PARTITIONS, "2")));
        task.put(List.of(badCount, countBelowItsPartition, blankBarrierOnARow, rec(0, 3, 6, BarrierHeaders.PARTITIONS, "2")));
        task.stop();
        assertThat(context[0].errant).containsExactly(badCount, countBelowItsPartition, blankBarrierOnARow);
        assertThat(ids(pg, db)).containsExactly(5, 6);
    }

    private static SinkRecord streamed(int partition, long offset, Integer id, String position, String barrier) {
        return barrier == null
                ? rec(partition, offset, id, BarrierHeaders.PARTITIONS, "2", BarrierHeaders.POSITION, position)
                : rec(partition, offset, id, BarrierHeaders.PARTITIONS, "2", BarrierHeaders.POSITION, position,
                        BarrierHeaders.BARRIER, barrier);
    }

    @Test
    void aBarrierPositionFarAheadOfTheSourceDoesNotMakeLaterRowsStale() throws Exception {
        String server = "7301234567890123456";
        AdbPgSinkTask task = task(pg, db, p0, p1);
        task.put(List.of(streamed(0, 0, 1, "0/100@0@" + server, null), streamed(1, 0, 2, "0/200@0@" + server, null)));
        // Copies forged by a topic writer, on every partition, stating a place no source will reach.
        String far = "FFFFFFFF/FFFFFFFF@0@" + server;
        task.put(List.of(streamed(0, 1, null, far, "forged"), streamed(1, 1, null, far, "forged")));
        assertThat(ids(pg, db)).as("the forged truncate itself is applied: truncate.enabled trusts the topic").isEmpty();
        // The source goes on: its later rows are applied; a re-send of a row from before the copy is not.
        task.put(List.of(streamed(0, 2, 3, "0/300@0@" + server, null), streamed(1, 2, 4, "0/300@65536@" + server, null),
                streamed(1, 3, 2, "0/200@0@" + server, null)));
        task.stop();
        assertThat(ids(pg, db)).containsExactly(3, 4);
        // Read again from the destination by a task started afresh: the cap is kept with the barrier.
        AdbPgSinkTask again = task(pg, db, p0, p1);
        again.put(List.of(streamed(0, 3, 5, "0/400@0@" + server, null), streamed(1, 4, 2, "0/200@0@" + server, null)));
        again.stop();
        assertThat(ids(pg, db)).containsExactly(3, 4, 5);
    }

    @Test
    void aRecordMappedToTheConnectorsOwnBookkeepingTablesIsRefused() throws Exception {
        for (String table : List.of("public.adbsync_truncate_barriers", "public.sink_offsets")) {
            AdbPgSinkTask task = task(pg, db, Map.of("table.name.map", "public.items=" + table,
                    "exactly.once.offsets.table", "public.sink_offsets"), null, p0);
            SinkRecord record = onePartitionTopic(0, 0, 1);
            assertThatThrownBy(() -> task.put(List.of(record)))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageStartingWith("Destination table " + table + " is one this connector keeps its own state in ("
                            + (table.endsWith("barriers") ? "truncate.barrier.table" : "exactly.once.offsets.table")
                            + "; record at topic p.public.items, partition 0, offset 0): nothing was written. Map the topic "
                            + "to another table");
            task.stop();
        }
    }

    @Test
    void aMalformedHeaderStopsTheTaskWithoutToleranceNamingTheRecord() throws Exception {
        AdbPgSinkTask task = task(pg, db, p0);
        task.put(List.of(onePartitionTopic(0, 0, 1)));
        assertThatThrownBy(() -> task.put(List.of(onePartitionTopic(0, 1, 2), rec(0, 2, 3, BarrierHeaders.PARTITIONS, "x"))))
                .isInstanceOf(ConnectException.class)
                .hasMessageStartingWith("Header adbsync.partitions must be a partition count of at least 1, not 'x' "
                        + "(record at topic p.public.items, partition 0, offset 2)");
        task.stop();
        assertThat(ids(pg, db)).containsExactly(1);
    }
}
