package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.common.contract.EventContract;
import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Sink tasks driven the way the Connect runtime drives them (start, open, put, close, stop) against a real destination,
 * with records of topic {@value #TOPIC} built here: for what a runtime cannot be made to do on cue, such as a task
 * that dies between its commit at the destination and Connect's offset commit, or a destination user's privileges.
 */
public final class SinkTaskFixture {

    public static final String TOPIC = "p.public.items";
    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA)
            .field("v", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ENVELOPE = EventContract.envelope(TOPIC, ROW);

    private SinkTaskFixture() {
    }

    /** What the runtime gives a task: its assignment, pauses, rewinds, and the records it reported as errant. */
    public static final class Context implements SinkTaskContext {
        final Map<String, String> configs;
        final Set<TopicPartition> assignment = new HashSet<>();
        public final Set<TopicPartition> paused = new HashSet<>();
        final Map<TopicPartition, Long> offsets = new HashMap<>();
        public final List<SinkRecord> errant = new ArrayList<>();

        Context(Map<String, String> configs) {
            this.configs = configs;
        }

        @Override
        public Map<String, String> configs() {
            return configs;
        }

        @Override
        public void offset(Map<TopicPartition, Long> o) {
            offsets.putAll(o);
        }

        @Override
        public void offset(TopicPartition tp, long o) {
            offsets.put(tp, o);
        }

        @Override
        public void timeout(long ms) {
        }

        @Override
        public Set<TopicPartition> assignment() {
            return assignment;
        }

        @Override
        public void pause(TopicPartition... tps) {
            paused.addAll(List.of(tps));
        }

        @Override
        public void resume(TopicPartition... tps) {
            paused.removeAll(List.of(tps));
        }

        @Override
        public void requestCommit() {
        }

        @Override
        public ErrantRecordReporter errantRecordReporter() {
            return (record, error) -> {
                errant.add(record);
                return CompletableFuture.completedFuture(null);
            };
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return null;
        }
    }

    /** A started task of connector {@code name} with {@code tps} assigned and opened. */
    public static AdbPgSinkTask task(PostgresServer pg, String db, Map<String, String> extra, Context[] contextOut,
                                     TopicPartition... tps) {
        Map<String, String> config = new HashMap<>();
        config.put("name", "barrier-fixture");
        config.put("topics", TOPIC);
        config.put("truncate.enabled", "true");
        config.put("connection.url", pg.jdbcUrl(db));
        config.put("connection.user", pg.user());
        if (pg.password() != null) {
            config.put("connection.password", pg.password());
        }
        config.putAll(extra);
        AdbPgSinkTask task = new AdbPgSinkTask();
        Context context = new Context(config);
        context.assignment.addAll(List.of(tps));
        task.initialize(context);
        task.start(config);
        task.open(List.of(tps));
        if (contextOut != null) {
            contextOut[0] = context;
        }
        return task;
    }

    static AdbPgSinkTask task(PostgresServer pg, String db, TopicPartition... tps) {
        return task(pg, db, Map.of(), null, tps);
    }

    /** A row insert ({@code id} set) or, with {@code id} null, a truncate; {@code headers} in pairs name, value. */
    public static SinkRecord rec(int partition, long offset, Integer id, String... headers) {
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql").put("name", "p")
                .put("ts_ms", 0L).put("db", "d").put("schema", "public").put("table", "items");
        Struct envelope = new Struct(ENVELOPE).put("op", id == null ? "t" : "c").put("source", source);
        if (id != null) {
            envelope.put("after", new Struct(ROW).put("id", id).put("v", "v" + id));
        }
        SinkRecord r = new SinkRecord(TOPIC, partition, id == null ? null : KEY, id == null ? null : new Struct(KEY).put("id", id),
                ENVELOPE, envelope, offset);
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().addString(headers[i], headers[i + 1]);
        }
        return r;
    }

    /** A delete of row {@code id}. */
    public static SinkRecord delete(int partition, long offset, int id) {
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql").put("name", "p")
                .put("ts_ms", 0L).put("db", "d").put("schema", "public").put("table", "items");
        Struct envelope = new Struct(ENVELOPE).put("op", "d").put("source", source)
                .put("before", new Struct(ROW).put("id", id).put("v", "v" + id));
        return new SinkRecord(TOPIC, partition, KEY, new Struct(KEY).put("id", id), ENVELOPE, envelope, offset);
    }

    /** A record of a topic of two partitions, a copy of barrier {@code barrier} when that is not null. */
    static SinkRecord rec2(int partition, long offset, Integer id, String barrier) {
        return barrier == null ? rec(partition, offset, id, BarrierHeaders.PARTITIONS, "2")
                : rec(partition, offset, id, BarrierHeaders.PARTITIONS, "2", BarrierHeaders.BARRIER, barrier);
    }

    public static List<Integer> ids(PostgresServer pg, String db) throws Exception {
        List<Integer> ids = new ArrayList<>();
        try (Connection c = pg.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM public.items ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
        }
        return ids;
    }
}
