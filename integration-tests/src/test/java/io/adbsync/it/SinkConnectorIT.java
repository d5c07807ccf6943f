package io.adbsync.it;

import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.fixtures.kafka.TopicReader;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/** The packaged sink connector through a real Connect worker, fed with plain records written by a producer. */
class SinkConnectorIT extends WithLocalStack {

    private static final Schema KEY = SchemaBuilder.struct().name("k").field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().name("v").field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ROW_OPTIONAL = SchemaBuilder.struct().name("v").optional().field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ROW2 = SchemaBuilder.struct().name("v").field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("price", SchemaBuilder.string().optional().parameter("adbsync.source.type", "numeric(8,2)").build()).build();
    private static ConnectRestClient rest;
    private static JsonConverter converter;

    @BeforeAll
    static void clients() {
        rest = stack.connect().rest();
        converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true", "converter.type", "value"));
    }

    /** {@code sourceTable}: the value of our source's adbsync.source.table header, or null for none. */
    private record Rec(Struct key, Struct value, String sourceTable) {
        Rec(Struct key, Struct value) {
            this(key, value, null);
        }

        Rec from(String schema, String table) {
            return new Rec(key, value, io.adbsync.common.contract.SourceTableHeader.encode(schema, table));
        }
    }

    private static Rec up(int id, String name) {
        return new Rec(new Struct(KEY).put("id", id), new Struct(ROW).put("id", id).put("name", name));
    }

    private static Rec del(int id) {
        return new Rec(new Struct(KEY).put("id", id), null);
    }

    /** A Debezium-style envelope record; {@code op} r marks a snapshot row, null {@code row} a tombstone. */
    private static Rec env(String sourceTable, String op, Struct original) {
        Struct row = original;
        Struct key = new Struct(KEY).put("id", row.getInt32("id"));
        SchemaBuilder optional = SchemaBuilder.struct().name(row.schema().name()).optional();
        original.schema().fields().forEach(f -> optional.field(f.name(), f.schema()));
        Schema rowSchema = optional.build();
        Struct copy = new Struct(rowSchema);
        original.schema().fields().forEach(f -> copy.put(f.name(), original.get(f)));
        row = copy;
        Schema envelope = io.adbsync.common.contract.EventContract.envelope("p.public." + sourceTable, rowSchema);
        Struct source = new Struct(io.adbsync.common.contract.EventContract.SOURCE_SCHEMA).put("version", "1")
                .put("connector", "postgresql").put("name", "p").put("ts_ms", 0L).put("db", "d").put("schema", "public")
                .put("table", sourceTable).put("snapshot", "r".equals(op) ? "true" : "false");
        Struct value = new Struct(envelope).put("op", op).put("source", source);
        value.put("d".equals(op) ? "before" : "after", row);
        return new Rec(key, value);
    }

    private static Struct row(int id, String name) {
        return new Struct(ROW).put("id", id).put("name", name);
    }

    /** Our source's truncate of public.{@code sourceTable}: an envelope with op t and no key. */
    private static Rec truncateOf(String sourceTable) {
        Schema envelope = io.adbsync.common.contract.EventContract.envelope("p.public." + sourceTable, ROW_OPTIONAL);
        Struct source = new Struct(io.adbsync.common.contract.EventContract.SOURCE_SCHEMA).put("version", "1")
                .put("connector", "adbsync").put("name", "p").put("ts_ms", 0L).put("db", "d").put("schema", "public")
                .put("table", sourceTable).put("snapshot", "false");
        return new Rec(null, new Struct(envelope).put("op", "t").put("source", source));
    }

    /** Writes records in one producer batch so that the sink receives them in one put(). */
    private static void produce(String topic, Rec... records) {
        produce(topic, 0, records);
    }

