package io.adbsync.sink.ddl;

import io.adbsync.common.contract.EventContract;
import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.barrier.SinkTaskDatabaseTest;
import io.adbsync.sink.barrier.SinkTaskFixture;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.TOPIC;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Destination columns that keep fewer decimal places or fractional-second digits than the source's (a type changed at
 * the source under schema.sync=tables, a table made by hand): a value they would round is refused, never rounded.
 */
class NarrowerColumnIT extends SinkTaskDatabaseTest {

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA)
            .field("amount", SchemaBuilder.string().optional()
                    .parameter(EventContract.SOURCE_TYPE_PARAMETER, "numeric(12,4)").build())
            .field("at", SchemaBuilder.int64().name(EventContract.MICRO_TIMESTAMP).optional()
                    .parameter(EventContract.SOURCE_TYPE_PARAMETER, "timestamp without time zone").build())
            .build();
    private static final Schema ENVELOPE = EventContract.envelope(TOPIC, ROW);

    @Override
    protected String databasePrefix() {
        return "narrower_column";
    }

    private void createNarrowerTable() throws Exception {
        try (var c = pg.connect(db); var s = c.createStatement()) {
            s.execute("CREATE TABLE public.items (id int PRIMARY KEY, amount numeric(10,2), at timestamp(0))");
        }
    }

    private static SinkRecord row(long offset, int id, String amount, long atMicros) {
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql")
                .put("name", "p").put("ts_ms", 0L).put("db", "d").put("schema", "public").put("table", "items");
        Struct envelope = new Struct(ENVELOPE).put("op", "c").put("source", source)
                .put("after", new Struct(ROW).put("id", id).put("amount", amount).put("at", atMicros));
        return new SinkRecord(TOPIC, 0, KEY, new Struct(KEY).put("id", id), ENVELOPE, envelope, offset);
    }

    private List<String> rows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (var c = pg.connect(db); var s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, amount, at FROM public.items ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        }
        return rows;
    }

    @Test
    void aValueTheColumnWouldRoundFailsTheTaskNamingTheTableAndColumn() throws Exception {
        createNarrowerTable();
        AdbPgSinkTask task = task(pg, db, Map.of(), null, p0);
        try {
            assertThatThrownBy(() -> task.put(List.of(row(0, 1, "12.3456", 0L))))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("public.items")
                    .hasMessageContaining("amount")
                    .hasMessageContaining("numeric(10,2)")
                    .hasMessageContaining("numeric(12,4)");
        } finally {
            task.stop();
        }
        assertThat(rows()).isEmpty();
    }

    @Test
    void valuesThatFitAreWrittenAndThoseTheColumnWouldRoundGoToTheDeadLetterQueue() throws Exception {
        createNarrowerTable();
        SinkTaskFixture.Context[] context = new SinkTaskFixture.Context[1];
        AdbPgSinkTask task = task(pg, db, Map.of("errors.tolerance", "all"), context, p0);
        SinkRecord fits = row(0, 1, "12.3400", 1_000_000L);
        SinkRecord roundedAmount = row(1, 2, "12.345", 0L);
        SinkRecord roundedTime = row(2, 3, "1", 1_500_000L);
        SinkRecord fitsToo = row(3, 4, "-0.5", -2_000_000L);
        try {
            task.put(List.of(fits, roundedAmount, roundedTime, fitsToo));
        } finally {
            task.stop();
        }
        assertThat(context[0].errant).containsExactly(roundedAmount, roundedTime);
        assertThat(rows()).containsExactly("1 12.34 1970-01-01 00:00:01", "4 -0.50 1969-12-31 23:59:58");
    }

    /** Once the column is given the type the refusal names, the same task writes such values: nothing stale is kept. */
    @Test
    void afterTheColumnIsWidenedAsTheRefusalSaysTheSameTaskWritesTheValue() throws Exception {
        createNarrowerTable();
        SinkTaskFixture.Context[] context = new SinkTaskFixture.Context[1];
        AdbPgSinkTask task = task(pg, db, Map.of("errors.tolerance", "all"), context, p0);
        try {
            task.put(List.of(row(0, 1, "12.345", 0L)));
            try (var c = pg.connect(db); var s = c.createStatement()) {
                s.execute("ALTER TABLE public.items ALTER COLUMN amount TYPE numeric(12,4)");
            }
            task.put(List.of(row(1, 2, "12.345", 0L)));
        } finally {
            task.stop();
        }
        assertThat(context[0].errant).hasSize(1);
        assertThat(rows()).containsExactly("2 12.3450 1970-01-01 00:00:00");
    }
}
