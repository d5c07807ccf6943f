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
    public static final List<Scenario> SCENARIOS = List.of(Scenario.SNAPSHOT_ROWS, Scenario.SNAPSHOT_MB, Scenario.STREAMING,
            Scenario.RECORD_BYTES, Scenario.SINK_UPSERT, Scenario.SINK_DELETE, Scenario.LAG_P50, Scenario.LAG_P99,
            Scenario.PEAK_HEAP, Scenario.PEAK_RSS);

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

    /** The formats the engines ran with, in {@link Format} order (JSON first). */
    public List<Format> formats() {
        return Arrays.stream(Format.values())
                .filter(f -> measurements.stream().anyMatch(m -> m.format() == f))
                .toList();
    }

    /**
     * The figure of {@code role} for {@code scenario} in {@code format}; the database's limits have no format and
     * are found for every format.
     */
    public Optional<Measurement> find(Scenario scenario, Role role, Format format) {
        return measurements.stream()
                .filter(m -> m.scenario().equals(scenario) && m.role() == role && (role == Role.LIMIT || m.format() == format))
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
                        .append(" | ").append(ratio(scenario, Role.PEER, format).map(r -> peerRatio(scenario, r)).orElse("–"))
                        .append(" | ").append(ratio(scenario, Role.LIMIT, format)
                                .map(r -> String.format(Locale.ROOT, "%.0f %%", r * 100)).orElse("–"))
                        .append(" | ").append(scenario.target()).append(" |\n");
            }
            md.append('\n');
        }
        List<Format> formats = formats();
        if (formats.size() > 1) {
            sideBySide(md, peer, formats);
        }
        md.append("Machine and versions: ");
        List<String> parts = new ArrayList<>();
        machine.forEach((k, v) -> parts.add(k + " " + v));
        md.append(String.join("; ", parts)).append(".\n\n");
        md.append("Settings: ");
        parts.clear();
        settings.forEach((k, v) -> parts.add(k + " = " + v));
        md.append(String.join("; ", parts)).append(".\n");
        return md.toString();
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
            if (measurements.stream().noneMatch(m -> m.scenario().equals(scenario) && m.format() != null)) {
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
            if (!m.ok()) {
                return "failed (" + m.details().getOrDefault("error", "no figure") + ")";
            }
            String value = format(m.value());
            return named ? value + " (" + m.system() + ")" : value;
        }).orElse("–");
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
            Scenario scenario = SCENARIOS.stream().filter(s -> s.key().equals(row.get("scenario"))).findFirst()
                    .orElseThrow(() -> new IOException("Unknown scenario " + row.get("scenario") + " in " + file));
            Object value = row.get("value");
            Role role = Role.valueOf(((String) row.get("role")).toUpperCase(Locale.ROOT));
            // Runs from before the format was recorded measured the engines in JSON only.
            Format format = role == Role.LIMIT ? null
                    : row.get("format") == null ? Format.JSON : Format.ofKey((String) row.get("format"));
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
                ratio(scenario, Role.PEER, format).ifPresent(r -> ofFormat.put(scenario.key() + ".ours_over_peer", r));
                ratio(scenario, Role.LIMIT, format).ifPresent(r -> ofFormat.put(scenario.key() + ".ours_over_limit", r));
            }
            ratios.put(format.key(), ofFormat);
        }
        root.put("ratios", ratios);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }
}
