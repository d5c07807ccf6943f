package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.postgres.ClientCredentials;
import io.adbsync.stack.status.StatusReader;
import io.adbsync.stack.status.StatusSample;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A source split by key among four tasks ({@code tasks.max=4}), into topics of three partitions read by three sink
 * tasks: through the copy and the stream, with keys moving between shards, truncates and a restart of every task
 * under a running workload, the destination ends equal to the source, row by row; and a changed task count is refused
 * with what to do, not silently reshuffled.
 */
class ShardedSourceIT extends WithLocalStack {

    private static final List<String> TABLES = List.of("public.accounts", "public.pairs", "public.sales");

    @Test
    void fourKeyShardedTasksEndEqualToTheSourceThroughKeyMovesTruncatesAndARestart() throws Exception {
        String src = postgres.createDatabase("sh_src");
        String dst = postgres.createDatabase("sh_dst");
        String[] tables = {
                "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL, note text)",
                "CREATE TABLE pairs (region text, id int, v text, PRIMARY KEY (region, id))",
                "CREATE TABLE sales (id int, region int, amount int, PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
                "CREATE TABLE sales_1 PARTITION OF sales FOR VALUES IN (1)",
                "CREATE TABLE sales_2 PARTITION OF sales FOR VALUES IN (2)"};
        sql(postgres, src, tables);
        sql(postgres, dst, tables);
        sql(postgres, src, "INSERT INTO accounts SELECT g, g, md5(g::text) FROM generate_series(1, 20000) g",
                "INSERT INTO pairs SELECT 'r' || (g % 7), g, md5(g::text) FROM generate_series(1, 5000) g",
                "INSERT INTO sales SELECT g, 1 + g % 2, g FROM generate_series(1, 3000) g", "ANALYZE");

        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, "sh", "slot.name", "sh_slot", "tasks.max", "4",
                "snapshot.chunk.rows", "2000", "heartbeat.interval.ms", "1000", "slot.drop.on.offsets.reset", "true",
                "topic.creation.default.partitions", "3", "topic.creation.default.replication.factor", "1");
        rest.deploy("sh-source", source);
        rest.awaitRunning("sh-source", 4, Duration.ofSeconds(90));
        rest.deploy("sh-sink", sinkConfigInto(dst, "tasks.max", "3", "topics.regex", "sh\\.public\\..*",
                "consumer.override.metadata.max.age.ms", "500", "truncate.enabled", "true"));
        rest.awaitRunning("sh-sink", 3, Duration.ofSeconds(60));

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger rounds = new AtomicInteger();
        Thread workload = new Thread(() -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int next = 2_000_000;
            try (Connection c = postgres.connect(src); Statement s = c.createStatement()) {
                while (running.get()) {
                    int id = random.nextInt(1, 20001);
                    // Updates, inserts, deletes, and keys moving to other shards (their delete and insert sent by two tasks).
                    s.execute("BEGIN; UPDATE accounts SET balance = balance + 1 WHERE id = " + id
                            + "; UPDATE accounts SET id = " + (next++) + " WHERE id = " + random.nextInt(1, 20001)
                            + "; INSERT INTO accounts VALUES (" + (next++) + ", 0, 'new')"
                            + "; DELETE FROM accounts WHERE id = " + random.nextInt(1, 20001)
                            + "; UPDATE pairs SET region = 'moved', v = 'm' WHERE region = 'r" + random.nextInt(7) + "' AND id = "
                            + random.nextInt(1, 5001)
                            + "; UPDATE sales SET region = 3 - region, amount = amount + 1 WHERE id = " + random.nextInt(1, 3001)
                            + "; COMMIT");
                    rounds.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "sharded-workload");
        workload.start();
        try {
            Awaitility.await("the workload under way").atMost(Duration.ofSeconds(30)).until(() -> rounds.get() > 100);
            // A truncate every task meets at, with rows before and after it in every partition of the topic.
            sql(postgres, src, "BEGIN", "TRUNCATE pairs", "INSERT INTO pairs SELECT 'after', g, 'a' FROM generate_series(1, 2000) g",
                    "COMMIT");
            Awaitility.await("more of the workload").atMost(Duration.ofSeconds(30)).until(() -> rounds.get() > 300);
            // Every task stopped and started again mid-stream.
            rest.restart("sh-source", true);
            rest.awaitRunning("sh-source", 4, Duration.ofSeconds(90));
            Awaitility.await("more of the workload").atMost(Duration.ofSeconds(30)).until(() -> rounds.get() > 600);
        } finally {
            running.set(false);
            workload.join();
        }
        sql(postgres, src, "TRUNCATE sales", "INSERT INTO sales VALUES (1, 1, 1), (2, 2, 2)");

        Awaitility.await("destination equal to source").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    for (String table : TABLES) {
                        assertThat(rows(postgres, dst, table)).as(table).isEqualTo(rows(postgres, src, table));
                    }
                });
        assertThat(scalar(postgres, src, "SELECT string_agg(slot_name || ' ' || active, ', ' ORDER BY slot_name) "
                + "FROM pg_replication_slots WHERE slot_name LIKE 'sh\\_slot%'"))
                .isEqualTo("sh_slot_0of4 true, sh_slot_1of4 true, sh_slot_2of4 true, sh_slot_3of4 true");
        // The work was split: each task sent records of its own keys.
        JsonNode offsets = rest.offsets("sh-source").get("offsets");
        List<String> shards = new ArrayList<>();
        for (JsonNode o : offsets) {
            if (!o.get("partition").has("snapshot") && o.get("partition").has("shard")) {
                shards.add(o.get("partition").get("shard").asText());
            }
        }
        assertThat(shards).containsExactlyInAnyOrder("0/4", "1/4", "2/4", "3/4");

