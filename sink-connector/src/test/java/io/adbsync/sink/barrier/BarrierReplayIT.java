package io.adbsync.sink.barrier;

import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.common.sql.TableId;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import static io.adbsync.sink.barrier.SinkTaskFixture.TOPIC;
import static io.adbsync.sink.barrier.SinkTaskFixture.ids;
import static io.adbsync.sink.barrier.SinkTaskFixture.rec2;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Records of a partition replayed from before its recorded arrival at a truncate barrier (a task that died before
 * Connect committed its offsets, partitions lost, a put retried after its commit succeeded) while another partition
 * completes that barrier: the rows before the truncate must not come back.
 */
class BarrierReplayIT extends SinkTaskDatabaseTest {

    @Override
    protected String databasePrefix() {
        return "barrier_replay";
    }

    @Test
    void aTaskReplayingAfterOneThatDiedAtItsArrivalDoesNotBringBackTruncatedRows() throws Exception {
        // Task A (partition 0) applies rows 0 and 1 and records its arrival at the copy at offset 2, then dies
        // before Connect commits any offset of partition 0 (offset.flush.interval.ms is 60 s by default).
        AdbPgSinkTask a = task(pg, db, p0);
        a.put(List.of(rec2(0, 0, 0, null), rec2(0, 1, 1, null), rec2(0, 2, null, "b1")));
        a.stop();

        // Task A2 gets partition 0 and replays it from its committed offset (0); its first batch ends before the copy.
        AdbPgSinkTask a2 = task(pg, db, p0);
        a2.put(List.of(rec2(0, 0, 0, null)));

        // Meanwhile task B reaches the copy of partition 1: the last arrival, so it truncates.
        AdbPgSinkTask b = task(pg, db, p1);
        b.put(List.of(rec2(1, 0, 10, null), rec2(1, 1, null, "b1")));
        assertThat(ids(pg, db)).as("right after the truncate").isEmpty();

        // A2 goes on with the replay: row 1 (before the truncate at the source), the copy, then a row after it.
        a2.put(List.of(rec2(0, 1, 1, null), rec2(0, 2, null, "b1"), rec2(0, 3, 3, null)));
        a2.stop();
        b.stop();

        assertThat(ids(pg, db)).as("only row 3 was written after the truncate").containsExactly(3);
    }

    @Test
    void aTaskThatLostItsPartitionAfterItsArrivalAndGotItBackDoesNotBringBackTruncatedRows() throws Exception {
        AdbPgSinkTask a = task(pg, db, p0);
        a.put(List.of(rec2(0, 0, 0, null), rec2(0, 1, 1, null), rec2(0, 2, null, "b1")));
        // Partitions lost (no offset commit), then assigned to the same task again: it replays from offset 0.
        a.close(List.of(p0));
        a.open(List.of(p0));
        a.put(List.of(rec2(0, 0, 0, null)));

        AdbPgSinkTask b = task(pg, db, p1);
        b.put(List.of(rec2(1, 0, 10, null), rec2(1, 1, null, "b1")));

        a.put(List.of(rec2(0, 1, 1, null), rec2(0, 2, null, "b1"), rec2(0, 3, 3, null)));
        a.stop();
        b.stop();

        assertThat(ids(pg, db)).containsExactly(3);
    }

    @Test
    void aPutRetriedAfterItsCommitSucceededButFailedOnTheWayBackDoesNotBringBackTruncatedRows() throws Exception {
        AdbPgSinkTask a = task(pg, db, p0);
        a.put(List.of(rec2(0, 0, 0, null)));
        // The next put commits rows 1 and the arrival at the copy, and the connection breaks before the reply: done
        // here by hand, since no server can be made to fail exactly there.
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND pid <> pg_backend_pid()");
        }
        assertThatThrownBy(() -> a.put(List.of(rec2(0, 1, 1, null), rec2(0, 2, null, "b1"))))
                .isInstanceOf(RetriableException.class);
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute(BarrierStore.createTable(new TableId("public", "adbsync_truncate_barriers"), Dialects.detect(c)));
            s.execute("INSERT INTO public.items VALUES (1, 'v1')");
            s.execute("INSERT INTO public.adbsync_truncate_barriers (connector, topic, barrier, kafka_partition, kafka_offset, "
                    + "partitions) VALUES ('barrier-fixture', '" + TOPIC + "', 'b1', 0, 2, 2)");
        }

        AdbPgSinkTask b = task(pg, db, p1);
        b.put(List.of(rec2(1, 0, null, "b1")));
        assertThat(ids(pg, db)).as("right after the truncate").isEmpty();

        // The runtime redelivers the failed batch, and what follows it.
        a.put(List.of(rec2(0, 1, 1, null), rec2(0, 2, null, "b1"), rec2(0, 3, 3, null)));
        a.stop();
        b.stop();
        assertThat(ids(pg, db)).containsExactly(3);
    }

    @Test
    void aZombieTaskRecordingTheArrivalAfterTheNewOwnerLoadedDoesNotLetTruncatedRowsBack() throws Exception {
        AdbPgSinkTask a = task(pg, db, p0);
        a.put(List.of(rec2(0, 0, 0, null)));
        AdbPgSinkTask c = task(pg, db, p1);
        c.put(List.of(rec2(1, 0, 10, null), rec2(1, 1, null, "b1")));      // P1 holds
        AdbPgSinkTask b = task(pg, db, p0);                                   // A kicked out; B owns P0
        b.put(List.of(rec2(0, 0, 0, null)));                                  // B loads: no arrival of P0
        a.put(List.of(rec2(0, 1, 1, null), rec2(0, 2, null, "b1")));          // zombie A commits arrival + truncate
        assertThat(ids(pg, db)).as("right after the truncate").isEmpty();
        b.put(List.of(rec2(0, 1, 1, null), rec2(0, 2, null, "b1"), rec2(0, 3, 3, null)));
        a.stop();
        b.stop();
        c.stop();
        assertThat(ids(pg, db)).as("only row 3 was written after the truncate").containsExactly(3);
    }
}
