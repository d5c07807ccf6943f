package io.adbsync.stack.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.postgres.PostgresServer;
import io.adbsync.stack.verify.TableDiff;
import io.adbsync.stack.verify.TableVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs one seed end to end: creates the generated tables at the source, deploys both connectors through the REST
 * API, runs the workload with faults while the snapshot and then the stream run, and waits until {@code verify}
 * finds the destination equal to the source (or a connector fails, or the time is up).
 */
public final class FuzzRunner {

    private static final Logger log = LoggerFactory.getLogger(FuzzRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PostgresServer source;
    private final PostgresServer destination;
    private final Workers workers;
    private final Path configDir;
    private final PrintStream out;
    /** The last comparison of the run in progress, for its report. */
    private List<TableDiff> lastDiffs = List.of();

    /** {@code configDir} holds source.json and sink.json to start from (null: built-in settings). */
    public FuzzRunner(PostgresServer source, PostgresServer destination, Workers workers, Path configDir, PrintStream out) {
        this.source = source;
        this.destination = destination;
        this.workers = workers;
        this.configDir = configDir;
        this.out = out;
    }

    /** The features this runner can honour: worker kills need worker processes, restarts need restartable servers. */
    public Set<Feature> supported(Set<Feature> wanted) {
        Set<Feature> features = wanted.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(wanted);
        if (!workers.canKill()) {
            features.remove(Feature.FAULT_WORKER_KILL);
        }
        if (!destination.restartable()) {
            features.remove(Feature.FAULT_DESTINATION_RESTART);
        }
        if (!source.restartable()) {
            features.remove(Feature.FAULT_SOURCE_RESTART);
        }
        return features;
    }

    public FuzzResult run(FuzzOptions options) throws Exception {
        Set<Feature> features = supported(options.features());
        Set<Feature> dropped = EnumSet.allOf(Feature.class);
        dropped.retainAll(options.features());
        dropped.removeAll(features);
        long seed = options.seed();
        String id = "fz" + Long.toUnsignedString(seed, 36);
        List<String> opLog = new ArrayList<>();
        opLog.add("-- adbsync fuzz seed " + seed + ", features " + Feature.describe(features));
        if (!dropped.isEmpty()) {
            opLog.add("-- left out, this runner cannot inject them: " + Feature.describe(dropped));
        }
        Generator generator = new Generator(seed, features);
        lastDiffs = List.of();
        String sourceDb = source.createDatabase(id);
        String destinationDb = destination.createDatabase(id);
        Path logFile = options.logDirectory() == null ? null : options.logDirectory().resolve("fuzz-" + seed + ".sql");
        Pipeline pipeline = new Pipeline(id, sourceDb, destinationDb, generator);
        Workload workload = new Workload(sourceDb, opLog);
        String failure;
        try {
            for (Step step : generator.setup(options.rowsPerTable())) {
                workload.execute(step, pipeline);
            }
            if (generator.allTablesPublication()) {
                workload.execute(Step.sql("CREATE PUBLICATION " + SqlIdentifiers.quote(pipeline.publication())
                        + " FOR ALL TABLES WITH (publish_via_partition_root = true)"), pipeline);
            }
            out.printf("seed %d: %d tables (%s), source %s, destination %s%n", seed, generator.tables().size(),
                    String.join(", ", generator.tableNames()), source.jdbcUrl(sourceDb), destination.jdbcUrl(destinationDb));
            pipeline.deploy();
            if (features.contains(Feature.CONCURRENT_SNAPSHOT)) {
                opLog.add("-- connectors deployed; the snapshot starts now, concurrently with what follows");
                failure = null;
            } else {
                opLog.add("-- connectors deployed; the workload waits until the snapshot has converged (concurrent-snapshot off)");
                failure = converge(options, generator, sourceDb, destinationDb, pipeline);
            }
            if (failure == null) {
                failure = runWorkload(options, generator, workload, pipeline);
            }
            if (failure == null && pipeline.excluded() != null) {
                opLog.add("-- workload over; " + pipeline.excluded() + " is captured again before verifying");
                pipeline.includeAgain();
            }
            if (failure == null) {
                opLog.add("-- workload over; a last insert into each table carries its latest columns");
                for (Step step : generator.finalTouch()) {
                    workload.execute(step, pipeline);
                }
                failure = converge(options, generator, sourceDb, destinationDb, pipeline);
            }
        } finally {
            workload.close();
            write(logFile, opLog);
            pipeline.remove();
        }
        return new FuzzResult(seed, features, failure == null, failure, lastDiffs, opLog, logFile);
    }

    private String runWorkload(FuzzOptions options, Generator generator, Workload workload, Pipeline pipeline) throws Exception {
        long end = System.nanoTime() + options.workload().toNanos();
        long pause = 1_000_000_000L / Math.max(1, options.operationsPerSecond());
        long nextCheck = System.nanoTime();
        while (System.nanoTime() < end) {
            long started = System.nanoTime();
            workload.execute(generator.next(), pipeline);
            if (started > nextCheck) {
                String failed = pipeline.failure();
                if (failed != null) {
                    return failed;
                }
                nextCheck = started + 2_000_000_000L;
            }
            long left = pause - (System.nanoTime() - started);
            if (left > 0) {
                Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
            }
        }
        return null;
    }

    /** How long the tables must stay equal for the destination to count as converged. */
    private static final long SETTLE_MILLIS = 3_000;

    private String converge(FuzzOptions options, Generator generator, String sourceDb, String destinationDb, Pipeline pipeline)
            throws InterruptedException {
        long end = System.nanoTime() + options.convergeTimeout().toNanos();
        String problem = null;
        while (true) {
            String failed = pipeline.failure();
            if (failed != null) {
                return failed;
            }
            try {
                lastDiffs = compare(generator, sourceDb, destinationDb);
                problem = null;
                if (lastDiffs.stream().allMatch(TableDiff::equal)) {
                    // Equal at one moment is not yet converged: records still on their way (another partition, another
                    // task) may put an older state back. Equal again a while later is.
                    Thread.sleep(SETTLE_MILLIS);
                    lastDiffs = compare(generator, sourceDb, destinationDb);
                    if (lastDiffs.stream().allMatch(TableDiff::equal)) {
                        return null;
                    }
                    problem = "equal once, then not: records applied after the tables were equal changed them";
                }
            } catch (SQLException e) {
                // A column the sink has not added yet, or the destination restarting: not converged yet.
                problem = "verify failed: " + e.getMessage();
            } catch (RuntimeException e) {
                problem = "verify failed: " + e;
            }
            if (System.nanoTime() > end) {
                return "the destination did not converge to the source within " + options.convergeTimeout().toSeconds() + " s"
                        + (problem == null ? "" : "; " + problem) + explain(generator, sourceDb, destinationDb);
            }
            Thread.sleep(1000);
        }
    }

    private List<TableDiff> compare(Generator generator, String sourceDb, String destinationDb) throws SQLException {
        List<TableDiff> diffs = new ArrayList<>();
        TableVerifier verifier = new TableVerifier(5_000);
        try (Connection s = source.connect(sourceDb); Connection d = destination.connect(destinationDb)) {
            for (TableDef table : generator.tables()) {
                diffs.add(table.shape() == TableDef.Shape.KEYLESS
                        ? KeylessVerifier.compare(s, d, "public", table.name())
                        : verifier.compare(s, d, new TableId("public", table.name())));
            }
        }
        return diffs;
    }

    /** Row-level detail of each differing table, for the report. */
    private String explain(Generator generator, String sourceDb, String destinationDb) {
        StringBuilder sb = new StringBuilder();
        try (Connection s = source.connect(sourceDb); Connection d = destination.connect(destinationDb)) {
            for (TableDef table : generator.tables()) {
                TableDiff diff = lastDiffs.stream().filter(x -> x.table().equals("public." + table.name())).findFirst().orElse(null);
                if (diff != null && !diff.equal() && diff.problem() == null) {
                    for (String line : RowDiffs.explain(s, d, table)) {
                        sb.append("\n  ").append(line);
                    }
                }
            }
        } catch (SQLException e) {
            sb.append("\n  (no row detail: ").append(e.getMessage()).append(')');
        }
        return sb.toString();
    }

    private static void write(Path logFile, List<String> opLog) throws IOException {
        if (logFile != null) {
            Files.createDirectories(logFile.getParent());
            Files.write(logFile, opLog);
        }
    }

    /** Runs steps on the source and injects faults; logs every step, and every error, in order. */
    private final class Workload implements AutoCloseable {
        private final String database;
        private final List<String> opLog;
        private Connection connection;

        private Workload(String database, List<String> opLog) {
            this.database = database;
            this.opLog = opLog;
        }

        void execute(Step step, Pipeline pipeline) throws InterruptedException {
            opLog.add(step.render());
            if (step.isFault()) {
                try {
                    pipeline.inject(step.fault(), step.argument(), this);
                } catch (RuntimeException | SQLException e) {
                    opLog.add("-- fault " + step.fault() + " did not complete: " + e.getMessage());
                }
                return;
            }
            try {
                if (connection == null || connection.isClosed()) {
                    connection = source.connect(database);
                }
                try (Statement s = connection.createStatement()) {
                    s.execute(step.sql());
                }
            } catch (SQLException e) {
                opLog.add("-- error: " + e.getMessage().replace('\n', ' '));
                if (SqlErrors.isConnectionLoss(e)) {
                    closeQuietly();
                    Thread.sleep(300);
                } else {
                    // An error inside a multi-statement step leaves its implicit transaction aborted: start clean.
                    rollbackQuietly();
                }
            }
        }

        private void rollbackQuietly() {
            try (Statement s = connection.createStatement()) {
                s.execute("ROLLBACK");
            } catch (SQLException e) {
                closeQuietly();
            }
        }

        void closeQuietly() {
            try {
                if (connection != null) {
                    connection.close();
                }
            } catch (SQLException e) {
                // Gone already.
            }
            connection = null;
        }

        @Override
        public void close() {
            closeQuietly();
        }
    }

    /** The two connectors of one run and the faults that act on them. */
    private final class Pipeline {
        private final String sourceName;
        private final String sinkName;
        private final Map<String, String> sourceConfig;
        private final Map<String, String> sinkConfig;
        private final String slot;
        private final Generator generator;
        /** The table the source's config leaves out now (EXCLUDE_TABLE), or null. */
        private String excluded;

        private Pipeline(String id, String sourceDb, String destinationDb, Generator generator) throws IOException {
            this.generator = generator;
            this.sourceName = id + "-source";
            this.sinkName = id + "-sink";
            this.slot = "adbsync_" + id;
            sourceConfig = fileConfig("source.json", "io.adbsync.source.AdbPgSourceConnector");
            sourceConfig.remove("connection.password");
            sourceConfig.putAll(Map.of("connection.url", source.jdbcUrl(sourceDb), "connection.user", source.user(),
                    "topic.prefix", id, "slot.name", slot, "publication.name", slot, "table.include.list", "public\\.fz.*",
                    "snapshot.chunk.rows", "500", "heartbeat.interval.ms", "1000"));
            if (source.password() != null) {
                sourceConfig.put("connection.password", source.password());
            }
            sinkConfig = fileConfig("sink.json", "io.adbsync.sink.AdbPgSinkConnector");
            sinkConfig.remove("connection.password");
            sinkConfig.putAll(Map.of("connection.url", destination.jdbcUrl(destinationDb), "connection.user", destination.user(),
                    // Data topics and the schema topic: config/sink.json applies the schema channel (schema.sync=all).
                    "topics.regex", id + "\\..*", "consumer.override.metadata.max.age.ms", "1000",
                    "retry.backoff.ms", "200", "truncate.enabled", "true"));
            if (destination.password() != null) {
                sinkConfig.put("connection.password", destination.password());
            }
        }

        private Map<String, String> fileConfig(String file, String connectorClass) throws IOException {
            Map<String, String> config = new LinkedHashMap<>();
            if (configDir != null && Files.exists(configDir.resolve(file))) {
                JsonNode root = JSON.readTree(Files.readString(configDir.resolve(file)));
                root.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            } else {
                config.put("connector.class", connectorClass);
            }
            return config;
        }

        void deploy() {
            workers.rest().deploy(sourceName, sourceConfig);
            workers.rest().deploy(sinkName, sinkConfig);
        }

        /** The source's publication: the connector's own, or one FOR ALL TABLES the run made beforehand. */
        String publication() {
            return slot;
        }

        String excluded() {
            return excluded;
        }

        /**
         * Redeploys the source with nothing left out: the table left out is copied again. First the source catches up
         * with every change made so far, so the changes of the table left out were read and skipped, not still ahead
         * of a lagging stream that will read them with the table captured again.
         */
        void includeAgain() throws SQLException, InterruptedException {
            awaitSourceCaughtUp();
            excluded = null;
            sourceConfig.remove("table.exclude.list");
            workers.rest().deploy(sourceName, sourceConfig);
        }

        /** The first line of a FAILED connector's or task's trace, or null. */
        String failure() {
            for (String name : List.of(sourceName, sinkName)) {
                try {
                    workers.rest().checkNotFailed(name);
                } catch (IllegalStateException e) {
                    // The first line says which task; the innermost cause says why.
                    List<String> lines = e.getMessage().lines().toList();
                    String cause = lines.stream().filter(l -> l.startsWith("Caused by:")).reduce((a, b) -> b).orElse("");
                    return lines.get(0) + (cause.isEmpty() ? "" : "\n" + cause);
                } catch (RuntimeException e) {
                    // The worker is being replaced or the group rebalances: ask again later.
                    log.debug("Status of {} not available: {}", name, e.getMessage());
                }
            }
            return null;
        }

        void inject(Fault fault, int argument, Workload workload) throws SQLException, InterruptedException {
            ConnectRestClient rest = workers.rest();
            switch (fault) {
                case RESTART_CONNECTORS -> {
                    rest.restart(sourceName, true);
                    rest.restart(sinkName, true);
                }
                case RECONFIGURE_SOURCE -> {
                    sourceConfig.put("max.batch.size", String.valueOf(argument));
                    rest.deploy(sourceName, sourceConfig);
                }
                case RECONFIGURE_SINK -> {
                    sinkConfig.put("consumer.override.max.poll.records", String.valueOf(argument));
                    rest.deploy(sinkName, sinkConfig);
                }
                case TERMINATE_WALSENDER -> {
                    try (Connection c = source.connect("postgres"); PreparedStatement ps = c.prepareStatement(
                            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL")) {
                        ps.setString(1, slot);
                        ps.execute();
                    }
                }
                case RESTART_DESTINATION -> {
                    destination.stop(true);
                    Thread.sleep(argument);
                    destination.start();
                }
                case RESTART_SOURCE -> {
                    workload.closeQuietly();
                    source.stop(true);
                    Thread.sleep(argument);
                    source.start();
                }
                case KILL_WORKER -> workers.kill(argument);
                case EXCLUDE_TABLE -> {
                    if (excluded != null) {
                        includeAgain();
                    } else {
                        excluded = generator.tables().get(argument).name();
                        sourceConfig.put("table.exclude.list", "public\\." + excluded);
                        rest.deploy(sourceName, sourceConfig);
                    }
                }
            }
        }

        /** Waits (up to a minute, then goes on) until the slot confirmed every change the source has now. */
        private void awaitSourceCaughtUp() throws SQLException, InterruptedException {
            long deadline = System.nanoTime() + 60_000_000_000L;
            try (Connection c = source.connect("postgres")) {
                String target;
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                    rs.next();
                    target = rs.getString(1);
                }
                try (PreparedStatement caughtUp = c.prepareStatement(
                        "SELECT confirmed_flush_lsn >= ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
                    caughtUp.setString(1, target);
                    caughtUp.setString(2, slot);
                    while (System.nanoTime() < deadline) {
                        try (ResultSet rs = caughtUp.executeQuery()) {
                            if (rs.next() && rs.getBoolean(1)) {
                                return;
                            }
                        }
                        Thread.sleep(200);
                    }
                }
                log.info("The source did not catch up with {} within a minute; {} is captured again anyway", target, excluded);
            }
        }

        /** Removes both connectors and, once the source task has let go of it, the replication slot. */
        void remove() {
            try {
                workers.rest().remove(sourceName);
                workers.rest().remove(sinkName);
                for (int attempt = 0; attempt < 20; attempt++) {
                    try (Connection c = source.connect("postgres"); PreparedStatement ps = c.prepareStatement(
                            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
                        ps.setString(1, slot);
                        ps.execute();
                        try (PreparedStatement left = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
                            left.setString(1, slot);
                            if (!left.executeQuery().next()) {
                                return;
                            }
                        }
                    }
                    Thread.sleep(500);
                }
            } catch (RuntimeException | SQLException e) {
                log.warn("Could not remove the connectors or the slot of {}: {}", sourceName, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
