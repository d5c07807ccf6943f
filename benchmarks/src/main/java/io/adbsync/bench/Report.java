package io.adbsync.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Turns the measurements of one run into the markdown table and the raw JSON the benchmark leaves behind. */
public final class Report {

    /** The order scenarios appear in, in the table and the chart. */
    public static final List<Scenario> SCENARIOS = List.of(Scenario.SNAPSHOT_ROWS, Scenario.SNAPSHOT_MB, Scenario.SNAPSHOT_CPU,
            Scenario.STREAMING, Scenario.STREAMING_CPU, Scenario.KAFKA_INGEST, Scenario.KAFKA_INGEST_MB, Scenario.KAFKA_INGEST_CPU,
            Scenario.RECORD_BYTES, Scenario.SINK_UPSERT, Scenario.SINK_UPSERT_CPU, Scenario.SINK_DELETE, Scenario.SINK_DELETE_CPU,
            Scenario.LAG_P50, Scenario.LAG_P99, Scenario.PEAK_HEAP, Scenario.PEAK_RSS);
    /** adbsync's source by tasks.max ({@link ScalingBench}): a section of their own, one row per N. */
    public static final List<Scenario> SCALING = List.of(Scenario.SCALING_SNAPSHOT, Scenario.SCALING_STREAMING,
            Scenario.SCALING_SNAPSHOT_CPU, Scenario.SCALING_STREAMING_CPU);
    /** The CPU figures, each after the throughput it was measured with. */
    static final List<Scenario> CPU = List.of(Scenario.SNAPSHOT_CPU, Scenario.STREAMING_CPU, Scenario.KAFKA_INGEST_CPU,
            Scenario.SINK_UPSERT_CPU, Scenario.SINK_DELETE_CPU);
    /** What a ratio cell says instead of a ratio when the runs of both sides overlap (see {@link Runs.Spread#overlaps}). */
    static final String SPREAD_TOO_WIDE = "spread too wide";

    private final List<Measurement> measurements;
    private final Map<String, String> machine;
    private final Map<String, Object> settings;

    public Report(List<Measurement> measurements, Map<String, String> machine, Map<String, Object> settings) {
        this.measurements = List.copyOf(measurements);
        this.machine = machine;
        this.settings = settings;
    }

    public List<Measurement> measurements() {
        return measurements;
    }

    /** The formats the engines ran with in the comparison's scenarios, in {@link Format} order (JSON first). */
    public List<Format> formats() {
        return formatsOf(SCENARIOS);
    }

    private List<Format> formatsOf(List<Scenario> scenarios) {
        return Arrays.stream(Format.values())
                .filter(f -> measurements.stream().anyMatch(m -> m.format() == f && scenarios.contains(m.scenario())))
                .toList();
    }

    /**
     * The figure of {@code role} for {@code scenario} in {@code format}; the database's limits have no format and
     * are found for every format, a limit measured with a format's records only for that format.
     */
    public Optional<Measurement> find(Scenario scenario, Role role, Format format) {
        return measurements.stream()
                .filter(m -> m.scenario().equals(scenario) && m.role() == role
                        && (m.format() == format || role == Role.LIMIT && m.format() == null))
                .findFirst();
    }

