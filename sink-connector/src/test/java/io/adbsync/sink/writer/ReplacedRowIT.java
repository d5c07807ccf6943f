package io.adbsync.sink.writer;

import io.adbsync.common.contract.EventContract;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.barrier.SinkTaskDatabaseTest;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.TOPIC;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A record that does not carry every column of its row's table (written before a column was added at the source, or
 * the destination has a column of its own): a row already there keeps what it holds in the others, on every storage,
 * as ON CONFLICT leaves it; append-optimized tables replace the row (DELETE + INSERT) and must keep it too.
 */
class ReplacedRowIT extends SinkTaskDatabaseTest {

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema BEFORE = SchemaBuilder.struct().optional()
            .field("id", SchemaBuilder.int32().parameter(EventContract.SOURCE_TYPE_PARAMETER, "integer").build())
            .field("v", SchemaBuilder.string().optional().parameter(EventContract.SOURCE_TYPE_PARAMETER, "text").build())
            .build();
    /** After {@code ALTER TABLE items ADD COLUMN b text DEFAULT 'seven'} at the source. */
    private static final Schema AFTER = SchemaBuilder.struct().optional()
            .field("id", SchemaBuilder.int32().parameter(EventContract.SOURCE_TYPE_PARAMETER, "integer").build())
            .field("v", SchemaBuilder.string().optional().parameter(EventContract.SOURCE_TYPE_PARAMETER, "text").build())
            .field("b", SchemaBuilder.string().optional().parameter(EventContract.SOURCE_TYPE_PARAMETER, "text")
                    .parameter(EventContract.MISSING_VALUE_PARAMETER, "seven").build())
            .build();

    @Override
    protected String databasePrefix() {
        return "replaced_row";
    }

    private static SinkRecord change(String op, int partition, long offset, Schema row, int id, String v, String b) {
        Schema envelopeSchema = EventContract.envelope(TOPIC, row);
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql")
                .put("name", "p").put("ts_ms", 0L).put("db", "d").put("schema", "public").put("table", "items");
        Struct after = new Struct(row).put("id", id).put("v", v);
        if (row.field("b") != null) {
            after.put("b", b);
        }
        Struct envelope = new Struct(envelopeSchema).put("op", op).put("source", source).put("after", after);
        return new SinkRecord(TOPIC, partition, KEY, new Struct(KEY).put("id", id), envelopeSchema, envelope, offset);
    }

    private static List<String> rows(PostgresServer server, String database) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = server.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v, b, mine FROM public.items ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
            }
        }
        return rows;
    }

    /**
     * Rows 1 and 4 exist before the column; row 4 is then changed with it. Updates from before the column, of row 1
     * (late, from another partition) and of row 4 (older than its change with the column), keep what they hold in it,
     * and in a column of the destination's own.
     */
    private static void updatesFromBeforeAColumnKeepWhatTheRowHolds(PostgresServer server, String database, String storage)
            throws Exception {
        AdbPgSinkTask first = task(server, database, Map.of("storage.engine", storage), null, p0Of());
        try {
            first.put(List.of(change("c", 0, 0, BEFORE, 1, "v1", null), change("c", 0, 1, BEFORE, 4, "v4", null)));
            try (Connection c = server.connect(database); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE public.items ADD COLUMN mine text");
                s.execute("UPDATE public.items SET mine = 'kept'");
            }
            first.put(List.of(change("c", 0, 2, AFTER, 2, "v2", "two"), change("u", 0, 3, AFTER, 4, "v4", "four")));
        } finally {
            first.stop();
        }
        AdbPgSinkTask second = task(server, database, Map.of("storage.engine", storage), null, p1Of());
        try {
            second.put(List.of(change("u", 1, 0, BEFORE, 1, "v1 again", null)));
            second.put(List.of(change("u", 1, 1, BEFORE, 4, "v4 again", null)));
        } finally {
            second.stop();
        }
        assertThat(rows(server, database)).containsExactly("1 v1 again seven kept", "2 v2 two null", "4 v4 again four kept");
    }

    private static org.apache.kafka.common.TopicPartition p0Of() {
        return new org.apache.kafka.common.TopicPartition(TOPIC, 0);
    }

    private static org.apache.kafka.common.TopicPartition p1Of() {
        return new org.apache.kafka.common.TopicPartition(TOPIC, 1);
    }

    @Test
    void onPostgresUpdatesFromBeforeAColumnKeepWhatTheRowHolds() throws Exception {
        updatesFromBeforeAColumnKeepWhatTheRowHolds(pg, db, "heap");
    }

    @ParameterizedTest
    @ValueSource(strings = {"heap", "ao_row", "ao_column"})
    void onGreenplumUpdatesFromBeforeAColumnKeepWhatTheRowHolds(String storage) throws Exception {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String gpDb = gp.createDatabase("replaced_row_" + storage);
        try {
            updatesFromBeforeAColumnKeepWhatTheRowHolds(gp, gpDb, storage);
        } finally {
            gp.dropDatabase(gpDb);
        }
    }

    /**
     * An append-optimized table trusted without a unique key may hold a key twice (loaded by hand, or written with
     * insert.mode=insert before): a row replaced keeps what it held, and its key is once in the table afterwards.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ao_row", "ao_column"})
    void onGreenplumAKeyHeldTwiceIsReplacedByOneRowKeepingWhatItHeld(String storage) throws Exception {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String gpDb = gp.createDatabase("replaced_twice_" + storage);
        try {
            AdbPgSinkTask first = task(gp, gpDb, Map.of("storage.engine", storage), null, p0Of());
            try {
                first.put(List.of(change("c", 0, 0, BEFORE, 1, "v1", null)));
            } finally {
                first.stop();
            }
            try (Connection c = gp.connect(gpDb); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE public.items ADD COLUMN b text, ADD COLUMN mine text");
                s.execute("UPDATE public.items SET mine = 'kept'");
                s.execute("INSERT INTO public.items SELECT * FROM public.items");
            }
            AdbPgSinkTask second = task(gp, gpDb, Map.of("storage.engine", storage), null, p0Of());
            try {
                second.put(List.of(change("u", 0, 1, BEFORE, 1, "v1 again", null)));
            } finally {
                second.stop();
            }
            assertThat(rows(gp, gpDb)).containsExactly("1 v1 again null kept");
        } finally {
            gp.dropDatabase(gpDb);
        }
    }

    /**
     * A row inserted after a column was dropped at the source arrives without it, as rows from before it was added do:
     * it holds NULL there, never the value the column's older rows hold.
     */
    @Test
    void aRowWithoutAColumnThatIsNewHereHoldsNullInIt() throws Exception {
        AdbPgSinkTask task = task(pg, db, Map.of(), null, p0);
        try {
            task.put(List.of(change("c", 0, 0, BEFORE, 1, "v1", null)));
            task.put(List.of(change("c", 0, 1, AFTER, 2, "v2", "two")));
            try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE public.items ADD COLUMN mine text");
            }
            task.put(List.of(change("c", 0, 2, BEFORE, 3, "v3", null)));
        } finally {
            task.stop();
        }
        assertThat(rows(pg, db)).containsExactly("1 v1 seven null", "2 v2 two null", "3 v3 null null");
    }
}