    private static void produce(String topic, int partition, Rec... records) {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 200, ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Rec r : records) {
                byte[] key = r.key() == null ? null : converter.fromConnectData(topic, r.key().schema(), r.key());
                byte[] value = r.value() == null ? null : converter.fromConnectData(topic, r.value().schema(), r.value());
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, key, value);
                if (r.sourceTable() != null) {
                    record.headers().add(io.adbsync.common.contract.SourceTableHeader.HEADER,
                            r.sourceTable().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                producer.send(record);
            }
            producer.flush();
        }
    }

    private static Map<String, String> sinkConfig(String db, String topic, String... extra) {
        Map<String, String> config = sinkConfigInto(db, "tasks.max", "1", "topics", topic);
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }

    private static void awaitRows(String db, String table, List<String> expected) {
        Awaitility.await(table + " = " + expected).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> assertThat(rows(postgres, db, table)).isEqualTo(expected));
    }

    @Test
    void upsertsDeletesAndKeyOrderInsideOneBatchThenEvolvesTheTable() throws Exception {
        String db = postgres.createDatabase("sink_apply");
        String topic = "plain.public.items";
        // upsert 1 -> delete 1 -> upsert 1 must leave 1 present; 2 is deleted last; 3 is a key change 30 -> 3.
        produce(topic, up(1, "a"), del(1), up(1, "b"), up(2, "x"), up(30, "moved"), del(30), up(3, "moved"), del(2),
                up(4, "tab\tand\nnewline"));
        rest.deploy("apply", sinkConfig(db, topic));
        rest.awaitRunning("apply", 1, Duration.ofSeconds(60));
        awaitRows(db, "public.items", List.of("(1,b)", "(3,moved)", "(4,\"tab\tand\nnewline\")"));
        assertThat(scalar(postgres, db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'public.items'::regclass AND contype = 'p'"))
                .isEqualTo("PRIMARY KEY (id)");

        // A record with a new column: the table gains it with the exact source type.
        Struct withPrice = new Struct(ROW2).put("id", 5).put("name", "e").put("price", "12.50");
        produce(topic, new Rec(new Struct(KEY).put("id", 5), withPrice), up(1, "c"));
        awaitRows(db, "public.items", List.of("(1,c,)", "(3,moved,)", "(4,\"tab\tand\nnewline\",)", "(5,e,12.50)"));
        assertThat(scalar(postgres, db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.items'::regclass AND attname = 'price'"))
                .isEqualTo("numeric(8,2)");
        rest.remove("apply");
    }

    /**
     * A sink deployed with topics.regex before the source made its topics: the local stack's worker refreshes consumer
     * metadata often enough that the topic is found without an override (the consumer default is five minutes).
     */
    @Test
    void aSinkDeployedBeforeItsTopicsExistFindsThemWithoutAnOverride() throws Exception {
        String db = postgres.createDatabase("sink_late");
        Map<String, String> config = sinkConfig(db, "unused");
        config.remove("topics");
        config.put("topics.regex", "late\\.public\\..*");
        rest.deploy("late", config);
        rest.awaitRunning("late", 1, Duration.ofSeconds(60));
        produce("late.public.items", up(1, "a"), up(2, "b"));
        awaitRows(db, "public.items", List.of("(1,a)", "(2,b)"));
        rest.remove("late");
    }

    /** Array columns as Debezium's PostgreSQL connector sends them (Connect arrays): created and written exactly. */
    @Test
    void connectArraysBecomeArrayColumnsWithTheirValuesExact() throws Exception {
        String db = postgres.createDatabase("sink_arrays");
        Schema row = SchemaBuilder.struct().name("a").field("id", Schema.INT32_SCHEMA)
                .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
                .field("grid", SchemaBuilder.array(SchemaBuilder.array(Schema.INT32_SCHEMA).build()).optional().build()).build();
        Struct first = new Struct(row).put("id", 1).put("tags", java.util.Arrays.asList("a,b", null, "q\"uote", "back\\slash", "NULL", "tab\t{}"))
                .put("grid", List.of(List.of(1, 2), List.of(3, 4)));
        Struct second = new Struct(row).put("id", 2).put("tags", List.of()).put("grid", null);
        produce("arr.public.arrays", new Rec(new Struct(KEY).put("id", 1), first), new Rec(new Struct(KEY).put("id", 2), second));
        rest.deploy("arrays", sinkConfig(db, "arr.public.arrays"));
        rest.awaitRunning("arrays", 1, Duration.ofSeconds(60));
        Awaitility.await("arrays written").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    rest.checkNotFailed("arrays");
                    return "2".equals(scalar(postgres, db, "SELECT count(*) FROM pg_tables WHERE tablename = 'arrays'")
                            .equals("1") ? scalar(postgres, db, "SELECT count(*) FROM public.arrays") : "0");
                });
        assertThat(scalar(postgres, db, "SELECT tags = ARRAY['a,b', NULL, 'q\"uote', 'back\\slash', 'NULL', E'tab\\t{}'] "
                + "AND grid = '{{1,2},{3,4}}' FROM public.arrays WHERE id = 1")).isEqualTo("t");
        assertThat(scalar(postgres, db, "SELECT tags::text || coalesce(grid::text, 'null') FROM public.arrays WHERE id = 2")).isEqualTo("{}null");
        assertThat(scalar(postgres, db, "SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 'public.arrays'::regclass AND attnum > 0")).isEqualTo("integer,text[],integer[]");
        rest.remove("arrays");
    }

    @Test
    void aRefusedRecordAloneGoesToTheDeadLetterQueueAndTheRestOfTheBatchIsApplied() throws Exception {
        String db = postgres.createDatabase("sink_dlq");
        String topic = "dlq.public.checked";
        sql(postgres, db, "CREATE TABLE checked (id int PRIMARY KEY, name text CHECK (name <> 'bad'))");
        produce(topic, up(1, "ok"), up(2, "bad"), up(3, "fine"));
        rest.deploy("dlq", sinkConfig(db, topic, "errors.tolerance", "all",
                "errors.deadletterqueue.topic.name", "dlq-out", "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true"));
        rest.awaitRunning("dlq", 1, Duration.ofSeconds(60));
        awaitRows(db, "public.checked", List.of("(1,ok)", "(3,fine)"));
        var dead = TopicReader.read(stack.bootstrapServers(), "dlq-out", 1, Duration.ofSeconds(60));
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).contains("\"bad\"");
        String reason = new String(dead.get(0).headers().lastHeader("__connect.errors.exception.message").value(), StandardCharsets.UTF_8);
        assertThat(reason).contains("offset 1").contains("public.checked").contains("23514");
        rest.remove("dlq");
    }

    @Test
    void withoutToleranceTheTaskFailsNamingRecordTableAndColumn() throws Exception {
        String db = postgres.createDatabase("sink_fail");
        String topic = "fail.public.strict";
        sql(postgres, db, "CREATE TABLE strict (id int PRIMARY KEY, name varchar(3))");
        produce(topic, up(1, "ok"), up(2, "too long"));
        rest.deploy("fail", sinkConfig(db, topic));
        Awaitility.await("task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status("fail").get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText());
                });
        String trace = rest.status("fail").get("tasks").get(0).get("trace").asText();
        assertThat(trace).contains("topic fail.public.strict, partition 0, offset 1").contains("public.strict")
                .contains("column name").contains("22001");
        // No batch is half-applied: the good record of the failed batch is not there either.
        assertThat(rows(postgres, db, "public.strict")).isEmpty();
        rest.remove("fail");
    }

    @Test
    void aLostDestinationConnectionMidStreamIsRetriedWithoutLossAndOffsetsLandInTheDestination() throws Exception {
        String db = postgres.createDatabase("sink_retry");
        String topic = "retry.public.counter";
        rest.deploy("retry", sinkConfig(db, topic, "retry.backoff.ms", "100", "exactly.once.offsets.table", "adbsync.offsets"));
        rest.awaitRunning("retry", 1, Duration.ofSeconds(60));
        List<String> expected = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            Rec[] batch = new Rec[200];
            for (int i = 0; i < batch.length; i++) {
                int id = round * 200 + i;
                batch[i] = up(id, "r" + round);
            }
            produce(topic, batch);
            sql(postgres, db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND application_name = 'adbsync' AND pid <> pg_backend_pid()");
        }
        for (int id = 0; id < 1000; id++) {
            expected.add("(" + id + ",r" + id / 200 + ")");
        }
        expected.sort(String::compareTo);
        awaitRows(db, "public.counter", expected);
        Awaitility.await("offsets stored").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "1000".equals(scalar(postgres, db, "SELECT next_offset::text FROM adbsync.offsets WHERE topic = '" + topic + "'")));
        assertThat(rest.status("retry").get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
        rest.remove("retry");
    }

    @Test
    void aTableLockedLongerThanTheLockTimeoutIsRetriedAndTheRowsArriveOnceItIsReleased() throws Exception {
        String db = postgres.createDatabase("sink_lock");
        String topic = "lock.public.locked";
        sql(postgres, db, "CREATE TABLE locked (id int PRIMARY KEY, name text)");
        // The sink sets no session settings of its own: a user gives them in the URL, as here a short lock_timeout.
        Map<String, String> config = sinkConfig(db, topic, "retry.backoff.ms", "200");
        config.put("connection.url", postgres.jdbcUrl(db) + "?options=-c%20lock_timeout%3D500");
        try (Connection locker = postgres.connect(db); Statement s = locker.createStatement()) {
            locker.setAutoCommit(false);
            s.execute("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE");
            rest.deploy("lock", config);
            rest.awaitRunning("lock", 1, Duration.ofSeconds(60));
            produce(topic, up(1, "a"), up(2, "b"));
            Awaitility.await("the sink waits on the lock").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> "1".equals(scalar(postgres, db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            + "AND application_name = 'adbsync' AND wait_event_type = 'Lock'")));
            // Several lock timeouts of 500 ms while the lock is held.
            Thread.sleep(3000);
            assertThat(rest.status("lock").get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
            try (var rs = s.executeQuery("SELECT count(*) FROM locked")) { // in the locking transaction: others would wait
                rs.next();
                assertThat(rs.getInt(1)).isZero();
            }
            locker.commit();
        }
        awaitRows(db, "public.locked", List.of("(1,a)", "(2,b)"));
        assertThat(rest.status("lock").get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
        rest.remove("lock");
    }

    @Test
    void aDestinationServerKilledAndRestartedMidStreamLosesNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.adbsync.stack.postgres.LocalPostgres.available(),
                "restarting a server needs the machine's PostgreSQL binaries");
        try (PostgresServer destination = io.adbsync.fixtures.postgres.Postgres.startRestartable()) {
            String db = destination.createDatabase("sink_restart");
            String topic = "restart.public.counter";
            Map<String, String> config = sinkConfig(db, topic, "retry.backoff.ms", "200");
            config.put("connection.url", destination.jdbcUrl(db));
            rest.deploy("restart", config);
            rest.awaitRunning("restart", 1, Duration.ofSeconds(60));
            List<String> expected = new ArrayList<>();
            for (int round = 0; round < 6; round++) {
                Rec[] batch = new Rec[200];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = up(round * 200 + i, "r" + round);
                }
                produce(topic, batch);
                if (round == 2) {
                    // As on a crash: no checkpoint, connections cut mid-batch; rounds 3 and 4 arrive while it is down.
                    destination.stop(true);
                }
                if (round == 4) {
                    Thread.sleep(2000);
                    destination.start();
                }
            }
            for (int id = 0; id < 1200; id++) {
                expected.add("(" + id + ",r" + id / 200 + ")");
            }
            expected.sort(String::compareTo);
            Awaitility.await("all rows after the restart").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(rows(destination, db, "public.counter")).isEqualTo(expected));
            assertThat(rest.status("restart").get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
            rest.remove("restart");
        }
    }

    @Test
    void aSnapshotRowInTheSameBatchAsAStreamedChangeOfItsKeyNeverUndoesIt() throws Exception {
        String db = postgres.createDatabase("sink_snapshot_order");
        String topic = "snap.public.items";
        rest.deploy("snapshot-order", sinkConfig(db, topic));
        rest.awaitRunning("snapshot-order", 1, Duration.ofSeconds(60));
        produce(topic, env("items", "c", row(1, "v1")));
        awaitRows(db, "public.items", List.of("(1,v1)"));
        // The default table.conflict.mode=ignore applies snapshot rows as insert-if-absent.
        produce(topic, env("items", "u", row(1, "v2")), env("items", "r", row(1, "v2")), env("items", "c", row(2, "w")));
        awaitRows(db, "public.items", List.of("(1,v2)", "(2,w)"));
        rest.remove("snapshot-order");
    }

    @Test
    void aStoredOffsetBehindKafkaReplaysExactlyTheMissingRecordsInOrder() throws Exception {
        String db = postgres.createDatabase("sink_rewind");
        String topic = "rewind.public.items";
        Map<String, String> config = sinkConfig(db, topic, "exactly.once.offsets.table", "adbsync.offsets");
        rest.deploy("rewind", config);
        rest.awaitRunning("rewind", 1, Duration.ofSeconds(60));
        Rec[] first = new Rec[10];
        for (int i = 0; i < first.length; i++) {
            first[i] = up(i, "a" + i);
        }
        produce(topic, first);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("(" + i + ",a" + i + ")");
        }
        awaitRows(db, "public.items", expected);
        Awaitility.await("offsets stored").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "10".equals(scalar(postgres, db, "SELECT next_offset::text FROM adbsync.offsets WHERE topic = '" + topic + "'")));

        // As a restore from a backup taken after offset 3: the destination forgets offsets 4..9 and their rows.
        assertThat(rest.put("connectors/rewind/stop", null).ok()).isTrue();
        Awaitility.await("stopped").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "STOPPED".equals(rest.status("rewind").get("connector").get("state").asText()));
        sql(postgres, db, "UPDATE adbsync.offsets SET next_offset = 4", "DELETE FROM public.items WHERE id >= 4",
                "UPDATE public.items SET name = 'restored' WHERE id = 3");
        rest.resume("rewind");
        rest.awaitRunning("rewind", 1, Duration.ofSeconds(60));
        produce(topic, up(3, "b3"), up(10, "b10"));

        expected.clear();
        for (int i = 0; i < 11; i++) {
            expected.add(i == 3 ? "(3,b3)" : i == 10 ? "(10,b10)" : "(" + i + ",a" + i + ")");
        }
        expected.sort(String::compareTo);
        awaitRows(db, "public.items", expected);
        Awaitility.await("offsets stored").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "12".equals(scalar(postgres, db, "SELECT next_offset::text FROM adbsync.offsets WHERE topic = '" + topic + "'")));
        rest.remove("rewind");
    }

    @Test
    void aDestinationThatFallsBehindUnderARunningTaskGetsTheMissingRecordsReplayed() throws Exception {
        String db = postgres.createDatabase("sink_failover");
        String topic = "failover.public.items";
        rest.deploy("failover", sinkConfig(db, topic, "exactly.once.offsets.table", "adbsync.offsets"));
        rest.awaitRunning("failover", 1, Duration.ofSeconds(60));
        Rec[] first = new Rec[10];
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < first.length; i++) {
            first[i] = up(i, "a" + i);
            expected.add("(" + i + ",a" + i + ")");
        }
        produce(topic, first);
        awaitRows(db, "public.items", expected);
        Awaitility.await("offsets stored").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "10".equals(scalar(postgres, db, "SELECT next_offset::text FROM adbsync.offsets WHERE topic = '" + topic + "'")));

        // As a failover to a replica that lagged behind offset 4, while the task keeps running.
        sql(postgres, db, "UPDATE adbsync.offsets SET next_offset = 4", "DELETE FROM public.items WHERE id >= 4");
        produce(topic, up(10, "b10"));
        expected.add("(10,b10)");
        expected.sort(String::compareTo);
        awaitRows(db, "public.items", expected);
        Awaitility.await("offsets stored").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "11".equals(scalar(postgres, db, "SELECT next_offset::text FROM adbsync.offsets WHERE topic = '" + topic + "'")));
        assertThat(rest.status("failover").get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
        rest.remove("failover");
    }

    @Test
    void aStoredOffsetThatVanishedUnderARunningTaskStopsItNamingThePartitionAndHowToRecover() throws Exception {
        String db = postgres.createDatabase("sink_vanished");
        String topic = "vanished.public.items";
        rest.deploy("vanished", sinkConfig(db, topic, "exactly.once.offsets.table", "adbsync.offsets"));
        rest.awaitRunning("vanished", 1, Duration.ofSeconds(60));
        produce(topic, up(1, "a"), up(2, "b"), up(3, "c"));
        awaitRows(db, "public.items", List.of("(1,a)", "(2,b)", "(3,c)"));
        Awaitility.await("offsets stored").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "3".equals(scalar(postgres, db, "SELECT next_offset::text FROM adbsync.offsets WHERE topic = '" + topic + "'")));

        // As a restore from a backup taken before the sink's first write: rows and offsets gone.
        sql(postgres, db, "DELETE FROM adbsync.offsets", "DELETE FROM public.items");
        produce(topic, up(4, "d"));
        Awaitility.await("sink task FAILED").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status("vanished").get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText());
                });
        String trace = rest.status("vanished").get("tasks").get(0).get("trace").asText();
        assertThat(trace).contains("The offsets of [vanished.public.items-0] stored in adbsync.offsets for connector "
                + "vanished are gone").contains("INSERT INTO \"adbsync\".\"offsets\" (\"connector\"").contains("--group connect-vanished");
        // Nothing was applied past the lost offsets, and no offset was stored where the consumer stood.
        assertThat(rows(postgres, db, "public.items")).isEmpty();
        assertThat(scalar(postgres, db, "SELECT count(*)::text FROM adbsync.offsets")).isEqualTo("0");
        rest.remove("vanished");
    }

    @Test
    void envelopesAndOurTombstonesGoToTheSourcesExactTableWhoseNameTheTopicCannotHold() throws Exception {
        String db = postgres.createDatabase("sink_routing");
        // The source table "Order Items" travels in a topic whose name cannot hold its space.
        String topic = "route.public.Order_Items";
        sql(postgres, db, "CREATE TABLE public.orders (id int PRIMARY KEY, name text)", "INSERT INTO public.orders VALUES (9, 'kept')");
        rest.deploy("routing", sinkConfig(db, topic, "table.name.map", "public.Order Items=public.orders"));
        rest.awaitRunning("routing", 1, Duration.ofSeconds(60));
        // Our source's tombstone names its table in a header; Debezium's carries none and goes by the topic name,
        // to a table that does not exist: nothing to delete there (its delete envelope did the work).
        produce(topic, env("Order Items", "c", row(1, "a")), env("Order Items", "c", row(2, "b")),
                env("Order Items", "c", row(3, "c")), env("Order Items", "d", row(1, "a")), del(1),
                del(3).from("public", "Order Items"), del(2));
        awaitRows(db, "public.orders", List.of("(2,b)", "(9,kept)"));
        assertThat(scalar(postgres, db, "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'public'")).isEqualTo("1");
        rest.remove("routing");
    }

    private static final String UNAVAILABLE = "__debezium_unavailable_value";
    private static final Schema TOAST_ROW = SchemaBuilder.struct().name("v").field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA).field("doc", Schema.OPTIONAL_STRING_SCHEMA)
            .field("bin", Schema.OPTIONAL_BYTES_SCHEMA).build();

    private static Struct toastRow(int id, String name, String doc, byte[] bin) {
        return new Struct(TOAST_ROW).put("id", id).put("name", name).put("doc", doc).put("bin", bin);
    }

    @Test
    void debeziumUnavailableValuesKeepTheDestinationValueAndANewRowWithOneIsRefused() throws Exception {
        String db = postgres.createDatabase("sink_toast");
        String topic = "toast.public.docs";
        rest.deploy("toast", sinkConfig(db, topic, "errors.tolerance", "all",
                "errors.deadletterqueue.topic.name", "toast-dlq", "errors.deadletterqueue.topic.replication.factor", "1",
                "errors.deadletterqueue.context.headers.enable", "true"));
        rest.awaitRunning("toast", 1, Duration.ofSeconds(60));
        produce(topic, env("docs", "c", toastRow(1, "n1", "big text", new byte[] {1, 2})),
                env("docs", "c", toastRow(3, "m1", "other", new byte[] {3})));
        awaitRows(db, "public.docs", List.of("(1,n1,\"big text\",\"\\\\x0102\")", "(3,m1,other,\"\\\\x03\")"));
        byte[] placeholderBytes = UNAVAILABLE.getBytes(StandardCharsets.UTF_8);
        produce(topic, env("docs", "u", toastRow(1, "n2", UNAVAILABLE, placeholderBytes)),
                env("docs", "c", toastRow(2, "new", UNAVAILABLE, null)),
                env("docs", "u", toastRow(3, "m2", "changed", placeholderBytes)));
        awaitRows(db, "public.docs", List.of("(1,n2,\"big text\",\"\\\\x0102\")", "(3,m2,changed,\"\\\\x03\")"));
        var dead = TopicReader.read(stack.bootstrapServers(), "toast-dlq", 1, Duration.ofSeconds(60));
        String reason = new String(dead.get(0).headers().lastHeader("__connect.errors.exception.message").value(), StandardCharsets.UTF_8);
        assertThat(reason).contains("offset 3").contains("public.docs").contains("column doc");
        rest.remove("toast");
    }

    private static Map<String, String> withDlq(Map<String, String> config, String dlq) {
        config.putAll(Map.of("errors.tolerance", "all", "errors.deadletterqueue.topic.name", dlq,
                "errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"));
        return config;
    }

    private static List<String> deadLetterReasons(String dlq, int count) {
        return TopicReader.read(stack.bootstrapServers(), dlq, count, Duration.ofSeconds(60)).stream()
                .map(r -> new String(r.headers().lastHeader("__connect.errors.exception.message").value(), StandardCharsets.UTF_8))
                .toList();
    }

    /** A row of items with one more column {@code name} of {@code schema}. */
    private static Rec withColumn(int id, String column, Schema schema, Object value) {
        Schema row = SchemaBuilder.struct().name("v").field("id", Schema.INT32_SCHEMA).field("name", Schema.OPTIONAL_STRING_SCHEMA)
                .field(column, schema).build();
        return new Rec(new Struct(KEY).put("id", id), new Struct(row).put("id", id).put("name", "bad").put(column, value));
    }

    @Test
    void recordsTheDestinationCannotTakeGoToTheDeadLetterQueueAndTheSinkGoesOn() throws Exception {
        String db = postgres.createDatabase("sink_bad_input");
        sql(postgres, db, "CREATE TABLE big (k text PRIMARY KEY, v text)");
        String topic = "bad.public.items";
        Schema optionalText = Schema.OPTIONAL_STRING_SCHEMA;
        produce(topic, up(1, "ok"),
                withColumn(2, "mood", SchemaBuilder.string().optional().parameter("adbsync.source.type", "public.mood").build(), "sad"),
                withColumn(3, "price", SchemaBuilder.string().optional().parameter("adbsync.source.type", "numeric(2000,1)").build(), "1.5"),
                withColumn(4, "xmin", optionalText, "system column"),
                up(5, "fine"));
        // A key no btree index can hold: "index row size … exceeds btree version 4 maximum" (SQLState 54000).
        Schema textKey = SchemaBuilder.struct().name("bk").field("k", Schema.STRING_SCHEMA).build();
        Schema textRow = SchemaBuilder.struct().name("bv").field("k", Schema.STRING_SCHEMA).field("v", optionalText).build();
        StringBuilder huge = new StringBuilder();
        java.util.Random random = new java.util.Random(13);
        while (huge.length() < 20_000) {
            huge.append(Long.toString(random.nextLong() & Long.MAX_VALUE, 36));
        }
        produce("bad.public.big", new Rec(new Struct(textKey).put("k", "small"), new Struct(textRow).put("k", "small").put("v", "ok")),
                new Rec(new Struct(textKey).put("k", huge.toString()), new Struct(textRow).put("k", huge.toString()).put("v", "huge")));

        rest.deploy("bad-input", withDlq(sinkConfig(db, topic + ",bad.public.big"), "bad-input-dlq"));
        rest.awaitRunning("bad-input", 1, Duration.ofSeconds(60));
        awaitRows(db, "public.items", List.of("(1,ok)", "(5,fine)"));
        awaitRows(db, "public.big", List.of("(small,ok)"));
        List<String> reasons = deadLetterReasons("bad-input-dlq", 4);
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("offset 1").contains("public.mood").contains("does not exist"));
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("offset 2").contains("public.items")
                .containsAnyOf("(SQLState 22023)", "numeric(2000,1), which does not exist"));
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("offset 3").contains("xmin").contains("42701"));
        assertThat(reasons).anySatisfy(r -> assertThat(r).contains("topic bad.public.big").contains("offset 1").contains("54000"));
        rest.checkNotFailed("bad-input");
        produce(topic, up(6, "after"));
        awaitRows(db, "public.items", List.of("(1,ok)", "(5,fine)", "(6,after)"));
        rest.remove("bad-input");
    }

    @Test
    void aRecordWhoseKeyIsNotAUniqueKeyOfTheDestinationIsRefused() throws Exception {
        String db = postgres.createDatabase("sink_key_check");
        sql(postgres, db, "CREATE TABLE accounts (id int PRIMARY KEY, branch int, name text)",
                "INSERT INTO accounts VALUES (1, 10, 'a'), (2, 10, 'b'), (3, 10, 'c')");
        String topic = "keys.public.accounts";
        Schema byBranch = SchemaBuilder.struct().name("branchKey").field("branch", Schema.INT32_SCHEMA).build();
        Schema byIdAndBranch = SchemaBuilder.struct().name("idBranchKey").field("id", Schema.INT32_SCHEMA)
                .field("branch", Schema.INT32_SCHEMA).build();
        Schema row = SchemaBuilder.struct().name("acc").field("id", Schema.INT32_SCHEMA).field("branch", Schema.INT32_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
        // A tombstone keyed by branch would be DELETE … USING branch = 10: every account of the branch.
        produce(topic, new Rec(new Struct(byBranch).put("branch", 10), null),
                new Rec(new Struct(byBranch).put("branch", 10), new Struct(row).put("id", 9).put("branch", 10).put("name", "x")),
                new Rec(new Struct(byIdAndBranch).put("id", 2).put("branch", 10),
                        new Struct(row).put("id", 2).put("branch", 10).put("name", "B")));
        rest.deploy("key-check", withDlq(sinkConfig(db, topic), "key-check-dlq"));
        rest.awaitRunning("key-check", 1, Duration.ofSeconds(60));
        awaitRows(db, "public.accounts", List.of("(1,10,a)", "(2,10,B)", "(3,10,c)"));
        assertThat(deadLetterReasons("key-check-dlq", 2)).containsExactly(
                "The record at topic keys.public.accounts, partition 0, offset 0 has key columns (branch), which are not "
                        + "a unique key of destination table public.accounts (its unique keys: (id)): a delete or update by "
                        + "them could change many rows. Give the record a key that contains the table's primary key, or map "
                        + "the topic to another table",
                "The record at topic keys.public.accounts, partition 0, offset 1 has key columns (branch), which are not "
                        + "a unique key of destination table public.accounts (its unique keys: (id)): a delete or update by "
                        + "them could change many rows. Give the record a key that contains the table's primary key, or map "
                        + "the topic to another table");
        rest.remove("key-check");
    }

    @Test
    void aBatchWhoseKeySchemaChangesAppliesEveryRecordByItsOwnKey() throws Exception {
        String db = postgres.createDatabase("sink_mixed_keys");
        sql(postgres, db, "CREATE TABLE items (id int PRIMARY KEY, name text)", "INSERT INTO items VALUES (1, 'a'), (2, 'b')");
        String topic = "mixed.public.items";
        // The source's key grew from (id) to (id, name) mid-stream; both kinds arrive in one batch.
        Schema wideKey = SchemaBuilder.struct().name("wide").field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
        produce(topic, del(1), new Rec(new Struct(wideKey).put("id", 5).put("name", "e"), row(5, "e")), up(3, "c"),
                new Rec(new Struct(wideKey).put("id", 2).put("name", "b"), null));
        rest.deploy("mixed-keys", sinkConfig(db, topic));
        rest.awaitRunning("mixed-keys", 1, Duration.ofSeconds(60));
        awaitRows(db, "public.items", List.of("(3,c)", "(5,e)"));
        rest.remove("mixed-keys");
    }

    @Test
    void truncatesAreSkippedUnlessEnabled() throws Exception {
        String db = postgres.createDatabase("sink_trunc_off");
        String topic = "truncoff.public.items";
        produce(topic, up(1, "a"), truncateOf("items"), up(2, "b"));
        rest.deploy("trunc-off", sinkConfig(db, topic));
        rest.awaitRunning("trunc-off", 1, Duration.ofSeconds(60));
        awaitRows(db, "public.items", List.of("(1,a)", "(2,b)"));
        rest.remove("trunc-off");

        String on = postgres.createDatabase("sink_trunc_on");
        rest.deploy("trunc-on", sinkConfig(on, topic, "truncate.enabled", "true"));
        rest.awaitRunning("trunc-on", 1, Duration.ofSeconds(60));
        awaitRows(on, "public.items", List.of("(2,b)"));
        rest.remove("trunc-on");
    }

    @Test
    void aRecordForATableOutsideTheAllowListIsRefusedBeforeAnyDdlOrWrite() throws Exception {
        String db = postgres.createDatabase("sink_allow");
        sql(postgres, db, "CREATE TABLE victim (id int PRIMARY KEY, name text)", "INSERT INTO victim VALUES (7, 'keep')");
        produce("allow.public.allowed", up(1, "a"));
        // A topic writer aims at a table the sink was not given: an existing one and one it would create.
        produce("allow.public.victim", del(7), up(8, "evil"));
        produce("allow.public.created", up(9, "evil"));
        Map<String, String> config = sinkConfig(db, "unused", "table.allow.list", "public\\.allowed",
                "errors.tolerance", "all", "errors.deadletterqueue.topic.name", "allow-dlq",
                "errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true");
        config.remove("topics");
        config.put("topics.regex", "allow\\.public\\..*");
        rest.deploy("allow", config);
        rest.awaitRunning("allow", 1, Duration.ofSeconds(60));
        awaitRows(db, "public.allowed", List.of("(1,a)"));
        var dead = TopicReader.read(stack.bootstrapServers(), "allow-dlq", 3, Duration.ofSeconds(60));
        List<String> reasons = dead.stream().map(r -> new String(r.headers().lastHeader("__connect.errors.exception.message").value(),
                StandardCharsets.UTF_8)).sorted().toList();
        assertThat(reasons).containsExactly(
                "Destination table public.created is not in table.allow.list (record at topic allow.public.created, partition 0, "
                        + "offset 0); nothing was written. Map the topic to an allowed table (table.name.format, table.name.map) "
                        + "or widen table.allow.list",
                "Destination table public.victim is not in table.allow.list (record at topic allow.public.victim, partition 0, "
                        + "offset 0); nothing was written. Map the topic to an allowed table (table.name.format, table.name.map) "
                        + "or widen table.allow.list",
                "Destination table public.victim is not in table.allow.list (record at topic allow.public.victim, partition 0, "
                        + "offset 1); nothing was written. Map the topic to an allowed table (table.name.format, table.name.map) "
                        + "or widen table.allow.list");
        assertThat(rows(postgres, db, "public.victim")).containsExactly("(7,keep)");
        assertThat(scalar(postgres, db, "SELECT to_regclass('public.created') IS NULL")).isEqualTo("t");
        rest.remove("allow");

        Map<String, List<String>> errors = rest.validate(SINK, sinkConfig(db, "allow.public.allowed,allow.public.victim",
                "table.allow.list", "public\\.allowed"));
        assertThat(errors).containsOnlyKeys("table.allow.list");
        assertThat(errors.get("table.allow.list")).containsExactly(
                "Topic allow.public.victim maps to destination table public.victim, which table.allow.list does not allow");
    }

    @Test
    void aTruncateOnATopicOfSeveralPartitionsStopsTheTaskInsteadOfBeingAppliedOutOfOrder() throws Exception {
        String db = postgres.createDatabase("sink_trunc");
        String topic = "trunc.public.items";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        produce(topic, 0, up(1, "a"), up(2, "b"));
        produce(topic, 1, truncateOf("items"));
        rest.deploy("trunc", sinkConfig(db, topic, "truncate.enabled", "true"));
        Awaitility.await("task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status("trunc").get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText());
                });
        assertThat(rest.status("trunc").get("tasks").get(0).get("trace").asText())
                .contains("A TRUNCATE of public.items arrived on topic trunc.public.items, which has several partitions "
                        + "(this one is partition 1, offset 0)")
                .contains("without a copy on every partition (header adbsync.barrier)")
                .contains("give the topic one partition");
        rest.remove("trunc");
    }

    @Test
    void validateReportsConflictingTablesAndAnUnreachableDestinationOnTheirKeys() throws Exception {
        String db = postgres.createDatabase("sink_check");
        sql(postgres, db, "CREATE TABLE taken (id int PRIMARY KEY)");
        Map<String, List<String>> errors = rest.validate(SINK, sinkConfig(db, "x.public.taken,x.public.free",
                "table.conflict.mode", "fail"));
        assertThat(errors).containsOnlyKeys("table.conflict.mode");
        assertThat(errors.get("table.conflict.mode").get(0)).contains("public.taken").doesNotContain("public.free");
        assertThat(rest.validate(SINK, sinkConfig(db, "x.public.taken"))).isEmpty();

        Map<String, String> unreachable = sinkConfig(db, "x.public.taken");
        unreachable.put("connection.url", "jdbc:postgresql://127.0.0.1:1/nowhere");
        assertThat(rest.validate(SINK, unreachable).get("connection.url").get(0)).contains("Cannot reach the destination");
        assertThat(rest.validate(SINK, sinkConfig(db, "x.public.taken", "table.operations", "public\\.t=upsert"))
                .get("table.operations").get(0)).contains("unknown operation 'upsert'");
    }
}
