package io.adbsync.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** {@code bin/adbsync bench}: runs every scenario once and writes the table, the chart and the raw JSON. */
public final class BenchMain {

    private static final String USAGE = """
            usage: bin/adbsync bench [--quick] [--out DIR] [--only source,sink,lag,memory]
                   bin/adbsync bench --render DIR

              Starts a source and a destination PostgreSQL, a Kafka broker and a Connect worker with adbsync's and
              Debezium's plugins, and measures snapshot, streaming, sink, end-to-end lag and memory of both beside
              raw COPY and pg_recvlogical. --quick takes under 5 minutes, the full run under 30. Writes
              results.md, results.json and chart.png to DIR (default benchmarks/target/bench-<time>).
              --render writes results.md and chart.png again from DIR/results.json.
            """;
    private static final Set<String> SCENARIOS = Set.of("source", "sink", "lag", "memory");

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        BenchSize size = BenchSize.full();
        Path out = null;
        Path peers = Path.of(System.getProperty("adbsync.bench.peers", "benchmarks/target/peers"));
        Set<String> only = SCENARIOS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> size = BenchSize.quick();
                case "--out" -> out = Path.of(value(args, ++i));
                case "--render" -> {
                    Path dir = Path.of(value(args, ++i));
                    render(Report.readJson(dir.resolve("results.json")), dir);
                    System.out.print(Files.readString(dir.resolve("results.md")));
                    return;
                }
                case "--only" -> {
                    only = Set.of(value(args, ++i).split(","));
                    if (!SCENARIOS.containsAll(only)) {
                        usage("--only takes some of " + SCENARIOS + ", got " + only);
                    }
                }
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> usage("Unknown option " + args[i]);
            }
        }
        if (out == null) {
            out = Path.of("benchmarks", "target", "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        Files.createDirectories(out);
        System.exit(run(size, only, peers, out, System.out));
    }

    static int run(BenchSize size, Set<String> only, Path peers, Path out, PrintStream log) throws Exception {
        List<Path> plugins = new ArrayList<>();
        Optional<String> debezium = debeziumVersion(peers);
        for (String plugin : List.of("debezium-connector-postgres", "debezium-connector-jdbc")) {
            if (Files.isDirectory(peers.resolve(plugin))) {
                plugins.add(peers.resolve(plugin).toAbsolutePath());
            }
        }
        List<Engine> engines = new ArrayList<>(List.of(new AdbsyncEngine()));
        if (plugins.size() == 2 && debezium.isPresent()) {
            engines.add(new DebeziumEngine(debezium.get()));
        } else {
            log.println("Debezium's plugins are not under " + peers + " (bin/adbsync bench fetches them): measuring adbsync alone");
        }
        long started = System.nanoTime();
        log.printf("bench: %s run, results in %s%n", size.name(), out.toAbsolutePath());
        List<Measurement> results = new ArrayList<>();
        try (BenchStack stack = BenchStack.start(plugins)) {
            if (only.contains("source")) {
                results.addAll(new SourceBench(stack, size, log).run(engines));
            }
            if (only.contains("sink")) {
                results.addAll(new SinkBench(stack, size, log).run(engines));
            }
            if (only.contains("lag")) {
                results.addAll(new LagBench(stack, size, log).run(engines));
            }
            if (only.contains("memory")) {
                results.addAll(new MemoryBench(stack, size, log, out).run(engines));
            }
            Report report;
            try (Connection c = stack.sourceConnection()) {
                report = new Report(results, MachineInfo.describe(c, System.getProperty("adbsync.version", "dev"),
                        debezium.orElse("not measured")), size.describe());
            }
            report.writeJson(out.resolve("results.json"));
            render(report, out);
            log.println();
            log.print(report.markdown());
            log.printf("%nbench: done in %.1f min; %s%n", (System.nanoTime() - started) / 60e9, out.toAbsolutePath());
        }
        return 0;
    }

    private static void render(Report report, Path dir) throws IOException {
        Files.writeString(dir.resolve("results.md"), report.markdown());
        Chart.write(report, dir.resolve("chart.png"));
    }

    /** The version in the name of Debezium's postgres connector jar, e.g. 3.6.0.Final. */
    static Optional<String> debeziumVersion(Path peers) throws IOException {
        Path dir = peers.resolve("debezium-connector-postgres");
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("debezium-connector-postgres-") && n.endsWith(".jar"))
                    .map(n -> n.substring("debezium-connector-postgres-".length(), n.length() - ".jar".length()))
                    .findFirst();
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage("Missing value for " + args[i - 1]);
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.print(USAGE);
        System.exit(2);
    }
}
