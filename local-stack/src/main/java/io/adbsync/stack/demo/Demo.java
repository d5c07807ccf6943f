package io.adbsync.stack.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.postgres.LocalPostgres;
import io.adbsync.stack.registry.AvroConverterSettings;
import io.adbsync.stack.registry.LocalRegistry;
import io.adbsync.stack.verify.SequenceVerifier;
import io.adbsync.stack.verify.TableDiff;
import io.adbsync.stack.verify.Verify;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bin/adbsync demo}: two local PostgreSQL servers, a broker, a schema registry and a Connect worker, both
 * connectors deployed from config/source-avro.json and config/sink-avro.json (or, as JSON, config/source.json and
 * config/sink.json) through the REST API, a live pgbench-style workload, and a progress line until the destination
 * matches the source.
 */
public final class Demo {

    /** How records travel through Kafka. */
    public enum Format {
        /** Avro with the schemas in the local schema registry, Confluent's wire format. */
        AVRO,
        /** JSON with the schema in every record, no registry. */
        JSON
    }

    /** Settings of one demo run. */
    public record Options(int connectPort, int accounts, int workloadSeconds, int transactionsPerSecond,
                          boolean exitWhenMatched, int maxWaitSeconds, Path configDir, Format format, int metricsPort) {

        /** Without a metrics endpoint. */
        public Options(int connectPort, int accounts, int workloadSeconds, int transactionsPerSecond,
                       boolean exitWhenMatched, int maxWaitSeconds, Path configDir, Format format) {
            this(connectPort, accounts, workloadSeconds, transactionsPerSecond, exitWhenMatched, maxWaitSeconds, configDir, format, -1);
        }
    }

    private static final List<TableId> TABLES = List.of(new TableId("public", "branches"), new TableId("public", "tellers"),
            new TableId("public", "accounts"), new TableId("public", "history"), new TableId("public", "all_types"));
    /** {@link #TABLES} as the schema.table names {@link Verify} reads. */
    private static final List<String> TABLE_NAMES = TABLES.stream().map(TableId::toString).toList();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Demo() {
    }

    /** Runs the demo until {@code stop} is counted down (or, with exitWhenMatched, until the destination matches). */
    public static boolean run(Options options, PrintStream out, CountDownLatch stop) throws Exception {
        out.println("Starting two local PostgreSQL servers (source with wal_level=logical)...");
        try (LocalPostgres source = LocalPostgres.launch(Map.of());
             LocalPostgres destination = LocalPostgres.launch(Map.of())) {
            createDatabase(source);
            createDatabase(destination);
            try (Connection c = source.connect("demo")) {
                DemoData.create(c, options.accounts());
            }
            // The sink creates tables but not custom types: those are created at the destination beforehand.
            try (Connection c = destination.connect("demo")) {
                DemoData.createTypes(c);
            }
            out.printf("Source      %s (database demo): %,d accounts, %d branches, %d tellers, 1,000 rows of many types%n",
                    source.jdbcUrl("demo"), options.accounts(), DemoData.BRANCHES, DemoData.TELLERS);
            out.printf("Destination %s (database demo), empty%n", destination.jdbcUrl("demo"));
            boolean avro = options.format() == Format.AVRO;
            out.println(avro ? "Starting a Kafka broker, a schema registry and a Connect worker with the adbsync plugin and an Avro converter..."
                    : "Starting a Kafka broker and a Connect worker with the adbsync plugin...");
            try (LocalStack stack = LocalStack.start(1, options.connectPort(), Map.of(), List.of(), avro)) {
                // Always served (on a free port unless --metrics names one): bin/adbsync status reads the source lag there.
                out.println("Prometheus metrics " + stack.exposeMetrics(Math.max(options.metricsPort(), 0),
                        options.configDir().resolve("monitoring").resolve("jmx-exporter.yml")).url());
                stack.publish();
                ConnectRestClient rest = stack.connect().rest();
                String registryApi = stack.registry().map(LocalRegistry::registryApiUrl).orElse(null);
                stack.registry().ifPresent(r -> out.printf("Schema registry %s (Confluent-compatible API %s)%n", r.url(), r.confluentApiUrl()));
                String sourceName = deploy(rest, options.configDir().resolve(avro ? "source-avro.json" : "source.json"), Map.of(
                        "connection.url", source.jdbcUrl("demo"), "connection.user", source.user(),
                        "topic.prefix", "demo", "slot.name", "adbsync_demo", "publication.name", "adbsync_demo",
                        "table.include.list", "public\\..*", "schema.refresh.interval.ms", "2000"), registryApi);
                String sinkName = deploy(rest, options.configDir().resolve(avro ? "sink-avro.json" : "sink.json"), Map.of(
                        "connection.url", destination.jdbcUrl("demo"), "connection.user", destination.user(),
                        "topics.regex", "demo\\..*", "consumer.override.metadata.max.age.ms", "1000"), registryApi);
                rest.awaitRunning(sourceName, 1, Duration.ofSeconds(120));
                rest.awaitRunning(sinkName, 1, Duration.ofSeconds(120));
                out.printf("Deployed %s and %s through %s%n", sourceName, sinkName, stack.connect().url());
                boolean matched = watch(options, out, stop, source, destination, rest, List.of(sourceName, sinkName));
                if (matched) {
                    printHowToInspect(out, stack, sourceName);
                    if (!options.exitWhenMatched()) {
                        out.println("Ctrl-C stops everything and removes its data.");
                        stop.await();
                    }
                }
                return matched;
            }
        }
    }

