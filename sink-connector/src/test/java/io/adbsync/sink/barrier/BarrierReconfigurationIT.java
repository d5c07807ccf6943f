package io.adbsync.sink.barrier;

import io.adbsync.sink.AdbPgSinkTask;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.ids;
import static io.adbsync.sink.barrier.SinkTaskFixture.rec2;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sink reconfigured while a truncate is on its way (truncates turned on after some partitions passed their copy
 * unapplied): the barrier still completes, without truncating, instead of holding the other partitions forever.
 */
class BarrierReconfigurationIT extends SinkTaskDatabaseTest {

    @Override
    protected String databasePrefix() {
        return "barrier_reconfig";
    }

    @Test
    void aTruncatePassedUnappliedOnSomePartitionsCompletesWithoutTruncatingOnceTruncatesAreTurnedOn() throws Exception {
        // An earlier truncate, applied while truncates were on: the barrier table exists.
        AdbPgSinkTask first = task(pg, db, p0, p1);
        first.put(List.of(rec2(0, 0, 1, null), rec2(0, 1, null, "b0"), rec2(1, 0, null, "b0")));
        first.stop();

        // Truncates turned off: partition 0 passes the copy of the next truncate and goes on.
        SinkTaskFixture.Context[] off = new SinkTaskFixture.Context[1];
        AdbPgSinkTask a = task(pg, db, Map.of("truncate.enabled", "false"), off, p0);
        a.put(List.of(rec2(0, 2, 2, null), rec2(0, 3, null, "b1"), rec2(0, 4, 3, null)));
        a.stop();
        assertThat(off[0].paused).isEmpty();

        // Turned on again before partition 1 reached its copy: it must not wait for partition 0, which passed it.
        SinkTaskFixture.Context[] on = new SinkTaskFixture.Context[1];
        AdbPgSinkTask b = task(pg, db, Map.of(), on, p1);
        b.put(List.of(rec2(1, 1, 10, null), rec2(1, 2, null, "b1"), rec2(1, 3, 11, null)));
        assertThat(on[0].paused).as("partition 1 is not held").isEmpty();
        assertThat(on[0].offsets).as("rewound to its copy, skipped next").containsEntry(p1, 2L);
        b.put(List.of(rec2(1, 2, null, "b1"), rec2(1, 3, 11, null)));
        b.stop();

        // Partition 0 already wrote rows after its copy: the truncate is not applied, like the sink said when it passed.
        assertThat(ids(pg, db)).containsExactly(2, 3, 10, 11);
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM public.adbsync_truncate_barriers WHERE barrier = 'b1' AND applied")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }

    @Test
    void aCopyRefusedByTheAllowListIsPassedSoTheOtherPartitionsDoNotWaitForIt() throws Exception {
        AdbPgSinkTask first = task(pg, db, p0, p1);
        first.put(List.of(rec2(0, 0, 1, null), rec2(0, 1, null, "b0"), rec2(1, 0, null, "b0")));
        first.stop();

        // The table taken out of table.allow.list while a truncate is on its way; refused records go to the DLQ.
        SinkTaskFixture.Context[] refusing = new SinkTaskFixture.Context[1];
        AdbPgSinkTask a = task(pg, db, Map.of("table.allow.list", "public\\.other", "errors.tolerance", "all"), refusing, p0);
        a.put(List.of(rec2(0, 2, null, "b1"), rec2(0, 3, 2, null)));
        a.stop();
        assertThat(refusing[0].errant).hasSize(2);

        // Allowed again: partition 1 does not wait for partition 0, which went on past its copy.
        SinkTaskFixture.Context[] on = new SinkTaskFixture.Context[1];
        AdbPgSinkTask b = task(pg, db, Map.of(), on, p1);
        b.put(List.of(rec2(1, 1, 10, null), rec2(1, 2, null, "b1"), rec2(1, 3, 11, null)));
        assertThat(on[0].paused).as("partition 1 is not held").isEmpty();
        b.put(List.of(rec2(1, 2, null, "b1"), rec2(1, 3, 11, null)));
        b.stop();
        assertThat(ids(pg, db)).containsExactly(10, 11);
    }

    @Test
    void aSinkThatNeverAppliedATruncateCreatesNoBarrierTableForCopiesItPasses() throws Exception {
        AdbPgSinkTask task = task(pg, db, Map.of("truncate.enabled", "false"), null, p0, p1);
        task.put(List.of(rec2(0, 0, 1, null), rec2(0, 1, null, "b1"), rec2(1, 0, null, "b1"), rec2(1, 1, 2, null)));
        task.stop();
        assertThat(ids(pg, db)).containsExactly(1, 2);
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_regclass('public.adbsync_truncate_barriers') IS NULL")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }
}
