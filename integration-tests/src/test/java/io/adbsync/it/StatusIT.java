package io.adbsync.it;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.stack.postgres.ClientCredentials;
import io.adbsync.stack.status.StatusCommand;
import io.adbsync.stack.status.StatusReader;
import io.adbsync.stack.status.StatusSample;
import io.adbsync.stack.status.StatusScreen;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/adbsync status} against a live pipeline on the local stack: a snapshot seen part way and then done, the
 * slot streaming, the sink's lag falling to 0, a refused row counted in the dead-letter queue, and a failed task
 * shown with its reason (and the exit code saying so).
 */
class StatusIT extends WithLocalStack {

    @Test
    void showsTheSnapshotTheSlotTheSinkLagDeadLettersAndAFailedTask() throws Exception {
        String src = postgres.createDatabase("st_src");
        String dst = postgres.createDatabase("st_dst");
        sql(postgres, src, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)",
                "INSERT INTO accounts SELECT g, g FROM generate_series(1, 3000) g",
                "CREATE TABLE branches (id int PRIMARY KEY, name text)", "INSERT INTO branches VALUES (1, 'one')",
                // Partitioned: copied leaf by leaf, shown as one table of two parts.
                "CREATE TABLE sales (id int, region int, PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
                "CREATE TABLE sales_1 PARTITION OF sales FOR VALUES IN (1)", "CREATE TABLE sales_2 PARTITION OF sales FOR VALUES IN (2)",
                "INSERT INTO sales SELECT g, 1 + g % 2 FROM generate_series(1, 100) g",
                "ANALYZE accounts", "ANALYZE branches", "ANALYZE sales_1", "ANALYZE sales_2");
        // A row the destination refuses (its CHECK) goes to the dead-letter queue.
        sql(postgres, dst, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0))");
        // A slow snapshot (about ten chunks at ~300 rows/s), so that status sees it part way.
        deployPair(src, dst, "st", Map.of("snapshot.mode", "initial", "heartbeat.interval.ms", "1000",
                        "snapshot.chunk.rows", "300", "snapshot.max.rows.per.second", "300"),
                Map.of("errors.tolerance", "all", "errors.deadletterqueue.topic.name", "st-dlq",
                        "errors.deadletterqueue.topic.replication.factor", "1"));

        try (StatusReader reader = reader()) {
            AtomicReference<StatusSample.TableCopy> partWay = new AtomicReference<>();
            Awaitility.await("the copy of accounts seen part way").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        StatusSample.TableCopy copy = table(reader.read(), "st-source", "public.accounts");
                        // Started and not yet done, with at least one chunk stored (the first read may come before it).
                        if (copy.single().isPresent() && !copy.single().get().done() && copy.single().get().chunksDone() > 0) {
                            partWay.set(copy);
                            return true;
                        }
                        return false;
                    });
            SnapshotProgress progress = partWay.get().single().orElseThrow();
            assertThat(progress.chunks()).isGreaterThanOrEqualTo(5);
            assertThat(progress.chunksDone()).isBetween(1L, progress.chunks() - 1);
            assertThat(partWay.get().estimatedRows()).isEqualTo(3000);

            Awaitility.await("destination equals source").atMost(Duration.ofSeconds(90))
                    .untilAsserted(() -> assertThat(rows(postgres, dst, "public.accounts")).isEqualTo(rows(postgres, src, "public.accounts")));
            sql(postgres, src, "INSERT INTO accounts VALUES (-1, -100)", "UPDATE branches SET name = 'first'");
            Awaitility.await("the status of an idle pipeline").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        StatusSample sample = reader.read();
                        StatusSample.Connector source = connector(sample, "st-source");
                        assertThat(source.state()).isEqualTo("RUNNING");
                        assertThat(source.source().databaseProblem()).isNull();
                        assertThat(source.source().slots()).singleElement().satisfies(slot -> {
                            assertThat(slot.active()).isTrue();
                            assertThat(slot.retainedWalBytes()).isPositive();
                        });
                        assertThat(source.source().tables()).extracting(t -> t.table() + " " + t.partsDone() + "/" + t.parts()
                                + (t.copyAgain() ? " again" : "")).containsExactly("public.accounts 1/1", "public.branches 1/1",
                                "public.sales 2/2");
                        StatusSample.Sink sink = connector(sample, "st-sink").sink();
                        assertThat(sink.deadLetterRecords()).isEqualTo(1);
                        assertThat(sink.partitions()).extracting(p -> p.topic() + "/" + p.partition() + " lag " + p.lag())
                                .contains("st.public.accounts/0 lag 0", "st.public.branches/0 lag 0");
                        assertThat(sink.partitions()).allSatisfy(p -> assertThat(p.lag()).isZero());
                    });
        }

        // The command as a user runs it: one screen, exit code 0 while everything runs.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = StatusCommand.run(options(false), new PrintStream(out, true, StandardCharsets.UTF_8), () -> false);
        String screen = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(screen).isZero();
        assertThat(screen).contains("st-source", "st-sink", "slot st_slot: streaming", "dead letters 1 in st-dlq", "walsender's view")
                .containsPattern("public\\.accounts +3,000 +done").containsPattern("public\\.sales +100 +done \\(2/2 parts done\\)");

        // Without Kafka's address the lag is unknown, not 0.
        try (StatusReader blind = new StatusReader(stack.connect().rest(), null, new Properties(), null, credentials(), Clock.systemUTC())) {
            String unknown = StatusScreen.render(blind.read(), null, "x");
            assertThat(unknown).contains("SINK st-sink · lag ? records", "Kafka not read (give --bootstrap-servers)",
                    "dead letters ? in st-dlq");
        }

        // --watch redraws in place and measures rates between screens.
        // A workload while it watches, so that both rates have something to measure.
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread workload = new Thread(() -> {
            for (int round = 0; writing.get(); round++) {
                try {
                    sql(postgres, src, "UPDATE accounts SET balance = balance + 1 WHERE id % 10 = " + round % 10 + " AND id > 0");
                    Thread.sleep(200);
                } catch (Exception e) {
                    return;
                }
            }
        });
        workload.start();
        // With the worker's metrics endpoint (always served by bin/adbsync stack and demo) the source lag is the tasks'.
        URI metrics = stack.exposeMetrics(0, Path.of("..", "config", "monitoring", "jmx-exporter.yml").toAbsolutePath().normalize()).url();
        ByteArrayOutputStream watched = new ByteArrayOutputStream();
        StatusCommand.run(options(true, metrics), new PrintStream(watched, true, StandardCharsets.UTF_8),
                () -> watched.toString(StandardCharsets.UTF_8).split("\033\\[H\033\\[2J", -1).length > 3);
        writing.set(false);
        workload.join();
        String screens = watched.toString(StandardCharsets.UTF_8);
        assertThat(screens.split("\033\\[H\033\\[2J", -1)).hasSize(4);
        assertThat(screens).containsPattern("SOURCE st-source → topics st\\.\\* · lag [0-9,]+ ms · [1-9][0-9,]* records/s produced")
                .containsPattern("[1-9][0-9,]* records/s applied");

        // A sink the destination refuses without a dead-letter queue fails; status says which task and why.
        String strict = postgres.createDatabase("st_strict");
        sql(postgres, strict, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0))");
        stack.connect().rest().deploy("st-strict", sinkConfigInto(strict, "tasks.max", "1", "topics", "st.public.accounts"));
        Awaitility.await("the strict sink's task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    ByteArrayOutputStream failed = new ByteArrayOutputStream();
                    int exit = StatusCommand.run(options(false), new PrintStream(failed, true, StandardCharsets.UTF_8), () -> false);
                    String text = failed.toString(StandardCharsets.UTF_8);
                    assertThat(text).containsPattern("task 0 +FAILED +on \\S+ .*accounts_balance_check");
                    assertThat(exit).as(text).isEqualTo(1);
                });
        stack.connect().rest().remove("st-strict");
        stack.connect().rest().remove("st-sink");
        stack.connect().rest().remove("st-source");
    }

    private static StatusReader reader() {
        return new StatusReader(stack.connect().rest(), stack.bootstrapServers(), new Properties(), null, credentials(), Clock.systemUTC());
    }

    /** The test server's password, if it has one, in a password file: status sends PGPASSWORD only to --source-url. */
    private static ClientCredentials credentials() {
        Map<String, String> env = new HashMap<>();
        if (postgres.password() != null) {
            try {
                Path file = Files.createTempFile("status-pgpass", "");
                Files.writeString(file, "*:*:*:*:" + postgres.password() + "\n");
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                file.toFile().deleteOnExit();
                env.put("PGPASSFILE", file.toString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return new ClientCredentials(env, Path.of("/nonexistent"));
    }

    private static StatusCommand.Options options(boolean watch) {
        return options(watch, null);
    }

    private static StatusCommand.Options options(boolean watch, URI metrics) {
        return new StatusCommand.Options(URI.create(stack.connect().url().toString()), stack.bootstrapServers(), new Properties(),
                null, credentials(), metrics, watch, Duration.ofSeconds(1), true);
    }

    private static StatusSample.Connector connector(StatusSample sample, String name) {
        return sample.connectors().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no connector " + name + " in " + sample));
    }

    private static StatusSample.TableCopy table(StatusSample sample, String connector, String table) {
        return connector(sample, connector).source().tables().stream().filter(t -> t.table().equals(table)).findFirst()
                .orElseThrow(() -> new AssertionError("no table " + table + " in " + sample));
    }
}