    private static void createDatabase(LocalPostgres server) throws SQLException {
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE demo");
        }
    }

    /**
     * Deploys a connector file of the REST API's own format, with {@code overrides} for the local servers; a converter
     * of the file set to Confluent's AvroConverter becomes Apicurio's on the local registry ({@code registryApi}).
     */
    private static String deploy(ConnectRestClient rest, Path file, Map<String, String> overrides, String registryApi)
            throws IOException {
        JsonNode root = JSON.readTree(Files.readString(file));
        Map<String, String> config = new LinkedHashMap<>();
        root.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        // The local servers trust local connections; the file's placeholder password is not needed.
        config.remove("connection.password");
        config.putAll(overrides);
        String name = root.get("name").asText();
        rest.deploy(name, registryApi == null ? config : AvroConverterSettings.replacingConfluentConverters(config, registryApi));
        return name;
    }

    private static boolean watch(Options options, PrintStream out, CountDownLatch stop, LocalPostgres source,
                                 LocalPostgres destination, ConnectRestClient rest, List<String> connectors) throws Exception {
        AtomicBoolean workloadRunning = new AtomicBoolean(true);
        AtomicLong transactions = new AtomicLong();
        Thread workload = new Thread(() -> runWorkload(source, options, workloadRunning, transactions), "demo-workload");
        workload.setDaemon(true);
        workload.start();
        long started = System.currentTimeMillis();
        long lastRecords = 0;
        long lastTick = started;
        while (stop.getCount() > 0) {
            if (stop.await(2, TimeUnit.SECONDS)) {
                break;
            }
            long now = System.currentTimeMillis();
            long records = sourceCounter("source-streaming", "TotalChangeRecords") + sourceCounter("source-snapshot", "RowsDone");
            long done = sourceCounter("source-snapshot", "RowsDone");
            long estimated = Math.max(1, sourceCounter("source-snapshot", "RowsEstimated"));
            long lag = sourceCounter("source-streaming", "MilliSecondsBehindSource");
            long applied = rowCount(destination);
            out.printf("[%4ds] snapshot %3d%% (%,d/%,d rows) | %,6d records/s | lag %s | destination %,d rows | workload %s%n",
                    (now - started) / 1000, Math.min(100, done * 100 / estimated), done, estimated,
                    (records - lastRecords) * 1000 / Math.max(1, now - lastTick), lag < 0 ? "-" : lag + " ms", applied,
                    workloadRunning.get() ? transactions.get() + " transactions so far" : "done (" + transactions.get() + ")");
            lastRecords = records;
            lastTick = now;
            String failure = failure(rest, connectors);
            if (failure != null) {
                out.println("A connector failed, so the destination cannot catch up: " + failure);
                workloadRunning.set(false);
                return false;
            }
            if (options.exitWhenMatched() && now - started > options.maxWaitSeconds() * 1000L) {
                out.println("The destination did not match the source within " + options.maxWaitSeconds() + " s");
                workloadRunning.set(false);
                return false;
            }
            if (!workloadRunning.get() && matches(source, destination)) {
                out.println();
                out.println("The destination matches the source, table by table:");
                // What it prints is what it says: a change applied between the two reads shows, and is waited for.
                if (Verify.run(url(source), url(destination), TABLE_NAMES, 10_000, out).stream().allMatch(TableDiff::equal)) {
                    return true;
                }
                out.println("The destination changed since; waiting until it matches again");
            }
        }
        workloadRunning.set(false);
        return false;
    }

    /** The first line of the trace of a FAILED connector or task, or null when all run. */
    private static String failure(ConnectRestClient rest, List<String> connectors) {
        for (String name : connectors) {
            JsonNode status = rest.status(name);
            List<JsonNode> states = new java.util.ArrayList<>();
            states.add(status.get("connector"));
            status.get("tasks").forEach(states::add);
            for (JsonNode state : states) {
                if ("FAILED".equals(state.get("state").asText())) {
                    return name + ": " + state.path("trace").asText().lines().findFirst().orElse("(no trace)");
                }
            }
        }
        return null;
    }

    private static void runWorkload(LocalPostgres source, Options options, AtomicBoolean running, AtomicLong count) {
        long end = System.currentTimeMillis() + options.workloadSeconds() * 1000L;
        long pauseNanos = 1_000_000_000L / Math.max(1, options.transactionsPerSecond());
        try (Connection c = source.connect("demo")) {
            PreparedStatement[] statements = DemoData.prepare(c);
            while (System.currentTimeMillis() < end) {
                DemoData.transaction(c, statements, options.accounts());
                count.incrementAndGet();
                TimeUnit.NANOSECONDS.sleep(pauseNanos);
            }
        } catch (SQLException e) {
            System.err.println("The demo workload stopped: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.set(false);
        }
    }

    /** Every table equal, and every sequence at or past the source's (the schema channel moves them on its interval). */
    private static boolean matches(LocalPostgres source, LocalPostgres destination) throws SQLException {
        List<TableDiff> diffs = Verify.run(url(source), url(destination), TABLE_NAMES, 10_000, new PrintStream(OutputStream.nullOutputStream()));
        if (!diffs.stream().allMatch(TableDiff::equal)) {
            return false;
        }
        try (Connection s = source.connect("demo"); Connection d = destination.connect("demo")) {
            return SequenceVerifier.compare(s, d, List.of("public")).stream().allMatch(SequenceVerifier.SequenceDiff::ready);
        }
    }

    private static long rowCount(LocalPostgres destination) throws SQLException {
        long total = 0;
        try (Connection c = destination.connect("demo"); Statement s = c.createStatement()) {
            for (TableId table : TABLES) {
                try (PreparedStatement exists = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
                    exists.setString(1, table.toString());
                    try (ResultSet rs = exists.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            continue;
                        }
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table.quoted())) {
                    rs.next();
                    total += rs.getLong(1);
                }
            }
        }
        return total;
    }

    /** Sums an attribute over the source connector's MBeans in this JVM; -1 when none is registered yet. */
    private static long sourceCounter(String type, String attribute) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> names = server.queryNames(new ObjectName("io.adbsync:type=" + type + ",*"), null);
            if (names.isEmpty()) {
                return attribute.equals("MilliSecondsBehindSource") ? -1 : 0;
            }
            long sum = 0;
            for (ObjectName n : names) {
                sum += ((Number) server.getAttribute(n, attribute)).longValue();
            }
            return sum;
        } catch (Exception e) {
            return -1;
        }
    }

    private static String url(LocalPostgres server) {
        return server.jdbcUrl("demo") + "?user=" + server.user();
    }

    private static void printHowToInspect(PrintStream out, LocalStack stack, String sourceName) {
        String rest = stack.connect().url().toString().replaceAll("/$", "");
        out.println();
        out.println("Inspect it while it runs:");
        out.println("  curl -s " + rest + "/connectors?expand=status        # connectors and tasks");
        out.println("  curl -s " + rest + "/connectors/" + sourceName + "/offsets  # committed source offsets (LSNs)");
        out.println("  Kafka bootstrap servers: " + stack.bootstrapServers() + " (topics demo.public.<table>)");
        stack.registry().ifPresent(r -> out.println("  curl -s " + r.confluentApiUrl() + "/subjects  # schemas in the registry"));
        out.println("  bin/adbsync topics; bin/adbsync tail demo.public.accounts -n 3 --pretty  # topics and decoded records");
        out.println("  bin/adbsync status --watch  # connectors, snapshot, lag, slot, dead letters, live");
        stack.metrics().ifPresent(m -> out.println("  curl -s " + m.url() + "  # Prometheus metrics"));
    }
}
