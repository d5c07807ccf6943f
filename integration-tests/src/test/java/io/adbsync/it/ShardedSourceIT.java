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

        // A table dropped and created again would need its new copy to start with a truncate sent once for all shards:
        // not built, so the tasks stop saying so rather than have one shard's truncate empty the others' rows.
        sql(postgres, src, "DROP TABLE pairs", "CREATE TABLE pairs (region text, id int, v text, PRIMARY KEY (region, id))",
                "INSERT INTO pairs VALUES ('x', 1, 'again')");
        String trace = Awaitility.await("a task FAILED").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    for (JsonNode task : rest.status("sh-source").get("tasks")) {
                        if ("FAILED".equals(task.get("state").asText())) {
                            return task.get("trace").asText();
                        }
                    }
                    return null;
                }, t -> t != null);
        assertThat(trace).contains("Table public.pairs", "Read by several tasks split by key (tasks.max above 1)",
                "slot.drop.on.offsets.reset=true so the key shards' slots go too");

        // Removing the connector for good: offsets deleted, every shard's slot dropped with them.
        assertThat(rest.put("connectors/sh-source/stop", null).ok()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> "STOPPED".equals(rest.status("sh-source").get("connector").get("state").asText()));
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

        assertThat(rest.put("connectors/sht-source/stop", null).ok()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> "STOPPED".equals(rest.status("sht-source").get("connector").get("state").asText()));
        assertThat(rest.delete("connectors/sht-source/offsets").ok()).isTrue();
        rest.remove("sht-source");
        rest.remove("sht-sink");
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