    /** ours / other for the scenario, when both were measured; ours and a peer only in the same format. */
    public Optional<Double> ratio(Scenario scenario, Role other, Format format) {
        Optional<Measurement> ours = find(scenario, Role.OURS, format).filter(Measurement::ok);
        Optional<Measurement> them = find(scenario, other, format).filter(Measurement::ok).filter(m -> m.value() > 0);
        if (ours.isEmpty() || them.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(ours.get().value() / them.get().value());
    }

    /**
     * Whether the ratio of ours over {@code other} is withheld: both were repeated or not, their runs' ranges
     * overlap, so the runs do not say which of the two is ahead (a single run on each side is never refused).
     */
    public boolean spreadTooWide(Scenario scenario, Role other, Format format) {
        Optional<Measurement> ours = find(scenario, Role.OURS, format).filter(Measurement::ok);
        Optional<Measurement> them = find(scenario, other, format).filter(Measurement::ok);
        if (ours.isEmpty() || them.isEmpty()) {
            return false;
        }
        Runs.Spread a = Runs.Spread.of(ours.get());
        Runs.Spread b = Runs.Spread.of(them.get());
        return (a.runs() > 1 || b.runs() > 1) && a.overlaps(b);
    }

    /** The ratio cell: the median ratio, the range of run-over-run quotients when repeated, or why there is none. */
    String ratioCell(Scenario scenario, Role other, Format format) {
        Optional<Double> ratio = ratio(scenario, other, format);
        if (ratio.isEmpty()) {
            return "–";
        }
        Runs.Spread a = Runs.Spread.of(find(scenario, Role.OURS, format).orElseThrow());
        Runs.Spread b = Runs.Spread.of(find(scenario, other, format).orElseThrow());
        double[] range = a.ratioRange(b);
        if (spreadTooWide(scenario, other, format)) {
            return String.format(Locale.ROOT, "%s (%.2f–%.2f×)", SPREAD_TOO_WIDE, range[0], range[1]);
        }
        String median = other == Role.LIMIT ? limitRatio(scenario, ratio.get()) : peerRatio(scenario, ratio.get());
        if (a.runs() == 1 && b.runs() == 1) {
            return median;
        }
        if (other == Role.LIMIT && scenario.higherIsBetter()) {
            return median + " (" + percent(range[0]).replace(" %", "") + "–" + percent(range[1]) + ")";
        }
        if (other == Role.LIMIT) {
            return median + String.format(Locale.ROOT, " (%.1f–%.1f×)", range[0], range[1]);
        }
        if (!scenario.higherIsBetter() && ratio.get() < 1) {
            return median + String.format(Locale.ROOT, " (%.1f–%.1f×)", 1 / range[1], 1 / range[0]);
        }
        return median + String.format(Locale.ROOT, " (%.2f–%.2f×)", range[0], range[1]);
    }

    /**
     * ours / limit: a share of the limit for a rate; for a cost (CPU per record), how many times the limit's cost,
     * since "4518 %" of the CPU COPY spends reads worse than "45×".
     */
    static String limitRatio(Scenario scenario, double ratio) {
        if (scenario.higherIsBetter()) {
            return percent(ratio);
        }
        return String.format(Locale.ROOT, ratio >= 10 ? "%.0f×" : "%.1f×", ratio);
    }

    private static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.0f %%", ratio * 100);
    }
    /**
     * One table per format with the engines, the limit and the ratios between them, then (with several formats)
     * the engines' figures of every format side by side, then the machine and the settings.
     */
    public String markdown() {
        StringBuilder md = new StringBuilder();
        String peer = systemName(Role.PEER, "Debezium");
        for (Format format : formats()) {
            md.append("### ").append(format.title()).append("\n\n").append(format.converters()).append(".\n\n");
            md.append("| Scenario | adbsync | ").append(peer).append(" | Limit | adbsync / peer | adbsync / limit | Target |\n");
            md.append("|---|---:|---:|---:|---:|---:|---|\n");
            for (Scenario scenario : SCENARIOS) {
                if (measurements.stream().noneMatch(m -> m.scenario().equals(scenario) && (m.format() == null || m.format() == format))) {
                    continue;
                }
                md.append("| ").append(title(scenario))
                        .append(" | ").append(cell(scenario, Role.OURS, format, false))
                        .append(" | ").append(cell(scenario, Role.PEER, format, false))
                        .append(" | ").append(cell(scenario, Role.LIMIT, format, true))
                        .append(" | ").append(ratioCell(scenario, Role.PEER, format))
                        .append(" | ").append(ratioCell(scenario, Role.LIMIT, format))
                        .append(" | ").append(scenario.target()).append(" |\n");
            }
            md.append('\n');
            brokerLimit(md, format);
            cpuByProcess(md, format);
        }
        List<Format> formats = formats();
        if (formats.size() > 1) {
            sideBySide(md, peer, formats);
        }
        for (Format format : formatsOf(SCALING)) {
            scaling(md, format);
        }
        md.append("Machine and versions: ");
        List<String> parts = new ArrayList<>();
        machine.forEach((k, v) -> parts.add(k + " " + v));
        md.append(String.join("; ", parts)).append(".\n\n");
        md.append("Settings: ");
        parts.clear();
        settings.forEach((k, v) -> parts.add(k + " = " + v));
        md.append(String.join("; ", parts)).append(".\n");
        int runs = measurements.stream().mapToInt(m -> Runs.Spread.of(m).runs()).max().orElse(1);
        if (runs > 1) {
            md.append("\nThroughput and CPU figures are the median of ").append(runs)
                    .append(" runs, the runs' lowest and highest in brackets; a ratio's brackets hold the lowest and highest")
                    .append(" quotient of a run over a run. Where the two systems' ranges overlap the ratio reads \"")
                    .append(SPREAD_TOO_WIDE).append("\": the runs do not say which is ahead.\n");
        }
        return md.toString();
    }

