package io.adbsync.sink.ddl;

import io.adbsync.common.contract.EventContract;
import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.barrier.SinkTaskDatabaseTest;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.TOPIC;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A column added at the source with a fast default (schema.sync=tables): the source's rows older than it hold the
 * default's value. A record from before it that reaches the sink after the column was added here (later in its
 * partition, or on another sink task) makes a row that holds that value too, not NULL.
 */
class LateRecordFillIT extends SinkTaskDatabaseTest {

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema BEFORE = SchemaBuilder.struct().optional()
            .field("id", SchemaBuilder.int32().parameter(EventContract.SOURCE_TYPE_PARAMETER, "integer").build())
            .field("v", SchemaBuilder.string().optional().parameter(EventContract.SOURCE_TYPE_PARAMETER, "text").build())
            .build();
    private static final Schema AFTER = SchemaBuilder.struct().optional()
            .field("id", SchemaBuilder.int32().parameter(EventContract.SOURCE_TYPE_PARAMETER, "integer").build())
            .field("v", SchemaBuilder.string().optional().parameter(EventContract.SOURCE_TYPE_PARAMETER, "text").build())
            .field("b", SchemaBuilder.string().optional().parameter(EventContract.SOURCE_TYPE_PARAMETER, "text")
                    .parameter(EventContract.MISSING_VALUE_PARAMETER, "seven").build())
            .build();

    @Override
    protected String databasePrefix() {
        return "late_record_fill";
    }

    private static SinkRecord insert(int partition, long offset, Schema row, int id, String b) {
        return change("c", partition, offset, row, id, "v" + id, b);
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

    private List<String> rows() throws Exception {
        return rows(pg, db);
    }

    private static List<String> rows(PostgresServer pg, String db) throws Exception {
        List<String> rows = new ArrayList<>();
        try (var c = pg.connect(db); var s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v, b FROM public.items ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        }
        return rows;
    }

    @Test
    void aRowFromBeforeTheColumnWrittenAfterItWasAddedHoldsTheSourcesStoredValue() throws Exception {
        AdbPgSinkTask first = task(pg, db, Map.of(), null, p0);
        try {
            first.put(List.of(insert(0, 0, BEFORE, 1, null)));
            first.put(List.of(insert(0, 1, AFTER, 2, "two")));
        } finally {
            first.stop();
        }
        // Another task (or this one restarted): what it knows of the column is what the destination says.
        AdbPgSinkTask second = task(pg, db, Map.of(), null, p1);
        try {
            second.put(List.of(insert(1, 0, BEFORE, 3, null)));
        } finally {
            second.stop();
        }
        assertThat(rows()).containsExactly("1 v1 seven", "2 v2 two", "3 v3 seven");
    }

    /**
     * Append-optimized destinations, merged without ON CONFLICT: an update from before the column keeps the value
     * the row holds in it, as ON CONFLICT does on heap tables. A row new here takes the stored value where the
     * destination kept one: {@code ao_row} rewrites its rows at ADD COLUMN and stores none (docs: limits).
     */
    @ParameterizedTest
    @ValueSource(strings = {"heap", "ao_row", "ao_column"})
    void onGreenplumAnUpdateFromBeforeTheColumnKeepsTheRowsValue(String storage) throws Exception {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String gpDb = gp.createDatabase("late_record_fill_" + storage);
        try {
            AdbPgSinkTask first = task(gp, gpDb, Map.of("storage.engine", storage), null, p0);
            try {
                first.put(List.of(insert(0, 0, BEFORE, 1, null), insert(0, 1, BEFORE, 4, null)));
                first.put(List.of(insert(0, 2, AFTER, 2, "two"), change("u", 0, 3, AFTER, 4, "v4", "four")));
            } finally {
                first.stop();
            }
            AdbPgSinkTask second = task(gp, gpDb, Map.of("storage.engine", storage), null, p1);
            try {
                second.put(List.of(change("u", 1, 0, BEFORE, 1, "v1 again", null), insert(1, 1, BEFORE, 3, null)));
                second.put(List.of(change("u", 1, 2, BEFORE, 4, "v4 again", null)));
            } finally {
                second.stop();
            }
            List<String> rows = rows(gp, gpDb);
            assertThat(rows).contains("1 v1 again seven", "2 v2 two", "4 v4 again four");
            if (!storage.equals("ao_row")) {
                assertThat(rows).contains("3 v3 seven");
            }
        } finally {
            gp.dropDatabase(gpDb);
        }
    }
}
