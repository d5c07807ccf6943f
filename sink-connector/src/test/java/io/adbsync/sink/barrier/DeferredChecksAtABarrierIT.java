package io.adbsync.sink.barrier;

import io.adbsync.sink.AdbPgSinkTask;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.ids;
import static io.adbsync.sink.barrier.SinkTaskFixture.rec2;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A truncate barrier completed in a batch whose rows left checks of deferred constraints pending (a deferred foreign
 * key queues one for every row, under session.replication.role=origin): PostgreSQL refuses a truncate while they are.
 */
class DeferredChecksAtABarrierIT extends SinkTaskDatabaseTest {

    @Override
    protected String databasePrefix() {
        return "deferred_barrier";
    }

    /** (Red before: the truncate failed with 'pending trigger events', taken for a transient failure, at every try.) */
    @Test
    void aBarrierCompletedAfterRowsWithDeferredChecksTruncates() throws Exception {
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.notes (v text PRIMARY KEY)");
            s.execute("INSERT INTO public.notes VALUES ('v1'), ('v2')");
            s.execute("CREATE TABLE public.items (id int PRIMARY KEY, v text REFERENCES public.notes DEFERRABLE INITIALLY DEFERRED)");
        }
        AdbPgSinkTask task = task(pg, db, Map.of("session.replication.role", "origin"), null, p0, p1);
        try {
            task.put(List.of(rec2(0, 0, 1, null), rec2(1, 0, 2, null), rec2(0, 1, null, "b1"), rec2(1, 1, null, "b1")));
        } finally {
            task.stop();
        }
        assertThat(ids(pg, db)).as("truncated once both partitions arrived").isEmpty();
    }
}
