package io.adbsync.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** {@code bin/adbsync bench}: runs every scenario (the throughput ones --repeat times) and writes the table, the chart and the raw JSON. */
public final class BenchMain {

    private static final String USAGE = """
            usage: bin/adbsync bench [--quick] [--repeat N] [--warmup] [--out DIR] [--only source,sink,lag,memory,scaling]
                          [--format json|avro|both] [--tasks 1,2,4]
                   bin/adbsync bench --render DIR

              Starts a source and a destination PostgreSQL, a Kafka broker and a Connect worker with adbsync's and
              Debezium's plugins, and measures snapshot, streaming, record size, sink, end-to-end lag and memory of
              both beside raw COPY and pg_recvlogical. --quick takes about 7 minutes for both formats on 2 shared
              cores; the full run, with 3 repetitions, about 35, plus an estimated 15-20 for scaling. Writes results.md, results.json and chart.png to DIR (default benchmarks/target/bench-<time>).
              --format picks the records' format (default both): json runs each engine with its JSON converter
              (the same bytes), avro runs both with the same Avro converter on a local schema registry (started
              only then); both measures each engine in each format, with ratios only within a format.
              --repeat runs snapshot, streaming, Kafka ingest and sink N times (default 1 with --quick, 3 in the full run)
              and reports each figure's median with the runs' range; a ratio whose two ranges overlap is not printed.
              --warmup runs them once more first and drops those figures (the first run on a fresh JVM is the JIT's).
              --only picks scenarios; without it the full run measures all five and --quick all but scaling (which
              alone takes 3-4 minutes with --quick). scaling runs adbsync's source with tasks.max = each of --tasks
              (default 1,2 with --quick, 1,2,4 in the full run) in JSON, whatever --format says.
              --render writes results.md and chart.png again from DIR/results.json.
            """;
    private static final Set<String> SCENARIOS = Set.of("source", "sink", "lag", "memory", "scaling");
    /** What --quick runs without --only: scaling is left out to keep it within its few minutes. */
    private static final Set<String> QUICK_SCENARIOS = Set.of("source", "sink", "lag", "memory");

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        BenchSize size = BenchSize.full();
        Path out = null;
        Path peers = Path.of(System.getProperty("adbsync.bench.peers", "benchmarks/target/peers"));
        Set<String> only = null;
        List<Integer> tasks = null;
        List<Format> formats = List.of(Format.JSON, Format.AVRO);
        Integer repeat = null;
        boolean warmup = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> size = BenchSize.quick();
                case "--repeat" -> {
                    String value = value(args, ++i);
                    try {
                        repeat = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        usage("--repeat takes a number, got " + value);
                    }
                    if (repeat < 1) {
                        usage("--repeat takes a number of at least 1, got " + repeat);
                    }
                }
                case "--warmup" -> warmup = true;
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
                case "--tasks" -> {
                    String value = value(args, ++i);
                    try {
                        tasks = parseTasks(value);
                    } catch (IllegalArgumentException e) {
                        usage(e.getMessage());
                    }
                }
                case "--format" -> {
                    String value = value(args, ++i);
                    try {
                        formats = Format.parseOption(value);
                    } catch (IllegalArgumentException e) {
                        usage(e.getMessage());
                    }
                }
                case "--help", "-h" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> usage("Unknown option " + args[i]);
            }
        }
        if (only == null) {
            only = size.name().equals("quick") ? QUICK_SCENARIOS : SCENARIOS;
        }
        if (tasks == null) {
            tasks = size.name().equals("quick") ? List.of(1, 2) : List.of(1, 2, 4);
        }
        if (repeat != null) {
            size = size.withRepeat(repeat);
        }
        if (warmup) {
            size = size.withWarmup();
        }
        if (out == null) {
            out = Path.of("benchmarks", "target", "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        Files.createDirectories(out);
        System.exit(run(size, only, formats, tasks, peers, out, System.out));
    }

    /** --tasks: a comma-separated list of distinct task counts, each at least 1, run in the order given. */
    static List<Integer> parseTasks(String value) {
        List<Integer> tasks = new ArrayList<>();
        for (String part : value.split(",")) {
            int n;
            try {
                n = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tasks takes task counts like 1,2,4, got " + value);
            }
            if (n < 1 || tasks.contains(n)) {
                throw new IllegalArgumentException("--tasks takes distinct task counts of at least 1, got " + value);
            }
            tasks.add(n);
        }
        return List.copyOf(tasks);
    }

    static int run(BenchSize size, Set<String> only, List<Format> formats, List<Integer> tasks, Path peers, Path out,
                   PrintStream log) throws Exception {
        if (only.equals(Set.of("scaling"))) {
            formats = List.of(Format.JSON); // the scaling scenario runs in JSON alone: no registry to start
        }
        List<Path> plugins = new ArrayList<>();
        Optional<String> debezium = debeziumVersion(peers);
        for (String plugin : List.of("debezium-connector-postgres", "debezium-connector-jdbc")) {
            if (Files.isDirectory(peers.resolve(plugin))) {
                plugins.add(peers.resolve(plugin).toAbsolutePath());
            }
        }
        boolean withDebezium = plugins.size() == 2 && debezium.isPresent();
        if (!withDebezium) {
            log.println("Debezium's plugins are not under " + peers + " (bin/adbsync bench fetches them): measuring adbsync alone");
        }
        long started = System.nanoTime();
        log.printf("bench: %s run in %s, results in %s%n", size.name(),
                formats.stream().map(Format::title).collect(Collectors.joining(" and ")), out.toAbsolutePath());
        List<Measurement> results = new ArrayList<>();
        try (BenchStack stack = BenchStack.start(plugins, formats.contains(Format.AVRO))) {
            List<Engine> engines = engines(stack, formats, withDebezium ? debezium : Optional.empty());
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
            if (only.contains("scaling")) {
                // JSON only: what N changes is the tasks' share of the work, the same in either format.
                results.addAll(new ScalingBench(stack, size, log, tasks)
                        .run(new AdbsyncEngine(Format.JSON, AdbsyncEngine.JSON_CONVERTERS)));
            }
            Map<String, Object> settings = new LinkedHashMap<>(size.describe());
            settings.put("formats", formats.stream().map(Format::key).collect(Collectors.joining(", ")));
            if (only.contains("scaling")) {
                settings.put("scaling", "adbsync source, JSON, tasks.max " + tasks.stream().map(String::valueOf)
                        .collect(Collectors.joining(", ")) + ", topics of " + tasks.stream().mapToInt(Integer::intValue).max()
                        .orElse(1) + " partitions");
            }
            // One figure per scenario and system: the median of its repetitions, every run's value kept beside it.
            results = Runs.combine(results);
            Report report;
            try (Connection c = stack.sourceConnection()) {
                report = new Report(results, MachineInfo.describe(c, System.getProperty("adbsync.version", "dev"),
                        debezium.orElse("not measured")), settings);
            }
            report.writeJson(out.resolve("results.json"));
            render(report, out);
            log.println();
            log.print(report.markdown());
            log.printf("%nbench: done in %.1f min; %s%n", (System.nanoTime() - started) / 60e9, out.toAbsolutePath());
        }
        return 0;
    }

    /**
     * adbsync and (when its plugins are there) Debezium in each format: JSON with each engine's JSON converter,
     * Avro with the one converter and registry of the stack for both, so the engines of a format differ only in
     * the connectors.
     */
    static List<Engine> engines(BenchStack stack, List<Format> formats, Optional<String> debezium) {
        List<Engine> engines = new ArrayList<>();
        for (Format format : formats) {
            Map<String, String> ours = format == Format.AVRO ? stack.avroConverters() : AdbsyncEngine.JSON_CONVERTERS;
            Map<String, String> peer = format == Format.AVRO ? stack.avroConverters() : DebeziumEngine.JSON_CONVERTERS;
            engines.add(new AdbsyncEngine(format, ours));
            debezium.ifPresent(version -> engines.add(new DebeziumEngine(version, format, peer)));
        }
        return engines;
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
