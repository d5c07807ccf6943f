package io.adbsync.sink.writer;

import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.barrier.SinkTaskDatabaseTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.delete;
import static io.adbsync.sink.barrier.SinkTaskFixture.ids;
import static io.adbsync.sink.barrier.SinkTaskFixture.rec;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;

/** insert.mode=insert against a real destination: rows appended, and deletes applied in their place among them. */
class InsertModeIT extends SinkTaskDatabaseTest {

    @Override
    protected String databasePrefix() {
        return "insert_mode";
    }

    /**
     * A row inserted and then deleted in one batch: the batch ran its deletes before its appends, so the row deleted at
     * the source stayed at the destination (in two batches it went).
     */
    @Test
    void aRowInsertedThenDeletedInOneBatchIsGone() throws Exception {
        // Deletes need a unique key to match rows by; the table made for insert.mode=insert has none.
        try (var c = pg.connect(db); var s = c.createStatement()) {
            s.execute("CREATE TABLE public.items (id int PRIMARY KEY, v text)");
        }
        AdbPgSinkTask task = task(pg, db, Map.of("insert.mode", "insert"), null, p0);
        try {
            task.put(List.of(rec(0, 0, 1), rec(0, 1, 2), delete(0, 2, 1)));
            task.put(List.of(rec(0, 3, 3), delete(0, 4, 3), rec(0, 5, 3), rec(0, 6, 4), delete(0, 7, 4)));
        } finally {
            task.stop();
        }
        assertThat(ids(pg, db)).containsExactly(2, 3);
    }
}
