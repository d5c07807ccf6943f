package io.adbsync.stack.cli;

import io.adbsync.common.config.Validators;
import io.adbsync.common.contract.EventContract;
import io.adbsync.common.jdbc.JdbcUrls;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.LocalStack;
import io.adbsync.stack.registry.AvroConverterSettings;
import io.adbsync.stack.registry.LocalRegistry;
import io.adbsync.stack.demo.Demo;
import io.adbsync.stack.fuzz.Feature;
import io.adbsync.stack.fuzz.FuzzCommand;
import io.adbsync.stack.switchover.Switchover;
import io.adbsync.stack.verify.TableDiff;
import io.adbsync.stack.verify.Verify;

import java.io.PrintStream;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** The {@code bin/adbsync} command line: runs the local Kafka broker and Connect worker with the plugin. */
public final class Main {

    private static final String USAGE = """
            usage: bin/adbsync <command> [options]

            commands:
              stack --source-url URL --sink-url URL [--connect-port 8083] [--metrics PORT]
                  Start a local Kafka broker, a schema registry and one Connect worker (distributed mode) with
                  the adbsync plugin and an Avro converter on its plugin.path, for your own databases. Prints
                  how to deploy the connectors, with JSON or with Avro. The worker's and the connectors'
                  metrics are served for Prometheus on http://127.0.0.1:PORT/metrics (a free port unless --metrics
                  names one; the JMX exporter with
                  config/monitoring/jmx-exporter.yml).
                  The URLs carry no password (refused: see verify); connectors take theirs from
                  connection.password, best through a ConfigProvider (docs/security.md).
              worker --bootstrap-servers HOST:PORT --plugin-path DIR [--rest-port 0] [--group-id adbsync-connect]
                  One more Connect worker for a running local cluster (used by fault tests).
              verify --source-url URL --sink-url URL [--tables s.t,s.t2] [--chunk-rows 10000]
                     [--heartbeat-table public.adbsync_heartbeat]
                  Compare source and destination per table (row counts, then md5 checksums of the rows'
                  text forms per chunk of primary-key order). Exit code 0 when all tables are equal, 1 when
                  any differs. Without --tables, every source table with a primary key but the source
                  connector's heartbeat.table (give yours in --heartbeat-table) is compared. The user goes into the URL (?user=NAME; else PGUSER or your OS user), the
                  password into PGPASSWORD or ~/.pgpass (PGPASSFILE), as for psql: a password in a URL on
                  the command line is refused, since every user of the machine sees it in ps.
              switchover --source-url URL --sink-url URL [--tables s.t,s.t2] [--apply]
                  What schema.sync=all leaves different at the destination until switchover, one line each:
                  identity columns GENERATED ALWAYS at the source but BY DEFAULT there, rules on tables not
                  created there, sequences behind the source's (normally none); then the statements that settle
                  them as an SQL script. Nothing is changed without --apply; with it, they run on the destination
                  in one transaction (setval last: a rollback does not undo it). Run it once the sink has stopped
                  writing: an ALWAYS identity refuses its values. Tables as for verify, matched by the same
                  schema.table name (tables renamed by table.name.map or name.case are not). Credentials as for
                  verify. Exit code 0 when nothing is left to do (or all was applied), 3 when statements or
                  findings to settle by hand are pending, 1 when applying failed (rolled back).
              demo [--connect-port 8083] [--accounts 100000] [--workload-seconds 30] [--tps 200] [--format avro]
                   [--metrics PORT]
                  The whole pipeline on this machine: two local PostgreSQL servers (from the machine's
                  binaries), a Kafka broker, a schema registry and a Connect worker, config/source-avro.json
                  and config/sink-avro.json deployed through the REST API (--format json: config/source.json
                  and config/sink.json, no registry), a pgbench-style workload, and progress until the
                  destination matches the source. Ctrl-C stops and cleans up everything. --metrics as for stack.
              topics [--bootstrap-servers HOST:PORT] [--internal]
                  The topics with their partitions, records, size on disk and end offsets. Without
                  --bootstrap-servers, those of the running bin/adbsync stack or demo.
              status [--watch] [--interval 2] [--connect URL] [--bootstrap-servers HOST:PORT]
                     [--command-config FILE] [--metrics-url URL] [--source-url URL]
                  One screen of the pipeline: connectors and tasks (state, worker, failure), each source's slots
                  (lag, retained WAL, WAL not yet in Kafka), snapshot progress per table, each sink's lag per topic
                  partition and dead-letter records; with --watch, redrawn every --interval seconds until Ctrl-C,
                  with records produced/s and applied/s. Without --connect, the running bin/adbsync stack or
                  demo's worker (else http://127.0.0.1:8083); Kafka without --bootstrap-servers only for the
                  local stack (--command-config: admin client properties, e.g. SASL/TLS). The source lag comes
                  from the worker's Prometheus endpoint (--metrics-url; the local stack's by default), else from
                  the walsender (an upper bound). The source database is
                  the one in each source connector's connection.url, with the password of ~/.pgpass for that host;
                  --source-url replaces it and may use PGPASSWORD. Exit code 1 when a connector or task is FAILED
                  or Connect does not answer.
              tail TOPIC [-n 10] [--from-beginning] [--follow] [--pretty] [--bootstrap-servers HOST:PORT]
                   [--registry-url URL]
                  The last N records of each partition of TOPIC (or all of them), decoded, one JSON object
                  per line (--pretty: indented): Avro through the schema registry (Confluent-compatible API;
                  the running stack's by default), JSON as it is. --follow keeps printing new records until
                  Ctrl-C.
              fuzz [--seed N] [--minutes 5] [--features all] [--without f1,f2] [--worker-processes 2]
                   [--rows 2000] [--ops-per-second 100] [--converge-seconds 180] [--log-dir target/fuzz]
                  Randomized test of the whole pipeline (docs/fuzzing.md): generated tables, a concurrent workload
                  and faults, all from the seed, then verify. Runs seed, seed+1, ... (up to two minutes of
                  workload each) for the given minutes; on a failure prints the seed and the operation log and
                  exits with 1. --worker-processes 0 runs the worker in this JVM (no worker-kill faults).
                  Features: composite-keys, partitioned, keyless, toast, key-changes, truncate, add-column,
                  vacuum-full, cluster, large-transactions, recreate-table, nan-floats, money,
                  fault-connector-restart, fault-reconfigure, fault-walsender, fault-destination-restart,
                  fault-source-restart, fault-worker-kill, fault-exclude-table.
            """;

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        try {
            switch (args[0]) {
                case "stack" -> stack(options(args, "source-url", "sink-url", "connect-port", "metrics"));
                case "topics" -> topics(args);
                case "status" -> status(args);
                case "tail" -> tail(args);
                case "verify" -> verify(options(args, "source-url", "sink-url", "tables", "chunk-rows", "heartbeat-table"));
                case "switchover" -> switchover(args);
                case "worker" -> worker(options(args, "bootstrap-servers", "plugin-path", "rest-port", "group-id"));
                case "demo" -> demo(options(args, "connect-port", "accounts", "workload-seconds", "tps", "format", "metrics"));
                case "fuzz" -> fuzz(options(args, "seed", "minutes", "features", "without", "worker-processes", "rows",
                        "ops-per-second", "converge-seconds", "log-dir"));
                default -> throw new UsageException("Unknown command: " + args[0], true);
            }
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            if (e.showUsage) {
                System.err.print(USAGE);
            }
            System.exit(2);
        }
    }

    /**
     * A command line that cannot be run as given: one line saying which option and why, no stack trace. Options are
     * read before anything starts, so nothing is left to clean up.
     */
    static final class UsageException extends RuntimeException {
        final boolean showUsage;

        UsageException(String message, boolean showUsage) {
            super(message, null, false, false);
            this.showUsage = showUsage;
        }
    }

    /** The {@code --option value} pairs of command {@code args[0]}, which takes the options {@code known}. */
    private static Map<String, String> options(String[] args, String... known) {
        Map<String, String> options = new HashMap<>();
        List<String> takes = List.of(known);
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new UsageException("Expected --option value, got: " + args[i], true);
            }
            String name = args[i].substring(2);
            // A misspelt option would otherwise be ignored, and its default used without a word.
            if (!takes.contains(name)) {
                throw new UsageException("Unknown option --" + name + " for " + args[0] + "; it takes "
                        + takes.stream().map(o -> "--" + o).collect(java.util.stream.Collectors.joining(", ")), false);
            }
            options.put(name, args[++i]);
        }
        return options;
    }

    /** An int option within {@code [min, max]}. */
    static int intOption(Map<String, String> options, String name, int defaultValue, int min, int max) {
        return (int) longOption(options, name, defaultValue, min, max);
    }

    /** A long option within {@code [min, max]}. */
    static long longOption(Map<String, String> options, String name, long defaultValue, long min, long max) {
        String value = options.get(name);
        if (value == null) {
            return defaultValue;
        }
        String range = min == Long.MIN_VALUE ? "" : max == Long.MAX_VALUE || max == Integer.MAX_VALUE
                ? " of at least " + min : " from " + min + " to " + max;
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException notANumber) {
            // Reported below with the range, like a number out of it.
        }
        throw new UsageException("--" + name + " takes a whole number" + range + ", got '" + value + "'", false);
    }

    /** A TCP port option: 1 to 65535, or 0 where the option lets the system pick a free port. */
    static int portOption(Map<String, String> options, String name, int defaultValue, boolean zeroPicksFree) {
        String value = options.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= (zeroPicksFree ? 0 : 1) && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException notANumber) {
            // Reported below.
        }
        throw new UsageException("--" + name + " takes a port number from " + (zeroPicksFree ? "0 (any free port)" : "1")
                + " to 65535, got '" + value + "'", false);
    }

    /**
     * A port option the local stack is to listen on, checked free before anything starts: taken, the worker failed
     * deep in its start with "Unable to initialize REST server", after the broker and the servers were up.
     */
    static int freePortOption(Map<String, String> options, String name, int defaultValue) {
        int port = portOption(options, name, defaultValue, true);
        if (port > 0) {
            try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
            } catch (java.io.IOException e) {
                throw new UsageException("Port " + port + " is in use (another bin/adbsync stack or demo, or a Connect "
                        + "worker?): stop it, or give --" + name + " another port (0 picks a free one)", false);
            }
        }
        return port;
    }

    /** A positive decimal option, e.g. minutes. */
    static double positiveDecimalOption(Map<String, String> options, String name, double defaultValue) {
        String value = options.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            double parsed = Double.parseDouble(value.trim());
            if (parsed > 0 && Double.isFinite(parsed)) {
                return parsed;
            }
        } catch (NumberFormatException notANumber) {
            // Reported below.
        }
        throw new UsageException("--" + name + " takes a number greater than 0, got '" + value + "'", false);
    }

    private static void stack(Map<String, String> options) throws InterruptedException {
        String sourceUrl = requireUrl(options, "source-url");
        String sinkUrl = requireUrl(options, "sink-url");
        int port = freePortOption(options, "connect-port", 8083);
        int metricsPort = freePortOption(options, "metrics", -1);
        LocalStack stack = LocalStack.start(1, port, Map.of(), java.util.List.of(), true);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "adbsync-stack-shutdown"));
        // Always served (on a free port unless --metrics names one): bin/adbsync status reads the source lag there.
        stack.exposeMetrics(Math.max(metricsPort, 0), exporterRules());
        stack.publish();
        PrintStream out = System.out;
        String rest = stack.connect().url().toString().replaceAll("/$", "");
        out.println();
        out.println("Kafka bootstrap servers: " + stack.bootstrapServers());
        stack.metrics().ifPresent(m -> out.println("Prometheus metrics:      " + m.url()));
        out.println("Connect REST API:        " + rest);
        out.println("Plugin path:             " + stack.pluginPath());
        LocalRegistry registry = stack.registry().orElseThrow();
        out.println("Schema registry:         " + registry.url() + " (Confluent-compatible API " + registry.confluentApiUrl() + ")");
        out.println();
        out.println("Deploy the source (connection.user as your source needs; connection.password from a file through the");
        out.println("worker's FileConfigProvider, e.g. \"${file:/etc/adbsync/secrets.properties:source.password}\"):");
        out.println("  curl -s -X PUT -H 'Content-Type: application/json' " + rest + "/connectors/adbsync-source/config \\");
        out.println("    -d '{\"connector.class\":\"io.adbsync.source.AdbPgSourceConnector\",\"connection.url\":\"" + JdbcUrls.redact(sourceUrl)
                + "\",\"connection.user\":\"postgres\",\"topic.prefix\":\"adbsync\"}'");
        out.println("Deploy the sink:");
        out.println("  curl -s -X PUT -H 'Content-Type: application/json' " + rest + "/connectors/adbsync-sink/config \\");
        out.println("    -d '{\"connector.class\":\"io.adbsync.sink.AdbPgSinkConnector\",\"connection.url\":\"" + JdbcUrls.redact(sinkUrl)
                + "\",\"connection.user\":\"postgres\",\"topics.regex\":\"adbsync\\\\..*\"}'");
        out.println("For Avro through the schema registry, add to both connectors' configs (Apicurio's converter on this");
        out.println("worker writes Confluent's wire format; config/*-avro.json name Confluent's converter, for Confluent's images):");
        StringBuilder avro = new StringBuilder();
        AvroConverterSettings.forConnector(registry.registryApiUrl()).forEach((k, v) ->
                avro.append(avro.isEmpty() ? "" : ",").append('"').append(k).append("\":\"").append(v).append('"'));
        out.println("    " + avro);
        out.println("Watch them:  curl -s " + rest + "/connectors?expand=status");
        out.println("Topics:      bin/adbsync topics; bin/adbsync tail TOPIC [-n N] [--from-beginning] [--follow]");
        out.println();
        out.println("Ctrl-C stops the worker and the broker and removes their data.");
        stopped.await();
    }

    /** A lone Connect worker joining an existing local cluster: lets fault tests kill a worker process outright. */
    private static void worker(Map<String, String> options) throws InterruptedException {
        io.adbsync.stack.connect.LoneWorker.run(require(options, "bootstrap-servers"), java.nio.file.Path.of(require(options, "plugin-path")),
                options.getOrDefault("group-id", "adbsync-connect"), portOption(options, "rest-port", 0, true));
    }

    private static void demo(Map<String, String> options) throws InterruptedException {
        Demo.Options demoOptions = new Demo.Options(
                freePortOption(options, "connect-port", 8083),
                intOption(options, "accounts", 100_000, 1, Integer.MAX_VALUE),
                intOption(options, "workload-seconds", 30, 0, Integer.MAX_VALUE),
                intOption(options, "tps", 200, 1, Integer.MAX_VALUE),
                false, 0, configDir(), format(options), freePortOption(options, "metrics", -1));
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                finished.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "adbsync-demo-shutdown"));
        try {
            Demo.run(demoOptions, System.out, stop);
        } catch (Exception e) {
            System.err.println("The demo failed: " + e.getMessage());
            finished.countDown();
            System.exit(1);
        }
        finished.countDown();
    }

    private static void fuzz(Map<String, String> options) {
        Set<Feature> features;
        try {
            features = Feature.parse(options.getOrDefault("features", "all"));
            features.removeAll(Feature.parse(options.getOrDefault("without", "none")));
        } catch (IllegalArgumentException e) {
            throw new UsageException("Unknown feature: " + e.getMessage(), true);
        }
        FuzzCommand.Options fuzzOptions = new FuzzCommand.Options(
                longOption(options, "seed", System.currentTimeMillis(), Long.MIN_VALUE, Long.MAX_VALUE),
                positiveDecimalOption(options, "minutes", 5), features,
                intOption(options, "worker-processes", 2, 0, Integer.MAX_VALUE),
                intOption(options, "rows", 2000, 1, Integer.MAX_VALUE),
                intOption(options, "ops-per-second", 100, 1, Integer.MAX_VALUE),
                java.time.Duration.ofSeconds(longOption(options, "converge-seconds", 180, 1, Long.MAX_VALUE)), configDir(),
                java.nio.file.Path.of(options.getOrDefault("log-dir", "target/fuzz")));
        try {
            boolean passed = FuzzCommand.run(fuzzOptions, System.out);
            System.exit(passed ? 0 : 1);
        } catch (Exception e) {
            System.err.println("The fuzz run failed: " + e);
            System.exit(2);
        }
    }

    /** The JMX exporter's rules: which MBeans become which Prometheus metrics. */
    static java.nio.file.Path exporterRules() {
        return configDir().resolve("monitoring").resolve("jmx-exporter.yml");
    }

    private static void topics(String[] args) {
        Map<String, String> options = new HashMap<>();
        boolean internal = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--internal" -> internal = true;
                case "--bootstrap-servers" -> options.put("bootstrap-servers", value(args, ++i, "--bootstrap-servers"));
                default -> throw new UsageException("Unknown option " + args[i] + " for topics; it takes --bootstrap-servers, --internal", false);
            }
        }
        String servers = options.containsKey("bootstrap-servers") ? options.get("bootstrap-servers") : runningStack().bootstrapServers();
        try {
            io.adbsync.stack.topics.TopicList.print(io.adbsync.stack.topics.TopicList.read(servers, internal), System.out);
        } catch (Exception e) {
            System.err.println("Cannot list the topics at " + servers + ": " + (e.getCause() != null ? e.getCause() : e));
            System.exit(1);
        }
    }

    private static void status(String[] args) throws InterruptedException {
        Map<String, String> options = new HashMap<>();
        boolean watch = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--watch", "-w" -> watch = true;
                case "--connect" -> options.put("connect", value(args, ++i, "--connect"));
                case "--bootstrap-servers" -> options.put("bootstrap-servers", value(args, ++i, "--bootstrap-servers"));
                case "--source-url" -> options.put("source-url", value(args, ++i, "--source-url"));
                case "--interval" -> options.put("interval", value(args, ++i, "--interval"));
                case "--command-config" -> options.put("command-config", value(args, ++i, "--command-config"));
                case "--metrics-url" -> options.put("metrics-url", value(args, ++i, "--metrics-url"));
                default -> throw new UsageException("Unknown option " + args[i] + " for status; it takes --connect, "
                        + "--bootstrap-servers, --command-config, --metrics-url, --source-url, --interval, --watch", false);
            }
        }
        java.util.Optional<io.adbsync.stack.RunningStack> local = io.adbsync.stack.RunningStack.read();
        String connect = options.getOrDefault("connect", local.map(io.adbsync.stack.RunningStack::connectUrl)
                .orElse("http://127.0.0.1:8083"));
        java.net.URI connectUrl;
        try {
            connectUrl = java.net.URI.create(connect);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--connect is not a URL (http://HOST:PORT)", false);
        }
        java.util.Properties adminSettings = new java.util.Properties();
        if (options.containsKey("command-config")) {
            try (java.io.Reader in = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(options.get("command-config")))) {
                adminSettings.load(in);
            } catch (java.io.IOException e) {
                throw new UsageException("--command-config: cannot read " + options.get("command-config") + ": " + e.getMessage(), false);
            }
        }
        // Kafka's address is not in the REST API: the local stack's when it is the one asked, else only when given.
        String servers = options.containsKey("bootstrap-servers") ? options.get("bootstrap-servers")
                : local.filter(l -> l.connectUrl().equals(connect.replaceAll("/$", ""))).map(io.adbsync.stack.RunningStack::bootstrapServers)
                .orElse(null);
        String metrics = options.containsKey("metrics-url") ? options.get("metrics-url")
                : local.filter(l -> l.connectUrl().equals(connect.replaceAll("/$", ""))).map(io.adbsync.stack.RunningStack::metricsUrl)
                .orElse(null);
        java.net.URI metricsUrl;
        try {
            metricsUrl = metrics == null ? null : java.net.URI.create(metrics);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--metrics-url is not a URL (http://HOST:PORT/metrics)", false);
        }
        String sourceUrl = options.containsKey("source-url") ? requireUrl(options, "source-url") : null;
        int interval = intOption(options, "interval", 2, 1, 3600);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "adbsync-status-shutdown"));
        int code = io.adbsync.stack.status.StatusCommand.run(new io.adbsync.stack.status.StatusCommand.Options(connectUrl, servers,
                adminSettings, sourceUrl, io.adbsync.stack.postgres.ClientCredentials.ofProcess(), metricsUrl, watch,
                java.time.Duration.ofSeconds(interval), System.console() != null), System.out, () -> stop.getCount() == 0);
        if (!watch) {
            System.exit(code);
        }
    }

    private static void tail(String[] args) {
        io.adbsync.stack.topics.Tail.Options tail = tailOptions(args);
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                finished.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "adbsync-tail-shutdown"));
        try {
            io.adbsync.stack.topics.Tail.run(tail, System.out, () -> stop.getCount() == 0);
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
            finished.countDown();
            System.exit(1);
        }
        finished.countDown();
    }

    /** {@code tail TOPIC [-n N] [--from-beginning] [--follow] [--pretty] [--bootstrap-servers H:P] [--registry-url URL]}. */
    static io.adbsync.stack.topics.Tail.Options tailOptions(String[] args) {
        String topic = null;
        Map<String, String> options = new HashMap<>();
        boolean fromBeginning = false;
        boolean follow = false;
        boolean pretty = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "-n" -> options.put("n", value(args, ++i, "-n"));
                case "--from-beginning" -> fromBeginning = true;
                case "--follow", "-f" -> follow = true;
                case "--pretty" -> pretty = true;
                case "--bootstrap-servers" -> options.put("bootstrap-servers", value(args, ++i, "--bootstrap-servers"));
                case "--registry-url" -> options.put("registry-url", value(args, ++i, "--registry-url"));
                default -> {
                    if (args[i].startsWith("-") || topic != null) {
                        throw new UsageException("Unexpected " + args[i] + " for tail: it takes TOPIC [-n N] [--from-beginning] "
                                + "[--follow] [--pretty] [--bootstrap-servers HOST:PORT] [--registry-url URL]", false);
                    }
                    topic = args[i];
                }
            }
        }
        if (topic == null) {
            throw new UsageException("tail needs a TOPIC (bin/adbsync topics lists them)", false);
        }
        if (fromBeginning && options.containsKey("n")) {
            throw new UsageException("tail takes -n or --from-beginning, not both", false);
        }
        int last = intOption(Map.of("n", options.getOrDefault("n", "10")), "n", 10, 0, Integer.MAX_VALUE);
        String servers = options.get("bootstrap-servers");
        String registry = options.get("registry-url");
        if (servers == null) {
            io.adbsync.stack.RunningStack running = runningStack();
            servers = running.bootstrapServers();
            if (registry == null) {
                registry = running.registryUrl();
            }
        }
        return new io.adbsync.stack.topics.Tail.Options(servers, topic, last, fromBeginning, registry, follow, pretty);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value", false);
        }
        return args[i];
    }

    private static io.adbsync.stack.RunningStack runningStack() {
        return io.adbsync.stack.RunningStack.read().orElseThrow(() -> new UsageException("No bin/adbsync stack or demo is running "
                + "(none described in " + io.adbsync.stack.RunningStack.file() + "): start one, or give --bootstrap-servers HOST:PORT", false));
    }

    private static java.nio.file.Path configDir() {
        String dir = System.getProperty("adbsync.config.dir");
        return java.nio.file.Path.of(dir == null ? "config" : dir);
    }

    private static void verify(Map<String, String> options) {
        String tables = options.getOrDefault("tables", "");
        String sourceUrl = requireUrl(options, "source-url");
        String sinkUrl = requireUrl(options, "sink-url");
        int chunkRows = intOption(options, "chunk-rows", 10_000, 1, Integer.MAX_VALUE);
        String heartbeatTable = options.getOrDefault("heartbeat-table", EventContract.DEFAULT_HEARTBEAT_TABLE);
        if (!Validators.SCHEMA_TABLE.matcher(heartbeatTable).matches()) {
            throw new UsageException("--heartbeat-table takes schema.table, as the source connector's heartbeat.table, got '"
                    + heartbeatTable + "'", false);
        }
        try {
            List<TableDiff> diffs = Verify.run(sourceUrl, sinkUrl, tables.isBlank() ? List.of() : List.of(tables.split(",")),
                    TableId.parse(heartbeatTable), chunkRows, System.out);
            System.exit(diffs.stream().allMatch(TableDiff::equal) ? 0 : 1);
        } catch (SQLException e) {
            System.err.println("verify failed: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void switchover(String[] args) {
        Map<String, String> options = new HashMap<>();
        boolean apply = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--apply" -> apply = true;
                case "--source-url", "--sink-url", "--tables" -> {
                    String option = args[i];
                    options.put(option.substring(2), value(args, ++i, option));
                }
                default -> throw new UsageException("Unknown option " + args[i] + " for switchover; it takes --source-url, "
                        + "--sink-url, --tables, --apply", false);
            }
        }
        String sourceUrl = requireUrl(options, "source-url");
        String sinkUrl = requireUrl(options, "sink-url");
        List<TableId> tables = new java.util.ArrayList<>();
        for (String table : options.getOrDefault("tables", "").split(",")) {
            if (table.isBlank()) {
                continue;
            }
            if (!Validators.SCHEMA_TABLE.matcher(table.trim()).matches()) {
                throw new UsageException("--tables takes schema.table names separated by commas, got '" + table.trim() + "'", false);
            }
            tables.add(TableId.parse(table.trim()));
        }
        try {
            System.exit(Switchover.run(new Switchover.Options(sourceUrl, sinkUrl, tables, apply,
                    io.adbsync.stack.postgres.ClientCredentials.ofProcess()), System.out));
        } catch (SQLException e) {
            System.err.println("switchover failed: " + e.getMessage());
            System.exit(2);
        }
    }

    /** A URL option that must not carry a password: command lines are visible to every user of the machine. */
    private static String requireUrl(Map<String, String> options, String name) {
        String url = require(options, name);
        List<String> secrets = JdbcUrls.secrets(url);
        if (!secrets.isEmpty()) {
            throw new UsageException("--" + name + " carries a secret (" + String.join(", ", secrets) + "), which every user of "
                    + "this machine can read in ps. Remove it from the URL and give the password in PGPASSWORD or "
                    + "~/.pgpass (host:port:database:user:password, chmod 600), as for psql.", false);
        }
        return url;
    }

    private static Demo.Format format(Map<String, String> options) {
        String value = options.getOrDefault("format", "avro");
        return switch (value) {
            case "avro" -> Demo.Format.AVRO;
            case "json" -> Demo.Format.JSON;
            default -> throw new UsageException("--format takes avro or json, got '" + value + "'", false);
        };
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new UsageException("Missing --" + name, true);
        }
        return value;
    }
}
