package io.adbsync.it;

import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.stack.connect.ConnectRestClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Truncates on topics of several partitions, read by several sink tasks: the source sends a copy to every partition
 * and the sink applies it once every partition reached its copy, so the destination ends equal to the source.
 */
class TruncateBarrierIT extends WithLocalStack {

    private static final String SINK = "io.adbsync.sink.AdbPgSinkConnector";
    private static final Schema KEY = SchemaBuilder.struct().name("k").field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().name("v").optional().field("id", Schema.INT32_SCHEMA)
            .field("v", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static ConnectRestClient rest;

    @BeforeAll
    static void client() {
        rest = stack.connect().rest();
    }

    private static Map<String, String> sinkConfig(String db, String topicsRegex, String... extra) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", SINK);
        config.put("topics.regex", topicsRegex);
        config.put("connection.url", postgres.jdbcUrl(db));
        config.put("connection.user", postgres.user());
        if (postgres.password() != null) {
            config.put("connection.password", postgres.password());
        }
        config.put("truncate.enabled", "true");
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }

    /** Waits until {@code tables} are equal at source and destination row by row, failing at once if a task failed. */
    private static void awaitEqual(String src, String dst, String sink, String... tables) {
        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    rest.checkNotFailed(sink);
                    for (String table : tables) {
                        assertThat(rows(postgres, dst, table)).as(table).isEqualTo(rows(postgres, src, table));
                    }
                });
    }

    @Test
    void truncatesAreAppliedInOrderWithTheRowsOfEveryPartitionBySeveralTasks() throws Exception {
        String src = postgres.createDatabase("barrier_src");
        String dst = postgres.createDatabase("barrier_dst");
        sql(postgres, src, "CREATE TABLE items (id int PRIMARY KEY, v text)", "CREATE TABLE other (id int PRIMARY KEY, n int)",
                "INSERT INTO items SELECT g, 'copied ' || g FROM generate_series(1, 300) g",
                "INSERT INTO other SELECT g, g FROM generate_series(1, 100) g");
        rest.deploy("barrier-source", sourceConfig(src, "barrier", "topic.creation.default.partitions", "3",
                "topic.creation.default.replication.factor", "1"));
        rest.awaitRunning("barrier-source", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, "barrier");
        rest.deploy("barrier-sink", sinkConfig(dst, "barrier\\.public\\..*", "tasks.max", "2"));
        rest.awaitRunning("barrier-sink", 2, Duration.ofSeconds(60));
        awaitEqual(src, dst, "barrier-sink", "public.items", "public.other");

        // Rows written before each truncate sit in all three partitions, as do the rows written after it.
        for (int round = 1; round <= 3; round++) {
            int base = round * 1000;
            sql(postgres, src,
                    "INSERT INTO items SELECT " + base + " + g, 'round " + round + "' FROM generate_series(1, 90) g",
                    "UPDATE items SET v = v || ' updated' WHERE id % 4 = 0",
                    "DELETE FROM items WHERE id % 7 = 0",
                    "UPDATE other SET n = n + " + round + " WHERE id % 3 = 0",
                    "TRUNCATE items",
                    "INSERT INTO items SELECT " + base + " + g, 'after truncate " + round + "' FROM generate_series(50, 120) g",
                    "UPDATE items SET v = 'changed after' WHERE id % 5 = 0");
        }
        // A truncate of two tables at once; one inside a transaction, with rows before and after it there.
        sql(postgres, src, "TRUNCATE items, other", "INSERT INTO other SELECT g, -g FROM generate_series(1, 40) g", """
                BEGIN;
                INSERT INTO items SELECT 5000 + g, 'in transaction, before' FROM generate_series(1, 60) g;
                TRUNCATE items;
                INSERT INTO items SELECT 5000 + g, 'in transaction, after' FROM generate_series(30, 90) g;
                DELETE FROM items WHERE id = 5031;
                COMMIT""",
                "INSERT INTO items SELECT 6000 + g, 'last' FROM generate_series(1, 45) g");
        awaitEqual(src, dst, "barrier-sink", "public.items", "public.other");
        assertThat(rows(postgres, dst, "public.items")).hasSize(60 + 45);
        // Each truncate was applied once, after every partition reached its copy.
        assertThat(scalar(postgres, dst, "SELECT count(DISTINCT barrier) || ' ' || bool_and(applied) || ' ' || count(*) "
                + "FROM public.adbsync_truncate_barriers WHERE topic = 'barrier.public.items'")).isEqualTo("5 true 15");

        // A table dropped and created again is copied anew after a truncate of its old rows, sent to every partition.
        sql(postgres, src, "DROP TABLE other", "CREATE TABLE other (id int PRIMARY KEY, n int)",
                "INSERT INTO other SELECT g, 1000 + g FROM generate_series(20, 70) g");
        awaitEqual(src, dst, "barrier-sink", "public.items", "public.other");
        assertThat(scalar(postgres, dst, "SELECT string_agg(DISTINCT barrier, ',') FROM public.adbsync_truncate_barriers "
                + "WHERE topic = 'barrier.public.other' AND applied AND barrier LIKE 'snapshot:%'")).isNotNull();
        rest.remove("barrier-sink");
        rest.remove("barrier-source");
    }

    @Test
    void aSinkTaskRestartedWhileItHoldsAPartitionAtABarrierEndsEqual() throws Exception {
        String dst = postgres.createDatabase("barrier_hold");
        String topic = "hold.public.items";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        Envelopes feed = new Envelopes(topic, KEY, 3);
        List<Envelopes.Rec> before = new ArrayList<>();
        for (int id = 0; id < 30; id++) {
            before.add(feed.create(row(id, "before"), false));
        }
        List<Envelopes.Rec> copies = feed.barrier(ROW, "stream:0/1000:7");
        // Only partition 0 has its copy yet, and a row after it.
        before.add(copies.get(0));
        before.add(feed.create(row(30, "after, partition 0"), false));
        feed.produce(stack.bootstrapServers(), before);

        rest.deploy("hold", sinkConfig(dst, "hold\\.public\\..*", "tasks.max", "2"));
        rest.awaitRunning("hold", 2, Duration.ofSeconds(60));
        Awaitility.await("partition 0 held at its copy").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    rest.checkNotFailed("hold");
                    assertThat(scalar(postgres, dst, "SELECT string_agg(kafka_partition || ':' || applied, ',') "
                            + "FROM public.adbsync_truncate_barriers")).isEqualTo("0:false");
                    assertThat(rows(postgres, dst, "public.items")).hasSize(30);
                });
        // Held: the row after the copy is not applied, however long it waits.
        Thread.sleep(2_000);
        assertThat(rows(postgres, dst, "public.items")).hasSize(30).noneMatch(r -> r.startsWith("(30,"));

        // The tasks restart while partition 0 is held: whoever gets it starts at its copy and holds again.
        rest.restart("hold", true);
        rest.awaitRunning("hold", 2, Duration.ofSeconds(60));
        Thread.sleep(2_000);
        rest.checkNotFailed("hold");
        assertThat(rows(postgres, dst, "public.items")).hasSize(30).noneMatch(r -> r.startsWith("(30,"));

        feed.produce(stack.bootstrapServers(), List.of(copies.get(1), copies.get(2),
                feed.create(row(31, "after"), false), feed.create(row(32, "after"), false), feed.update(row(30, "updated after"))));
        Awaitility.await("truncate applied, rows after it kept").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    rest.checkNotFailed("hold");
                    assertThat(rows(postgres, dst, "public.items")).containsExactly("(30,\"updated after\")", "(31,after)",
                            "(32,after)");
                });
        assertThat(scalar(postgres, dst, "SELECT string_agg(kafka_partition || ':' || applied, ',' ORDER BY kafka_partition) "
                + "FROM public.adbsync_truncate_barriers")).isEqualTo("0:true,1:true,2:true");
        rest.remove("hold");
    }

    /**
     * After a crash before its offsets were stored, the source sends again what followed its last stored offset: rows
     * from before a truncate the sink already applied land after that truncate's copies, and must not bring rows back.
     */
    @Test
    void rowsTheSourceSendsAgainFromBeforeAnAppliedTruncateDoNotComeBack() throws Exception {
        String dst = postgres.createDatabase("barrier_resend");
        String topic = "resend.public.items";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        Envelopes feed = new Envelopes(topic, KEY, 3);
        // What the source streams: rows 1 to 9, then a truncate (change 9 of the same transaction), then row 20.
        List<Envelopes.Rec> sent = new ArrayList<>();
        for (int id = 1; id <= 9; id++) {
            sent.add(at(feed.create(row(id, "before"), false), "0/100@" + (id - 1) * 65_536L + "@7"));
        }
        feed.barrier(ROW, "stream:0/100:9").forEach(copy -> sent.add(at(copy, "0/100@" + 9 * 65_536L + "@7")));
        sent.add(at(feed.create(row(20, "after"), false), "0/200@0@7"));
        feed.produce(stack.bootstrapServers(), sent);
        rest.deploy("resend", sinkConfig(dst, "resend\\.public\\..*", "tasks.max", "2"));
        rest.awaitRunning("resend", 2, Duration.ofSeconds(60));
        awaitRows(dst, "resend", List.of("(20,after)"));

        // The same records again, then one new row on each partition: once those are in, so was all before them.
        List<Envelopes.Rec> again = new ArrayList<>(sent);
        for (int id = 30; id < 33; id++) {
            again.add(at(feed.create(row(id, "new"), false), "0/300@" + (id - 30) * 65_536L + "@7"));
        }
        feed.produce(stack.bootstrapServers(), again);
        awaitRows(dst, "resend", List.of("(20,after)", "(30,new)", "(31,new)", "(32,new)"));
        rest.remove("resend");
    }

    private static Envelopes.Rec at(Envelopes.Rec record, String position) {
        Map<String, String> headers = new HashMap<>(record.headers());
        headers.put(BarrierHeaders.POSITION, position);
        return new Envelopes.Rec(record.key(), record.value(), record.partition(), headers);
    }

    private static void awaitRows(String db, String sink, List<String> expected) {
        Awaitility.await("destination rows " + expected).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    rest.checkNotFailed(sink);
                    assertThat(rows(postgres, db, "public.items")).isEqualTo(expected);
                });
    }

    @Test
    void aRowOnAPartitionTheSourceDoesNotKnowStopsTheSinkAndMinusOneIsRefusedAtValidation() throws Exception {
        String src = postgres.createDatabase("beyond_src");
        String dst = postgres.createDatabase("beyond_dst");
        sql(postgres, src, "CREATE TABLE items (id int PRIMARY KEY, v text)");
        // The topic exists with three partitions; the source is told two, so its topic-creation settings change nothing.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("beyond.public.items", 3, (short) 1))).all().get();
        }
        Map<String, String> source = sourceConfig(src, "beyond", "topic.creation.default.partitions", "2",
                "topic.creation.default.replication.factor", "1");
        rest.deploy("beyond-source", source);
        rest.awaitRunning("beyond-source", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, "beyond");
        rest.deploy("beyond-sink", sinkConfig(dst, "beyond\\.public\\..*"));
        rest.awaitRunning("beyond-sink", 1, Duration.ofSeconds(60));
        sql(postgres, src, "INSERT INTO items SELECT g, 'x' FROM generate_series(1, 50) g");
        Awaitility.await("sink task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status("beyond-sink").get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText());
                });
        assertThat(rest.status("beyond-sink").get("tasks").get(0).get("trace").asText())
                .containsPattern("The record at topic beyond\\.public\\.items, partition 2, offset \\d+ says its topic has 2 "
                        + "partitions \\(header adbsync\\.partitions\\), but it is on partition 2: the topic has more "
                        + "partitions than the source connector sends each TRUNCATE to")
                .contains("Nothing of the batch was written. Set topic.creation.default.partitions");
        rest.remove("beyond-sink");
        rest.remove("beyond-source");

        Map<String, String> unknown = new HashMap<>(source);
        unknown.put("topic.creation.default.partitions", "-1");
        Map<String, List<String>> errors = rest.validate(SOURCE, unknown);
        assertThat(errors.get("topic.creation.default.partitions").get(0))
                .contains("-1 (the broker's default partition count) leaves the number of partitions of the table topics "
                        + "unknown to the connector");
    }

    private static Struct row(int id, String v) {
        return new Struct(ROW).put("id", id).put("v", v);
    }
}
