package io.adbsync.it;

import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.stack.postgres.PostgresServer;
import io.adbsync.stack.verify.TableDiff;
import io.adbsync.stack.verify.Verify;
import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Greenplum 7 cluster as the source, read per segment (one task per primary segment, each with its own slot and
 * snapshot chunks), through a real Connect worker into PostgreSQL and into Greenplum, under a concurrent workload with
 * distribution-key updates (rows moving between segments), truncates (decoded on every segment) and writes to a
 * replicated table: both destinations end equal to the source, as {@code bin/adbsync verify} finds them.
 */
class GreenplumSourceIT extends WithLocalStack {

    private static final String TABLES = "public\\.(orders|lines|regions|late)";
    private static PostgresServer gp;
    private static int segments;

    @BeforeAll
    static void cluster() throws SQLException {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        gp = Greenplum.shared();
        segments = Integer.parseInt(scalar(gp, "postgres",
                "SELECT count(*) FROM gp_segment_configuration WHERE content >= 0 AND role = 'p'"));
    }

    @Test
    void aSourceReadPerSegmentEndsEqualInPostgresAndGreenplumUnderLoadWithDistributionKeyUpdates() throws Exception {
        // try-with-resources: a failing clean-up is added to the test's own failure, never hides it.
        try (Pipeline p = new Pipeline("gps")) {
            p.createSource(3_000);
            Workload load = new Workload(p.src, 7);
            load.start();
            p.deploy();
            Thread.sleep(10_000);
            // The workload's pace follows the machine's: on a loaded one, ten seconds may hold a single truncate.
            Awaitility.await("the workload's truncates and distribution-key updates").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> load.truncates.get() > 2 && load.distributionKeyUpdates.get() > 20);
            load.stopAndCheck();
            assertThat(load.distributionKeyUpdates.get()).as("distribution-key updates").isGreaterThan(20);
            assertThat(load.truncates.get()).as("truncates").isGreaterThan(2);
            p.awaitEqual();

            // Each segment's task stored its own offsets, and the heartbeat table reaches every segment.
            JsonNode offsets = rest().offsets("gps-source").get("offsets");
            Set<String> segmentsStored = new TreeSet<>();
            offsets.forEach(o -> {
                if (o.get("partition").has("segment")) {
                    segmentsStored.add(o.get("partition").get("segment").asText());
                }
            });
            assertThat(segmentsStored).hasSize(segments);
            // bin/adbsync status finds the slots where they are: on each segment, each read by its task.
            try (io.adbsync.stack.status.StatusReader status = new io.adbsync.stack.status.StatusReader(rest(),
                    stack.bootstrapServers(), new java.util.Properties(), gp.password() == null ? null : p.sourceUrl(),
                    new io.adbsync.stack.postgres.ClientCredentials(gp.password() == null ? Map.of() : Map.of("PGPASSWORD", gp.password()),
                            java.nio.file.Path.of("/nonexistent")), java.time.Clock.systemUTC())) {
                // Status reads stored offsets, which may trail the destination: awaited.
                Awaitility.await("every copy in the stored offsets").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                            var source = status.read().connectors().stream().filter(c -> c.name().equals("gps-source"))
                                    .findFirst().orElseThrow().source();
                            assertThat(source.databaseProblem()).isNull();
                            assertThat(source.slots()).extracting(slot -> slot.site() + " " + slot.active() + " " + slot.problem())
                                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, segments)
                                            .mapToObj(content -> "segment " + content + " true null").toList());
                            // Distributed tables are copied on every segment, a replicated one (regions) from one of them;
                            // a copy whose last range came back empty (the workload truncates orders and lines) is done too.
                            assertThat(source.tables()).extracting(t -> t.table() + " " + t.partsDone() + "/" + t.parts())
                                    .contains("public.orders " + segments + "/" + segments,
                                            "public.lines " + segments + "/" + segments, "public.regions 1/1");
                        });
            }
            assertThat(scalar(gp, p.src, "SELECT policytype FROM gp_distribution_policy "
                    + "WHERE localoid = 'public.adbsync_heartbeat'::regclass")).isEqualTo("r");
            // With nothing written to the captured tables, the heartbeats still move every segment's slot on.
            List<String> before = confirmedPositions(p.src);
            Awaitility.await("every segment's slot confirmed past " + before).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        List<String> now = confirmedPositions(p.src);
                        for (int i = 0; i < before.size(); i++) {
                            assertThat(Long.parseUnsignedLong(now.get(i)))
                                    .as("segment " + i + "'s slot").isGreaterThan(Long.parseUnsignedLong(before.get(i)));
                        }
                    });
            // Through the schema channel the Greenplum destination distributes as the source does (not by the key).
            for (String table : List.of("orders", "lines", "regions")) {
                String policy = "SELECT pg_get_table_distributedby('public." + table + "'::regclass)";
                assertThat(scalar(gp, p.gpDestination, policy)).as(table).isEqualTo(scalar(gp, p.src, policy));
            }
            assertThat(scalar(gp, p.gpDestination, "SELECT pg_get_table_distributedby('public.lines'::regclass)"))
                    .isEqualTo("DISTRIBUTED BY (a)");
        }
    }

    @Test
    void aTableWrittenByATransactionOpenWhileTheConnectorPublishesItLosesNoLaterChange() throws Exception {
        // Greenplum 7 is PostgreSQL 12 inside, without the fix of May 2025: a transaction that wrote to a table before
        // the table was added to the publication and commits after it is decoded with the older catalog, and the
        // walsender then takes the table for unpublished for as long as it runs. The connector must not publish a
        // table under such a transaction.
        // try-with-resources: a failing clean-up is added to the test's own failure, never hides it.
        try (Pipeline p = new Pipeline("gpw")) {
            p.createSource(300);
            p.deploy();
            p.awaitEqual();
            // Its first rows committed at once: Greenplum analyzes a table's first insert in the inserting transaction
            // (gp_autostats_mode), a lock that would keep the publication change waiting anyway.
            sql(gp, p.src, "CREATE TABLE late (id int PRIMARY KEY, v text) DISTRIBUTED BY (id)",
                    "INSERT INTO late SELECT g, 'first' FROM generate_series(1, 100) g");
            try (Connection writer = DriverManager.getConnection(gp.jdbcUrl(p.src), gp.user(), gp.password())) {
                writer.setAutoCommit(false);
                try (Statement s = writer.createStatement()) {
                    // Rows on every segment, changed before the connector finds the table (it looks every 3 s).
                    s.execute("UPDATE late SET v = 'open'");
                }
                String published = "SELECT count(*) FROM pg_publication_tables WHERE tablename = 'late'";
                // Found in the few ms before the UPDATE (it looks every 3 s), the table was published with no writer
                // open: nothing straddles the change, and only the rest of the test holds.
                boolean straddled = scalar(gp, p.src, published).equals("0");
                // Long enough for the connector to find the table (it looks every 3 s) and try to publish it.
                long until = System.currentTimeMillis() + 8_000;
                while (System.currentTimeMillis() < until && scalar(gp, p.src, published).equals("0")) {
                    Thread.sleep(200);
                }
                if (straddled) {
                    assertThat(scalar(gp, p.src, published)).as("late published while a transaction writing to it is open")
                            .isEqualTo("0");
                }
                writer.commit();
            }
            for (int round = 0; round < 10; round++) {
                sql(gp, p.src, "INSERT INTO late SELECT g, 'after " + round + "' FROM generate_series(101 + 10 * " + round
                                + ", 110 + 10 * " + round + ") g",
                        "UPDATE late SET v = 'changed " + round + "' WHERE id % 10 = " + round,
                        "DELETE FROM late WHERE id = " + (50 + round));
                Thread.sleep(300);
            }
            p.awaitEqual(List.of("public.orders", "public.lines", "public.regions", "public.late"));
        }
    }

    @Test
    void aSegmentRestartedMidStreamLosesNothing() throws Exception {
        Path dataDirectory = Path.of(scalar(gp, "postgres",
                "SELECT datadir FROM gp_segment_configuration WHERE content = " + (segments - 1) + " AND role = 'p'"));
        assumeTrue(Files.isReadable(dataDirectory.resolve("postmaster.pid")),
                () -> "The segment's data directory " + dataDirectory + " is not on this machine: it cannot be restarted here");
        Pipeline p = new Pipeline("gpr");
        try {
            p.createSource(1_000);
            p.deploy();
            p.awaitEqual();
            Workload load = new Workload(p.src, 11);
            load.start();
            Thread.sleep(2_000);
            restart(dataDirectory);
            Thread.sleep(4_000);
            load.stop();
            assertThat(load.committed.get()).as("transactions committed").isGreaterThan(50);
            p.awaitEqual();
        } catch (Throwable failure) {
            // The clean-up's own failure (a segment still down) must not hide why the test failed.
            try {
                p.close();
            } catch (Exception closeFailed) {
                failure.addSuppressed(closeFailed);
            }
            throw failure;
        }
        p.close();
    }

    /**
     * Restarts the segment whose data directory is {@code dataDirectory} as its own OS user, after an immediate stop (a
     * crash, recovered at start): a fast shutdown waits for each logical walsender's client to confirm everything sent,
     * which under load outlasted pg_ctl's wait, and pg_ctl then gave up without starting the segment again.
     */
    private static void restart(Path dataDirectory) throws IOException, InterruptedException {
        String pid = Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).trim();
        Path postgresBinary = Path.of("/proc", pid, "exe").toRealPath();
        String owner = Files.getOwner(dataDirectory).getName();
        String pgCtl = postgresBinary.resolveSibling("pg_ctl").toString();
        List<String> command = List.of("su", owner, "-c", pgCtl + " restart -w -t 60 -m immediate -D " + dataDirectory
                + " -l " + dataDirectory.resolve("restart.log"));
        Process restart = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(restart.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(restart.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(restart.exitValue()).as(output).isZero();
    }

    private static io.adbsync.stack.connect.ConnectRestClient rest() {
        return stack.connect().rest();
    }

    /** A source database on the cluster, the source connector on it, and sinks into PostgreSQL and into Greenplum. */
    private static final class Pipeline implements AutoCloseable {
        final String name;
        final String src;
        final String pgDestination;
        final String gpDestination;

        Pipeline(String name) throws SQLException {
            this.name = name;
            this.src = gp.createDatabase(name + "_src");
            this.pgDestination = postgres.createDatabase(name + "_dst");
            this.gpDestination = gp.createDatabase(name + "_dst");
        }

        void createSource(int rows) throws SQLException {
            sql(gp, src,
                    "CREATE TABLE orders (id int PRIMARY KEY, region int NOT NULL, note text, amount numeric(12,2)) "
                            + "DISTRIBUTED BY (id)",
                    // The key holds the distribution key a: updating a moves the row to another segment.
                    "CREATE TABLE lines (a int, b int, v text, PRIMARY KEY (a, b)) DISTRIBUTED BY (a)",
                    "CREATE TABLE regions (id int PRIMARY KEY, name text) DISTRIBUTED REPLICATED",
                    "INSERT INTO orders SELECT g, g % 13, 'o' || g, g * 1.25 FROM generate_series(1, " + rows + ") g",
                    "INSERT INTO lines SELECT g % 500, g, repeat('l', g % 40) FROM generate_series(1, " + rows + ") g",
                    "INSERT INTO regions SELECT g, 'r' || g FROM generate_series(0, 12) g");
        }

        String sourceUrl() {
            return gp.jdbcUrl(src);
        }

        void deploy() {
            Map<String, String> source = new HashMap<>();
            source.put("connector.class", SOURCE);
            source.put("tasks.max", Integer.toString(segments));
            source.put("connection.url", gp.jdbcUrl(src));
            source.put("connection.user", gp.user());
            if (gp.password() != null) {
                source.put("connection.password", gp.password());
            }
            source.put("topic.prefix", name);
            // Slots are named per instance: the database's unique name keeps runs apart.
            source.put("slot.name", src);
            source.put("table.include.list", TABLES);
            source.put("snapshot.chunk.rows", "400");
            source.put("heartbeat.interval.ms", "1000");
            rest().deploy(name + "-source", source);
            Map<String, String> toPostgres = sinkConfigInto(pgDestination, "topics.regex", name + "\\.public\\..*",
                    "auto.create", "true", "insert.mode", "upsert", "delete.enabled", "true", "truncate.enabled", "true",
                    "table.name.format", "${schema}.${table}", "consumer.override.metadata.max.age.ms", "1000");
            rest().deploy(name + "-pg", toPostgres);
            Map<String, String> toGreenplum = new HashMap<>(toPostgres);
            toGreenplum.put("connection.url", gp.jdbcUrl(gpDestination));
            toGreenplum.put("connection.user", gp.user());
            toGreenplum.remove("connection.password");
            if (gp.password() != null) {
                toGreenplum.put("connection.password", gp.password());
            }
            // The Greenplum destination is built by the schema channel: the source's distribution policies are kept.
            toGreenplum.put("schema.sync", "all");
            toGreenplum.put("topics.regex", name + "\\..*");
            rest().deploy(name + "-gp", toGreenplum);
            rest().awaitRunning(name + "-source", segments, Duration.ofSeconds(60));
            rest().awaitRunning(name + "-pg", 1, Duration.ofSeconds(60));
            rest().awaitRunning(name + "-gp", 1, Duration.ofSeconds(60));
        }

        /** Waits until verify finds both destinations equal to the source, table by table. */
        void awaitEqual() {
            awaitEqual(List.of("public.orders", "public.lines", "public.regions"));
        }

        void awaitEqual(List<String> tables) {
            for (PostgresServer server : List.of(postgres, gp)) {
                String destination = server == gp ? gpDestination : pgDestination;
                StringBuilder last = new StringBuilder();
                Awaitility.await("destination " + destination + " equals the source").atMost(Duration.ofSeconds(180))
                        .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                            for (String connector : List.of(name + "-source", name + "-pg", name + "-gp")) {
                                rest().checkNotFailed(connector);
                            }
                            ByteArrayOutputStream report = new ByteArrayOutputStream();
                            List<TableDiff> diffs = Verify.run(urlWithUser(gp, src), urlWithUser(server, destination),
                                    tables, 500, new PrintStream(report, true, StandardCharsets.UTF_8));
                            last.setLength(0);
                            last.append(report.toString(StandardCharsets.UTF_8));
                            assertThat(diffs).as(last.toString()).hasSize(tables.size())
                                    .allSatisfy(d -> assertThat(d.equal()).isTrue());
                        });
            }
        }

        @Override
        public void close() throws SQLException {
            for (String connector : List.of(name + "-source", name + "-pg", name + "-gp")) {
                if (rest().get("connectors/" + connector).ok()) {
                    rest().remove(connector);
                }
            }
            dropSlots(src);
            gp.dropDatabase(src);
            gp.dropDatabase(gpDestination);
            postgres.dropDatabase(pgDestination);
        }
    }

    /** The confirmed position of slot {@code slot} (named like its database) on each segment, as a number. */
    private static List<String> confirmedPositions(String slot) throws SQLException {
        List<String> positions = new ArrayList<>();
        for (String[] segment : segmentAddresses()) {
            String url = utilityUrl(segment, slot);
            try (Connection c = DriverManager.getConnection(url, gp.user(), gp.password());
                 var ps = c.prepareStatement("SELECT (confirmed_flush_lsn - '0/0')::text FROM pg_replication_slots "
                         + "WHERE slot_name = ?")) {
                ps.setString(1, slot);
                try (var rs = ps.executeQuery()) {
                    assertThat(rs.next()).as("slot " + slot + " on " + segment[0] + ":" + segment[1]).isTrue();
                    positions.add(rs.getString(1));
                }
            }
        }
        return positions;
    }

    /** Drops slot {@code slot} on every segment once no task reads it: a slot keeps its database from being dropped. */
    private static void dropSlots(String slot) {
        java.util.concurrent.atomic.AtomicReference<SQLException> last = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            Awaitility.await("slots " + slot + " dropped").atMost(Duration.ofSeconds(60)).until(() -> {
                try {
                    for (String[] segment : segmentAddresses()) {
                        String url = utilityUrl(segment, slot);
                        try (Connection c = DriverManager.getConnection(url, gp.user(), gp.password());
                             Statement s = c.createStatement()) {
                            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                    + "WHERE slot_name = '" + slot + "'");
                        }
                    }
                    return true;
                } catch (SQLException e) {
                    last.set(e);
                    return false;
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("slot " + slot + " not dropped 60 s after its connector was removed (last: "
                    + (last.get() == null ? null : last.get().getMessage()) + "); read by: " + slotHolders(slot)
                    + "; task threads of the worker: " + taskThreads(slot), e);
        }
    }

    /** Who reads slot {@code slot} on each segment, for a failure message. */
    private static String slotHolders(String slot) {
        List<String> holders = new ArrayList<>();
        try {
            for (String[] segment : segmentAddresses()) {
                String url = utilityUrl(segment, "postgres");
                try (Connection c = DriverManager.getConnection(url, gp.user(), gp.password());
                     var ps = c.prepareStatement("SELECT s.active_pid, a.state, a.wait_event_type, a.wait_event, "
                             + "a.backend_start, a.client_port FROM pg_replication_slots s LEFT JOIN pg_stat_activity a "
                             + "ON a.pid = s.active_pid WHERE s.slot_name = ?")) {
                    ps.setString(1, slot);
                    try (var rs = ps.executeQuery()) {
                        while (rs.next()) {
                            holders.add(segment[1] + ": pid " + rs.getString(1) + " " + rs.getString(2) + " waiting "
                                    + rs.getString(3) + "/" + rs.getString(4) + " since " + rs.getString(5)
                                    + " client port " + rs.getString(6));
                        }
                    }
                }
            }
        } catch (SQLException e) {
            holders.add("(" + e.getMessage() + ")");
        }
        return holders.toString();
    }

    /** The stacks of the worker's threads running tasks of the connector named like {@code slot}'s pipeline. */
    private static String taskThreads(String slot) {
        String prefix = slot.substring(0, slot.indexOf('_'));
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().contains(prefix + "-source")) {
                out.append("\n").append(thread.getName()).append(' ').append(thread.getState());
                for (StackTraceElement frame : stack) {
                    out.append("\n    at ").append(frame);
                }
            }
        });
        return out.length() == 0 ? "none" : out.toString();
    }

    /** A session on one segment by itself ({address, port}), in utility mode, to {@code database}. */
    private static String utilityUrl(String[] segment, String database) {
        return "jdbc:postgresql://" + segment[0] + ":" + segment[1] + "/" + database + "?options=-c%20gp_role%3Dutility";
    }

    private static List<String[]> segmentAddresses() throws SQLException {
        List<String[]> addresses = new ArrayList<>();
        for (String address : scalar(gp, "postgres", "SELECT string_agg(address || ':' || port, ',') "
                + "FROM gp_segment_configuration WHERE content >= 0 AND role = 'p'").split(",")) {
            addresses.add(address.split(":"));
        }
        return addresses;
    }

    private static String urlWithUser(PostgresServer server, String database) {
        return server.jdbcUrl(database) + "?user=" + server.user()
                + (server.password() == null ? "" : "&password=" + server.password());
    }

    /**
     * Random transactions on the source until stopped: inserts, updates and deletes of orders, distribution-key updates
     * of lines (each moves a row to the segment its new key hashes to), and writes to the replicated table. A
     * transaction that fails (a segment restarting) is left as the server left it: the check is the final state.
     */
    private static final class Workload {
        final AtomicInteger committed = new AtomicInteger();
        final AtomicInteger distributionKeyUpdates = new AtomicInteger();
        final AtomicInteger truncates = new AtomicInteger();
        private final String db;
        private final Random random;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private Future<?> done;

        Workload(String db, long seed) {
            this.db = db;
            this.random = new Random(seed);
        }

        void start() {
            done = thread.submit(() -> {
                int next = 1_000_000;
                while (running.get()) {
                    try (Connection c = gp.connect(db)) {
                        c.setAutoCommit(false);
                        while (running.get()) {
                            try (Statement s = c.createStatement()) {
                                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                                    next = step(s, next);
                                }
                                c.commit();
                                committed.incrementAndGet();
                            }
                        }
                    } catch (SQLException e) {
                        // A segment restarting aborts the transaction; the next one opens a new session.
                        sleepQuietly();
                    }
                }
                return null;
            });
        }

        private int step(Statement s, int next) throws SQLException {
            int id = 1 + random.nextInt(3_000);
            if (random.nextInt(200) == 0) {
                // Decoded on every segment; the rows inserted after it in the same transaction land on all of them.
                String table = random.nextBoolean() ? "orders" : "lines";
                s.execute("TRUNCATE " + table);
                s.execute(table.equals("orders")
                        ? "INSERT INTO orders SELECT g, g % 13, 'refilled', 2 FROM generate_series(1, 300) g"
                        : "INSERT INTO lines SELECT g % 500, " + next + " + g, 'refilled' FROM generate_series(1, 300) g");
                truncates.incrementAndGet();
                return next + 301;
            }
            switch (random.nextInt(8)) {
                case 0 -> s.execute("INSERT INTO orders VALUES (" + next++ + ", " + random.nextInt(13) + ", 'new', 1.5)");
                case 1 -> s.execute("UPDATE orders SET note = note || '+', amount = amount + 1 WHERE id = " + id);
                case 2 -> s.execute("DELETE FROM orders WHERE id = " + id);
                case 3, 4 -> {
                    int a = random.nextInt(500);
                    // Moves the lines of key a to key a + 500..999 (another hash, mostly another segment), or back.
                    int moved = s.executeUpdate("UPDATE lines SET a = CASE WHEN a < 500 THEN a + 500 ELSE a - 500 END, "
                            + "v = v || 'm' WHERE a IN (" + a + ", " + (a + 500) + ")");
                    if (moved > 0) {
                        distributionKeyUpdates.incrementAndGet();
                    }
                }
                case 5 -> s.execute("DELETE FROM lines WHERE a = " + random.nextInt(1_000) + " AND b % 3 = 0");
                case 6 -> s.execute("UPDATE regions SET name = name || '*' WHERE id = " + random.nextInt(13));
                default -> s.execute("INSERT INTO lines VALUES (" + random.nextInt(1_000) + ", " + next++ + ", 'n')");
            }
            return next;
        }

        void stop() throws Exception {
            running.set(false);
            done.get(60, TimeUnit.SECONDS);
            thread.shutdown();
        }

        /** Stops, and fails the test if the workload itself could not commit (a broken test, not a broken connector). */
        void stopAndCheck() throws Exception {
            stop();
            assertThat(committed.get()).as("transactions committed").isGreaterThan(50);
        }

        private static void sleepQuietly() {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