    /** adbsync's source figures over the broker's ingest of the same records, when both were measured. */
    private void brokerLimit(StringBuilder md, Format format) {
        Optional<Measurement> broker = find(Scenario.KAFKA_INGEST, Role.LIMIT, format).filter(Measurement::ok);
        if (broker.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        for (Scenario scenario : List.of(Scenario.SNAPSHOT_ROWS, Scenario.STREAMING)) {
            for (Role role : List.of(Role.OURS, Role.PEER)) {
                find(scenario, role, format).filter(Measurement::ok).ifPresent(m -> parts.add(
                        m.system() + " " + scenario.title().toLowerCase(Locale.ROOT) + " " + percent(m.value() / broker.get().value())));
            }
        }
        if (!parts.isEmpty()) {
            md.append("Against the broker's ingest limit (").append(format(broker.get().value()))
                    .append(" records/s of these records from a plain producer): ").append(String.join(", ", parts)).append(".\n\n");
        }
    }

    /** The processes (or parts of one) that {@code rows}' CPU figures name, in the order first named. */
    private static List<String> cpuParts(List<Measurement> rows) {
        List<String> parts = new ArrayList<>();
        for (Measurement m : rows) {
            ((Map<?, ?>) m.details().get("cpu_ms_per_million")).keySet().forEach(k -> {
                if (!parts.contains(String.valueOf(k))) {
                    parts.add(String.valueOf(k));
                }
            });
        }
        return parts;
    }

    /** Each CPU figure split by process: where a record's CPU went. */
    private void cpuByProcess(StringBuilder md, Format format) {
        List<Measurement> rows = new ArrayList<>();
        for (Scenario scenario : CPU) {
            for (Role role : List.of(Role.OURS, Role.PEER, Role.LIMIT)) {
                find(scenario, role, format).filter(Measurement::ok).filter(m -> m.details().get("cpu_ms_per_million") instanceof Map)
                        .ifPresent(rows::add);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        List<String> parts = cpuParts(rows);
        md.append("CPU by process (").append(Scenario.CPU_UNIT).append(", the run at the median):\n\n| Scenario | System |");
        parts.forEach(p -> md.append(' ').append(p).append(" |"));
        md.append(" Total |\n|---|---|").append("---:|".repeat(parts.size() + 1)).append('\n');
        for (Measurement m : rows) {
            Map<?, ?> per = (Map<?, ?>) m.details().get("cpu_ms_per_million");
            md.append("| ").append(m.scenario().title()).append(" | ").append(m.system()).append(" |");
            double total = 0;
            for (String part : parts) {
                Object v = per.get(part);
                double value = v == null ? 0 : ((Number) v).doubleValue();
                total += value;
                md.append(' ').append(v == null ? "–" : format(value)).append(" |");
            }
            md.append(' ').append(format(total)).append(" |\n");
        }
        md.append('\n');
    }

    /** Each engine's figures in every format, next to each other; no ratios, as the formats are not the comparison. */
    private void sideBySide(StringBuilder md, String peer, List<Format> formats) {
        md.append("### ").append(formats.stream().map(Format::title).collect(Collectors.joining(" and "))).append(" side by side\n\n");
        md.append("| Scenario |");
        StringBuilder rule = new StringBuilder("|---|");
        for (String system : List.of("adbsync", peer)) {
            for (Format format : formats) {
                md.append(' ').append(system).append(' ').append(format.title()).append(" |");
                rule.append("---:|");
            }
        }
        md.append('\n').append(rule).append('\n');
        for (Scenario scenario : SCENARIOS) {
            if (measurements.stream().noneMatch(m -> m.scenario().equals(scenario) && m.role() != Role.LIMIT)) {
                continue;
            }
            md.append("| ").append(title(scenario)).append(" |");
            for (Role role : List.of(Role.OURS, Role.PEER)) {
                for (Format format : formats) {
                    md.append(' ').append(cell(scenario, role, format, false)).append(" |");
                }
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static String title(Scenario scenario) {
        return scenario.title() + " (" + scenario.unit() + ")";
    }

    /** ours / peer; where lower is better and ours is lower, said the way round a reader compares: "12× lower". */
    static String peerRatio(Scenario scenario, double ratio) {
        if (!scenario.higherIsBetter() && ratio > 0 && ratio < 1) {
            double times = 1 / ratio;
            return String.format(Locale.ROOT, times >= 10 ? "%.0f× lower" : "%.1f× lower", times);
        }
        return String.format(Locale.ROOT, "%.2f×", ratio);
    }

    String systemName(Role role, String fallback) {
        return measurements.stream().filter(m -> m.role() == role).map(Measurement::system).findFirst().orElse(fallback);
    }

    private String cell(Scenario scenario, Role role, Format format, boolean named) {
        return find(scenario, role, format).map(m -> {
            String value = figure(m);
            return named && m.ok() ? value + " (" + m.system() + ")" : value;
        }).orElse("–");
    }

    /** A figure's cell: its value, the runs' range when repeated, or why it failed. */
    private static String figure(Measurement m) {
        if (!m.ok()) {
            return "failed (" + m.details().getOrDefault("error", "no figure") + ")";
        }
        Runs.Spread spread = Runs.Spread.of(m);
        String value = format(m.value());
        if (spread.runs() > 1) {
            value += " (" + format(spread.min()) + "–" + format(spread.max()) + ")";
        }
        return value;
    }

    /** The figure of {@code scenario} with {@code tasks} source tasks in {@code format}. */
    Optional<Measurement> scaled(Scenario scenario, int tasks, Format format) {
        return measurements.stream().filter(m -> m.scenario().equals(scenario) && m.format() == format
                && m.details().get(ScalingBench.TASKS) instanceof Number n && n.intValue() == tasks).findFirst();
    }

    /** The task counts the scaling scenario ran with in {@code format}, ascending. */
    List<Integer> taskCounts(Format format) {
        return measurements.stream().filter(m -> SCALING.contains(m.scenario()) && m.format() == format)
                .map(m -> m.details().get(ScalingBench.TASKS)).filter(Number.class::isInstance)
                .map(n -> ((Number) n).intValue()).distinct().sorted().toList();
    }

    /**
     * Records per second that {@code tasks} tasks would move with a core each, from the source tasks' CPU per
     * million records: a core moves 10^9 / (CPU-ms per million) records/s, N cores N times that. The tasks' CPU per
     * record already holds what N costs (each task decodes the whole stream and reads every chunk), so the
     * prediction flattens as N grows; it assumes the broker and PostgreSQL keep up.
     */
    static double predicted(int tasks, double taskCpuPerMillion) {
        return tasks * 1e9 / taskCpuPerMillion;
    }

    /**
     * The rate one of the source's {@code tasks} readers could serve: each walsender decodes every change (each task's
     * COPY reads every chunk), so one reader's CPU per record is the source PostgreSQL's divided by N, and a core of it
     * serves 10^9 / that. Every N's stream is capped there, however many tasks convert it.
     */
    static double readerCap(int tasks, double sourceCpuPerMillion) {
        return tasks * 1e9 / sourceCpuPerMillion;
    }

    /**
     * adbsync's source with tasks.max = 1, 2, 4: the rates and their speed-up over one task, then the CPU per record
     * by process and the throughput it predicts with a worker per task.
     */
    private void scaling(StringBuilder md, Format format) {
        List<Integer> counts = taskCounts(format);
        if (counts.isEmpty()) {
            return;
        }
        md.append("### Source scaling by tasks.max (").append(format.title()).append(")\n\n");
        Object partitions = measurements.stream().filter(m -> SCALING.contains(m.scenario()) && m.format() == format)
                .map(m -> m.details().get(ScalingBench.PARTITIONS)).filter(p -> p != null).findFirst().orElse("?");
        md.append("One adbsync source connector with key-sharded tasks, each N with its own slots, topics (")
                .append(partitions).append(" partitions) and connector, all on this machine; the speed-up is over tasks.max=")
                .append(counts.get(0)).append(".\n\n");
        md.append("| tasks.max | Snapshot (rows/s) | Speed-up | Streaming (events/s) | Speed-up |\n|---:|---:|---:|---:|---:|\n");
        for (int tasks : counts) {
            md.append("| ").append(tasks);
            for (Scenario scenario : List.of(Scenario.SCALING_SNAPSHOT, Scenario.SCALING_STREAMING)) {
                Optional<Measurement> m = scaled(scenario, tasks, format);
                Optional<Measurement> first = scaled(scenario, counts.get(0), format).filter(Measurement::ok);
                md.append(" | ").append(m.map(Report::figure).orElse("–")).append(" | ")
                        .append(m.filter(Measurement::ok).flatMap(x -> first.map(f -> String.format(Locale.ROOT, "%.2f×",
                                x.value() / f.value()))).orElse("–"));
            }
            md.append(" |\n");
        }
        md.append('\n');
        List<Measurement> rows = new ArrayList<>();
        for (Scenario scenario : List.of(Scenario.SCALING_SNAPSHOT_CPU, Scenario.SCALING_STREAMING_CPU)) {
            for (int tasks : counts) {
                scaled(scenario, tasks, format).filter(Measurement::ok)
                        .filter(m -> m.details().get("cpu_ms_per_million") instanceof Map).ifPresent(rows::add);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        List<String> parts = cpuParts(rows);
        md.append("CPU by process (").append(Scenario.CPU_UNIT).append(", the run at the median) and what it predicts:\n\n")
                .append("| Phase | tasks.max |");
        parts.forEach(p -> md.append(' ').append(p).append(" |"));
        md.append(" Total | Records/s per core of task CPU | Predicted, a core per task | Source PostgreSQL cores at that rate"
                        + " | Source cap, one reader's rate |\n")
                .append("|---|---:|").append("---:|".repeat(parts.size() + 5)).append('\n');
        for (Measurement m : rows) {
            Map<?, ?> per = (Map<?, ?>) m.details().get("cpu_ms_per_million");
            int tasks = ((Number) m.details().get(ScalingBench.TASKS)).intValue();
            md.append("| ").append(m.scenario() == Scenario.SCALING_SNAPSHOT_CPU ? "Snapshot" : "Streaming")
                    .append(" | ").append(tasks).append(" |");
            double total = 0;
            for (String part : parts) {
                Object v = per.get(part);
                double value = v == null ? 0 : ((Number) v).doubleValue();
                total += value;
                md.append(' ').append(v == null ? "–" : format(value)).append(" |");
            }
            md.append(' ').append(format(total)).append(" |");
            Object taskCpu = per.get(ThreadCpu.TASKS);
            Object pgCpu = per.get(ScalingBench.SOURCE_PG);
            if (taskCpu instanceof Number t && t.doubleValue() > 0) {
                double prediction = predicted(tasks, t.doubleValue());
                md.append(' ').append(format(1e9 / t.doubleValue())).append(" | ").append(format(prediction)).append(" | ")
                        .append(pgCpu instanceof Number p ? String.format(Locale.ROOT, "%.2f", prediction * p.doubleValue() / 1e9)
                                : "–").append(" |");
            } else {
                md.append(" – | – | – |");
            }
            md.append(' ').append(pgCpu instanceof Number p && p.doubleValue() > 0 ? format(readerCap(tasks, p.doubleValue())) : "–")
                    .append(" |\n");
        }
        md.append("\nPredicted: N × the records a core of source-task CPU moves, as if each task had a worker core of its own")
                .append(" and the broker and PostgreSQL kept up. Each task decodes the whole stream and reads every snapshot")
                .append(" chunk, so the tasks' and the source PostgreSQL's CPU per record grow with N (N walsenders decode")
                .append(" the same WAL); the next column is the source PostgreSQL CPU that rate takes. The")
                .append(" source cap is what one reader (a walsender, or a task's COPY) could serve with a core: N × 10^9 / the")
                .append(" source PostgreSQL's CPU per million records; in principle the same for every N, but the server's background")
                .append(" processes (autovacuum, checkpointer) count in it per second, not per record, so a slow run reads lower.\n\n");
    }

    static String format(double value) {
        if (value >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** Reads a run's results.json back, to render its table and chart again. */
    @SuppressWarnings("unchecked")
    public static Report readJson(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, Object> root = json.readValue(file.toFile(), Map.class);
        List<Measurement> measurements = new ArrayList<>();
        for (Map<String, Object> row : (List<Map<String, Object>>) root.get("measurements")) {
            Scenario scenario = java.util.stream.Stream.concat(SCENARIOS.stream(), SCALING.stream())
                    .filter(s -> s.key().equals(row.get("scenario"))).findFirst()
                    .orElseThrow(() -> new IOException("Unknown scenario " + row.get("scenario") + " in " + file));
            Object value = row.get("value");
            Role role = Role.valueOf(((String) row.get("role")).toUpperCase(Locale.ROOT));
            // Runs from before the format was recorded measured the engines in JSON only.
            Format format = row.get("format") != null ? Format.ofKey((String) row.get("format"))
                    : role == Role.LIMIT ? null : Format.JSON;
            measurements.add(new Measurement(scenario, (String) row.get("system"), role, format,
                    value == null ? Double.NaN : ((Number) value).doubleValue(), (Map<String, Object>) row.get("details")));
        }
        return new Report(measurements, (Map<String, String>) root.get("machine"), (Map<String, Object>) root.get("settings"));
    }

    /** The raw results: every measurement with the numbers behind it, the machine and the settings. */
    public void writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("settings", settings);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Measurement m : measurements) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("scenario", m.scenario().key());
            row.put("unit", m.scenario().unit());
            row.put("system", m.system());
            row.put("role", m.role().name().toLowerCase(Locale.ROOT));
            row.put("format", m.format() == null ? null : m.format().key());
            row.put("value", m.ok() ? m.value() : null);
            row.put("details", m.details());
            rows.add(row);
        }
        root.put("measurements", rows);
        // Per format: a ratio is only ever between engines that ran with the same converters in this run.
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (Format format : formats()) {
            Map<String, Object> ofFormat = new LinkedHashMap<>();
            for (Scenario scenario : SCENARIOS) {
                for (Role other : List.of(Role.PEER, Role.LIMIT)) {
                    String key = scenario.key() + (other == Role.PEER ? ".ours_over_peer" : ".ours_over_limit");
                    if (spreadTooWide(scenario, other, format)) {
                        ofFormat.put(key, SPREAD_TOO_WIDE);
                    } else {
                        ratio(scenario, other, format).ifPresent(r -> ofFormat.put(key, r));
                    }
                }
            }
            ratios.put(format.key(), ofFormat);
        }
        root.put("ratios", ratios);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }
}
