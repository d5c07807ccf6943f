package io.adbsync.it;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.connect.LoneWorker;
import io.adbsync.stack.postgres.LocalPostgres;
import io.adbsync.stack.verify.TableDiff;
import io.adbsync.stack.verify.Verify;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole pipeline under faults: worker processes killed outright (SIGKILL) mid-snapshot and mid-stream, and
 * source and destination servers killed and restarted; each time the destination must end equal to the source. The
 * worker kills and the server restarts run with the source split by key among four tasks.
 */
class PipelineFaultIT {

    private static final List<String> TABLES = List.of("public.accounts", "public.history");
    /** Rows of accounts: twenty chunks of snapshot.chunk.rows, enough for a copy to be under way at each fault. */
    private static final int ROWS = 40_000;
    private LocalPostgres source;
    private LocalPostgres destination;
    private LocalStack stack;
    private final List<Process> workers = new ArrayList<>();
    private long started;

    /** One line per phase with the seconds since the test began: where a slow run spent its time. */
    private void phase(String what) {
        System.out.printf("PipelineFaultIT %5.1f s: %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    @BeforeEach
    void start() throws SQLException {
        started = System.nanoTime();
        assumeTrue(LocalPostgres.available(), "fault tests start and kill PostgreSQL from the machine's binaries");
        source = LocalPostgres.launch(Map.of());
        destination = LocalPostgres.launch(Map.of());
        for (LocalPostgres server : List.of(source, destination)) {
            sql(server, "postgres", "CREATE DATABASE app");
        }
        sql(source, "app", "CREATE TABLE accounts (aid int PRIMARY KEY, abalance bigint NOT NULL, filler text)",
                "CREATE TABLE history (hid bigserial PRIMARY KEY, aid int, delta int)",
                "INSERT INTO accounts SELECT g, 0, repeat('f', 80) FROM generate_series(1, " + ROWS + ") g", "ANALYZE");
        stack = LocalStack.start(0);
        phase("servers, broker and source rows ready");
    }

    @AfterEach
    void stop() {
        workers.forEach(Process::destroyForcibly);
        if (stack != null) {
            stack.close();
        }
        if (source != null) {
            source.close();
        }
        if (destination != null) {
            destination.close();
        }
    }

    /** Starts a Connect worker in its own JVM and waits until its REST API answers. */
    private ConnectRestClient startWorkerProcess() throws Exception {
        LoneWorker.Started worker = LoneWorker.start(stack.bootstrapServers(), stack.pluginPath());
        workers.add(worker.process());
        phase("worker " + workers.size() + " ready");
        return worker.rest();
    }

    /** Source tasks of the faults run split by key ({@code tasks.max=4}, topics of three partitions). */
    private static final int SHARDS = 4;

    /**
     * With {@code sourceTasks} above 1 the source is split by key among them, into topics of three partitions;
     * {@code paced}: the copy reads at most 4,000 rows a second per task, so that it is still under way (ten seconds at
     * least) when a fault is struck once the destination has an eighth of the rows.
     */
    private void deployPipeline(ConnectRestClient rest, int sinkTasks, int sourceTasks, boolean paced) {
        Map<String, String> sourceConfig = new HashMap<>(Map.of(
                "connector.class", "io.adbsync.source.AdbPgSourceConnector",
                "connection.url", source.jdbcUrl("app"), "connection.user", source.user(),
                "topic.prefix", "app", "slot.name", "adbsync_app", "snapshot.chunk.rows", String.valueOf(ROWS / 20),
                "heartbeat.interval.ms", "1000"));
        sourceConfig.put("tasks.max", String.valueOf(sourceTasks));
        if (paced) {
            sourceConfig.put("snapshot.max.rows.per.second", "4000");
        }
        if (sourceTasks > 1) {
            sourceConfig.put("topic.creation.default.partitions", "3");
            sourceConfig.put("topic.creation.default.replication.factor", "1");
        }
        Map<String, String> sinkConfig = new HashMap<>(Map.of(
                "connector.class", "io.adbsync.sink.AdbPgSinkConnector",
                "connection.url", destination.jdbcUrl("app"), "connection.user", destination.user(),
                // The data topics and the schema topic: definitions and sequence positions go through the faults too.
                "topics.regex", "app\\..*", "schema.sync", "all", "consumer.override.metadata.max.age.ms", "1000",
                "retry.backoff.ms", "200", "tasks.max", String.valueOf(sinkTasks)));
        rest.deploy("source", sourceConfig);
        rest.deploy("sink", sinkConfig);
    }

    private Thread workload(AtomicBoolean running) {
        Thread t = new Thread(() -> {
            while (running.get()) {
                try (Connection c = source.connect("app"); Statement s = c.createStatement()) {
                    while (running.get()) {
                        int aid = ThreadLocalRandom.current().nextInt(1, ROWS + 1);
                        int delta = ThreadLocalRandom.current().nextInt(-500, 500);
                        s.execute("BEGIN; UPDATE accounts SET abalance = abalance + " + delta + " WHERE aid = " + aid
                                + "; INSERT INTO history (aid, delta) VALUES (" + aid + ", " + delta + "); COMMIT");
                        Thread.sleep(5);
                    }
                } catch (SQLException e) {
                    // The source is being restarted: reconnect and go on.
                    sleepQuietly();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fault-workload");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long destinationRows() {
        try (Connection c = destination.connect("app"); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM accounts")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return 0;
        }
    }

    /** Whether every destination sequence of the replicated schema is at or past the source's (history's hid). */
    private boolean sequencesInStep() throws SQLException {
        try (Connection src = source.connect("app"); Connection dst = destination.connect("app")) {
            List<io.adbsync.stack.verify.SequenceVerifier.SequenceDiff> diffs =
                    io.adbsync.stack.verify.SequenceVerifier.compare(src, dst, List.of("public"));
            return !diffs.isEmpty() && diffs.stream().allMatch(io.adbsync.stack.verify.SequenceVerifier.SequenceDiff::ready);
        }
    }

    private void awaitEqual() {
        String src = source.jdbcUrl("app") + "?user=" + source.user();
        String dst = destination.jdbcUrl("app") + "?user=" + destination.user();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        phase("awaiting the destination equal to the source");
        try {
            // Generous: after a worker is killed, Connect waits out the session timeout and the scheduled rebalance
            // delay before the surviving worker restarts the tasks, and on two cores shared by three worker JVMs, a
            // broker and two servers that has taken over four minutes in a full suite run.
            // Equal for a while, not at one moment: records still on their way (another partition, another task) could
            // put an older state back after the tables were equal once.
            Awaitility.await("destination equal to source").atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(2))
                    .during(Duration.ofSeconds(5)).ignoreExceptions()
                    .until(() -> Verify.run(src, dst, TABLES, 20_000, quiet).stream().allMatch(TableDiff::equal)
                            && sequencesInStep());
            phase("destination equal to the source");
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Say what differs, so a failure tells lost rows from a pipeline that is only slow.
            java.io.ByteArrayOutputStream report = new java.io.ByteArrayOutputStream();
            try {
                Verify.run(src, dst, TABLES, 20_000, new PrintStream(report, true, java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.sql.SQLException verifyFailed) {
                e.addSuppressed(verifyFailed);
            }
            try (Connection srcDb = source.connect("app"); Connection dstDb = destination.connect("app")) {
                io.adbsync.stack.verify.SequenceVerifier.compare(srcDb, dstDb, List.of("public"))
                        .forEach(d -> report.writeBytes((d.describe() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            } catch (SQLException sequencesFailed) {
                e.addSuppressed(sequencesFailed);
            }
            throw new AssertionError("Destination still differs from the source after 8 minutes:\n"
                    + report.toString(java.nio.charset.StandardCharsets.UTF_8), e);
        }
    }

    @Test
    void killedWorkerProcessesMidSnapshotAndMidStreamLoseNothing() throws Exception {
        ConnectRestClient first = startWorkerProcess();
        // A second worker, so that the tasks have somewhere to go when the first is killed.
        startWorkerProcess();
        deployPipeline(first, 1, SHARDS, true);
        first.awaitRunning("source", SHARDS, Duration.ofSeconds(90));
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = workload(running);

        // Mid-snapshot: some rows are at the destination, not all.
        Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> destinationRows() > ROWS / 8);
        long applied = destinationRows();
        phase("killing worker 1 mid-snapshot, " + applied + " rows applied");
        assertThat(applied).as("rows applied when worker 1 is killed").isLessThan(ROWS);
        workers.get(0).destroyForcibly().waitFor();
        ConnectRestClient third = startWorkerProcess();
        // Mid-stream: the snapshot is over, changes keep coming.
        Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> destinationRows() == ROWS);
        phase("snapshot applied; killing worker 2 mid-stream");
        Thread.sleep(2000);
        workers.get(1).destroyForcibly().waitFor();
        Thread.sleep(3000);
        running.set(false);
        load.join();
        third.awaitRunning("source", SHARDS, Duration.ofMinutes(2));
        third.awaitRunning("sink", 1, Duration.ofMinutes(2));
        phase("tasks running on worker 3");
        awaitEqual();
    }

    @Test
    void rebalancesAcrossThreeWorkersLoseNothing() throws Exception {
        ConnectRestClient first = startWorkerProcess();
        deployPipeline(first, 3, 1, true);
        first.awaitRunning("source", 1, Duration.ofSeconds(90));
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = workload(running);
        Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> destinationRows() > ROWS / 8);
        // Two workers join (tasks spread over three), then one leaves cleanly (SIGTERM): two more rebalances.
        startWorkerProcess();
        startWorkerProcess();
        Awaitility.await("tasks spread over the workers").atMost(Duration.ofMinutes(2)).until(() -> workersRunningTasks(first) >= 2);
        phase("tasks spread over the workers");
        workers.get(1).destroy();
        workers.get(1).waitFor();
        Thread.sleep(3000);
        running.set(false);
        load.join();
        first.awaitRunning("sink", 3, Duration.ofMinutes(2));
        awaitEqual();
    }

    private static long workersRunningTasks(ConnectRestClient rest) {
        java.util.Set<String> hosts = new java.util.HashSet<>();
        for (String name : List.of("source", "sink")) {
            rest.status(name).get("tasks").forEach(t -> {
                if ("RUNNING".equals(t.get("state").asText())) {
                    hosts.add(t.get("worker_id").asText());
                }
            });
        }
        return hosts.size();
    }

    /** Deploys the pipeline through {@code rest}, starts the workload and waits until every snapshot row is applied. */
    private Thread runUntilSnapshotApplied(ConnectRestClient rest, AtomicBoolean running, int sourceTasks) {
        deployPipeline(rest, 1, sourceTasks, false);
        rest.awaitRunning("source", sourceTasks, Duration.ofSeconds(90));
        Thread load = workload(running);
        Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> destinationRows() == ROWS);
        phase("snapshot applied");
        return load;
    }

    @Test
    void aBrokerRestartMidStreamLosesNothing() throws Exception {
        ConnectRestClient rest = startWorkerProcess();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = runUntilSnapshotApplied(rest, running, 1);
        stack.restartBroker(Duration.ofSeconds(3));
        Thread.sleep(3000);
        running.set(false);
        load.join();
        awaitEqual();
        rest.awaitRunning("source", 1, Duration.ofMinutes(2));
        rest.awaitRunning("sink", 1, Duration.ofMinutes(2));
    }

    @Test
    void sourceAndDestinationServersKilledAndRestartedLoseNothing() throws Exception {
        ConnectRestClient rest = startWorkerProcess();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = runUntilSnapshotApplied(rest, running, SHARDS);
        source.stop(true);
        Thread.sleep(2000);
        source.start();
        Thread.sleep(3000);
        destination.stop(true);
        Thread.sleep(2000);
        destination.start();
        Thread.sleep(3000);
        running.set(false);
        load.join();
        awaitEqual();
        assertThat(rest.status("source").get("tasks")).hasSize(SHARDS)
                .allSatisfy(task -> assertThat(task.get("state").asText()).isEqualTo("RUNNING"));
        assertThat(rest.status("sink").get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
    }
}