        // bin/adbsync status shows each shard's slot and each table's copy as one part per shard (per leaf).
        try (StatusReader status = new StatusReader(rest, stack.bootstrapServers(), new Properties(), postgres.jdbcUrl(src),
                new ClientCredentials(postgres.password() == null ? Map.of() : Map.of("PGPASSWORD", postgres.password()),
                        Path.of("/nonexistent")), Clock.systemUTC())) {
            Awaitility.await("status of the four shards").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        StatusSample.Source shown = status.read().connectors().stream()
                                .filter(c -> c.name().equals("sh-source")).findFirst().orElseThrow().source();
                        assertThat(shown.slots()).extracting(slot -> slot.site() + " " + slot.active()).containsExactly(
                                "key shard 0/4 (sh_slot_0of4) true", "key shard 1/4 (sh_slot_1of4) true",
                                "key shard 2/4 (sh_slot_2of4) true", "key shard 3/4 (sh_slot_3of4) true");
                        assertThat(shown.tables()).extracting(t -> t.table() + " " + t.partsDone() + "/" + t.parts())
                                .containsExactlyInAnyOrder("public.accounts 4/4", "public.pairs 4/4", "public.sales 8/8");
                    });
        }

        // Another count of tasks would move keys between tasks with changes of them in flight: refused at validation
        // on tasks.max, naming both counts and what to do (the tasks refuse it too, should validation not run).
        Map<String, String> two = new HashMap<>(source);
        two.put("tasks.max", "2");
        assertThat(rest.validate("io.adbsync.source.AdbPgSourceConnector", two).get("tasks.max")).singleElement()
                .asString().contains("This source was read by 4 task(s)", "sh_slot_0of4", "tasks.max=2",
                        "Set tasks.max back to 4");

        // A table dropped and created again: its new copy starts with one truncate, which every task's earlier records
        // precede and every task's share of the new copy follows.
        sql(postgres, src, "DROP TABLE pairs", "CREATE TABLE pairs (region text, id int, v text, PRIMARY KEY (region, id))",
                "INSERT INTO pairs SELECT 'x', g, 'again' FROM generate_series(1, 300) g");
        Awaitility.await("pairs copied again").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.pairs")).isEqualTo(rows(postgres, src, "public.pairs")));
        assertRunning(rest, "sh-source");

        // Removing the connector for good: offsets deleted, every shard's slot dropped with them.
        stop(rest, "sh-source");
        assertThat(rest.delete("connectors/sh-source/offsets").ok()).isTrue();
        assertThat(scalar(postgres, src, "SELECT count(*)::text FROM pg_replication_slots WHERE slot_name LIKE 'sh\\_slot%'"))
                .isEqualTo("0");
        rest.remove("sh-source");
        rest.remove("sh-sink");
    }

    /**
     * Tasks meet at a truncate once each has its records before it in Kafka with their offsets stored; a record a
     * transform drops (here the tombstone after a delete, a common filter) never has its offset stored, and never needs
     * it. (Red before: the task whose last record before the truncate was a dropped tombstone never arrived, and every
     * task stayed held at the truncate.)
     */
    @Test
    void keyShardedTasksMeetAtATruncateAfterATombstoneATransformDrops() throws Exception {
        String src = postgres.createDatabase("sht_src");
        String dst = postgres.createDatabase("sht_dst");
        String[] tables = {"CREATE TABLE kv (id int PRIMARY KEY, v text)", "CREATE TABLE emptied (id int PRIMARY KEY)"};
        sql(postgres, src, tables);
        sql(postgres, dst, tables);
        sql(postgres, src, "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 100) g",
                "INSERT INTO emptied SELECT generate_series(1, 100)");
        ConnectRestClient rest = stack.connect().rest();
        rest.deploy("sht-source", sourceConfig(src, "sht", "slot.name", "sht_slot", "tasks.max", "2",
                "heartbeat.interval.ms", "1000", "slot.drop.on.offsets.reset", "true",
                "transforms", "dropTombstones", "transforms.dropTombstones.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.dropTombstones.predicate", "isTombstone", "predicates", "isTombstone",
                "predicates.isTombstone.type", "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone"));
        rest.awaitRunning("sht-source", 2, Duration.ofSeconds(90));
        rest.deploy("sht-sink", sinkConfigInto(dst, "tasks.max", "1", "topics.regex", "sht\\.public\\..*",
                "truncate.enabled", "true"));
        rest.awaitRunning("sht-sink", 1, Duration.ofSeconds(60));
        awaitEqual(src, dst, "public.kv", "public.emptied");

        // The delete's tombstone is the last record its shard's task hands out before the truncate.
        sql(postgres, src, "BEGIN", "DELETE FROM kv WHERE id = 5", "TRUNCATE emptied", "COMMIT");
        sql(postgres, src, "INSERT INTO emptied VALUES (1000)", "UPDATE kv SET v = 'after' WHERE id < 50");
        awaitEqual(src, dst, "public.kv", "public.emptied");

        stop(rest, "sht-source");
        assertThat(rest.delete("connectors/sht-source/offsets").ok()).isTrue();
        rest.remove("sht-source");
        rest.remove("sht-sink");
    }

    /**
     * Tables dropped and created again, while streaming and while the connector is stopped, a plain one and a
     * partitioned one, with rows written to the new tables while the tasks meet: every task's share of the new copy
     * follows the one truncate of the earlier copy, and the destination ends equal to the source. (Red before: the
     * tasks stopped, refusing a copy again they could not meet for.)
     */
    @Test
    void keyShardedTasksCopyAgainATableCreatedAgain() throws Exception {
        String src = postgres.createDatabase("shr_src");
        String dst = postgres.createDatabase("shr_dst");
        String[] tables = {"CREATE TABLE kv (id int PRIMARY KEY, v text)",
                "CREATE TABLE parts (id int, region int, v text, PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
                "CREATE TABLE parts_1 PARTITION OF parts FOR VALUES IN (1)",
                "CREATE TABLE parts_2 PARTITION OF parts FOR VALUES IN (2)"};
        sql(postgres, src, tables);
        sql(postgres, dst, tables);
        sql(postgres, src, "INSERT INTO kv SELECT g, 'old' || g FROM generate_series(1, 500) g",
                "INSERT INTO parts SELECT g, 1 + g % 2, 'old' FROM generate_series(1, 500) g");
        ConnectRestClient rest = stack.connect().rest();
        rest.deploy("shr-source", sourceConfig(src, "shr", "slot.name", "shr_slot", "tasks.max", "2",
                "heartbeat.interval.ms", "1000", "slot.drop.on.offsets.reset", "true",
                "topic.creation.default.partitions", "2", "topic.creation.default.replication.factor", "1"));
        rest.awaitRunning("shr-source", 2, Duration.ofSeconds(90));
        rest.deploy("shr-sink", sinkConfigInto(dst, "tasks.max", "2", "topics.regex", "shr\\.public\\..*",
                "consumer.override.metadata.max.age.ms", "500", "truncate.enabled", "true"));
        rest.awaitRunning("shr-sink", 2, Duration.ofSeconds(60));
        sql(postgres, src, "UPDATE kv SET v = 'changed' WHERE id % 3 = 0", "DELETE FROM parts WHERE id % 5 = 0");
        awaitEqual(src, dst, "public.kv", "public.parts");

        // While streaming: the old tables' last changes, then new tables with fewer rows and other values.
        sql(postgres, src, "UPDATE kv SET v = 'last' WHERE id < 100", "DROP TABLE kv",
                "CREATE TABLE kv (id int PRIMARY KEY, v text)", "INSERT INTO kv SELECT g, 'new' || g FROM generate_series(1, 200) g",
                "DROP TABLE parts", tables[1], tables[2], tables[3],
                "INSERT INTO parts SELECT g, 1 + g % 2, 'new' FROM generate_series(1, 150) g");
        for (int i = 0; i < 20; i++) {
            sql(postgres, src, "UPDATE kv SET v = 'during " + i + "' WHERE id = " + (1 + i * 7),
                    "INSERT INTO kv VALUES (" + (1000 + i) + ", 'during')", "DELETE FROM parts WHERE id = " + (1 + i * 3));
            Thread.sleep(100);
        }
        awaitEqual(src, dst, "public.kv", "public.parts");
        assertRunning(rest, "shr-source");

        // While stopped: each task finds at its start that its earlier copy no longer holds.
        stop(rest, "shr-source");
        sql(postgres, src, "DROP TABLE kv", "CREATE TABLE kv (id int PRIMARY KEY, v text)",
                "INSERT INTO kv SELECT g, 'third' FROM generate_series(50, 120) g",
                "DROP TABLE parts", tables[1], tables[2], tables[3],
                "INSERT INTO parts SELECT g, 1 + g % 2, 'third' FROM generate_series(40, 90) g");
        assertThat(rest.put("connectors/shr-source/resume", null).ok()).isTrue();
        rest.awaitRunning("shr-source", 2, Duration.ofSeconds(90));
        sql(postgres, src, "UPDATE kv SET v = 'after restart' WHERE id % 2 = 0", "DELETE FROM parts WHERE id % 4 = 0");
        awaitEqual(src, dst, "public.kv", "public.parts");
        assertRunning(rest, "shr-source");

        stop(rest, "shr-source");
        assertThat(rest.delete("connectors/shr-source/offsets").ok()).isTrue();
        rest.remove("shr-source");
        rest.remove("shr-sink");
    }

    /** Stops {@code connector} through the REST API and waits until it is STOPPED. */
    private static void stop(ConnectRestClient rest, String connector) {
        assertThat(rest.put("connectors/" + connector + "/stop", null).ok()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> "STOPPED".equals(rest.status(connector).get("connector").get("state").asText()));
    }

    private static void assertRunning(ConnectRestClient rest, String connector) {
        for (JsonNode task : rest.status(connector).get("tasks")) {
            assertThat(task.get("state").asText()).as(task.toString()).isEqualTo("RUNNING");
        }
    }

    private void awaitEqual(String src, String dst, String... tables) {
        Awaitility.await("destination equal to source").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    for (String table : tables) {
                        assertThat(rows(postgres, dst, table)).as(table).isEqualTo(rows(postgres, src, table));
                    }
                });
    }
}
