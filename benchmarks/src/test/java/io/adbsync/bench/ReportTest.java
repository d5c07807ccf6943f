package io.adbsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReportTest {

    private static final Map<String, String> MACHINE = new LinkedHashMap<>(Map.of("CPU", "test, 2 cores"));
    private static final String DEBEZIUM = "Debezium 3.6.0.Final";

    private static Measurement engine(Scenario scenario, Role role, Format format, double value) {
        return new Measurement(scenario, role == Role.OURS ? "adbsync" : DEBEZIUM, role, format, value, Map.of());
    }

    /** A JSON-only run, as before formats: the engines' figures and the limits. */
    private static Report jsonOnly() {
        return new Report(List.of(
                new Measurement(Scenario.SINK_UPSERT, "adbsync", Role.OURS, Format.JSON, 60_000, Map.of("seconds", 2.0)),
                engine(Scenario.SINK_UPSERT, Role.PEER, Format.JSON, 10_000),
                Measurement.limit(Scenario.SINK_UPSERT, "COPY FROM STDIN", 200_000, Map.of()),
                engine(Scenario.LAG_P99, Role.OURS, Format.JSON, 450),
                engine(Scenario.LAG_P50, Role.OURS, Format.JSON, 40),
                engine(Scenario.LAG_P50, Role.PEER, Format.JSON, 2000),
                new Measurement(Scenario.LAG_P99, DEBEZIUM, Role.PEER, Format.JSON, Double.NaN, Map.of("error", "task FAILED: boom"))),
                MACHINE, Map.of("mode", "quick"));
    }

    /** Both formats: one limit for both, Debezium's Avro snapshot failed, record sizes per format. */
    private static Report bothFormats() {
        return new Report(List.of(
                Measurement.limit(Scenario.SNAPSHOT_ROWS, "COPY TO STDOUT", 1_000_000, Map.of()),
                engine(Scenario.SNAPSHOT_ROWS, Role.OURS, Format.JSON, 100_000),
                engine(Scenario.RECORD_BYTES, Role.OURS, Format.JSON, 2400),
                engine(Scenario.SNAPSHOT_ROWS, Role.PEER, Format.JSON, 20_000),
                engine(Scenario.RECORD_BYTES, Role.PEER, Format.JSON, 2900),
                engine(Scenario.SNAPSHOT_ROWS, Role.OURS, Format.AVRO, 150_000),
                engine(Scenario.RECORD_BYTES, Role.OURS, Format.AVRO, 300),
                new Measurement(Scenario.SNAPSHOT_ROWS, DEBEZIUM, Role.PEER, Format.AVRO, Double.NaN, Map.of("error", "409"))),
                MACHINE, Map.of("mode", "quick", "formats", "json, avro"));
    }

    @Test
    void ratiosDivideOursByPeerAndByLimit() {
        Report report = jsonOnly();
        assertThat(report.ratio(Scenario.SINK_UPSERT, Role.PEER, Format.JSON)).contains(6.0);
        assertThat(report.ratio(Scenario.SINK_UPSERT, Role.LIMIT, Format.JSON)).contains(0.3);
        assertThat(report.ratio(Scenario.LAG_P99, Role.PEER, Format.JSON)).as("no ratio against a failed run").isEmpty();
        assertThat(report.ratio(Scenario.SINK_UPSERT, Role.PEER, Format.AVRO)).as("nothing measured in Avro").isEmpty();
    }

    @Test
    void ratiosStayWithinAFormatAndTheLimitServesBoth() {
        Report report = bothFormats();
        assertThat(report.formats()).containsExactly(Format.JSON, Format.AVRO);
        assertThat(report.ratio(Scenario.SNAPSHOT_ROWS, Role.PEER, Format.JSON)).contains(5.0);
        assertThat(report.ratio(Scenario.SNAPSHOT_ROWS, Role.PEER, Format.AVRO))
                .as("Debezium's Avro run failed; its JSON figure is not a stand-in").isEmpty();
        assertThat(report.ratio(Scenario.SNAPSHOT_ROWS, Role.LIMIT, Format.JSON)).contains(0.1);
        assertThat(report.ratio(Scenario.SNAPSHOT_ROWS, Role.LIMIT, Format.AVRO)).contains(0.15);
    }

    @Test
    void markdownShowsFiguresRatiosFailuresAndTheMachine() {
        String md = jsonOnly().markdown();
        assertThat(md).contains("### JSON\n")
                .contains("| Scenario | adbsync | Debezium 3.6.0.Final | Limit |")
                .contains("| Sink, upsert-heavy (rows/s) | 60,000 | 10,000 | 200,000 (COPY FROM STDIN) | 6.00× | 30 % |")
                .contains("failed (task FAILED: boom)")
                .contains("| End-to-end lag p50 (ms) | 40.0 | 2,000 | – | 50× lower | – |")
                .contains("CPU test, 2 cores")
                .doesNotContain("Snapshot")
                .doesNotContain("Avro");
    }

    @Test
    void markdownHasATablePerFormatAndTheFormatsSideBySide() {
        String md = bothFormats().markdown();
        String json = md.substring(md.indexOf("### JSON"), md.indexOf("### Avro\n"));
        String avro = md.substring(md.indexOf("### Avro\n"), md.indexOf("### JSON and Avro side by side"));
        String sideBySide = md.substring(md.indexOf("### JSON and Avro side by side"), md.indexOf("Machine and versions"));
        assertThat(json).contains("| Snapshot (rows/s) | 100,000 | 20,000 | 1,000,000 (COPY TO STDOUT) | 5.00× | 10 % |")
                .contains("| Record size, key + value (snapshot) (bytes) | 2,400 | 2,900 | – | 1.2× lower | – |");
        assertThat(avro).contains("Apicurio's AvroConverter")
                .contains("| Snapshot (rows/s) | 150,000 | failed (409) | 1,000,000 (COPY TO STDOUT) | – | 15 % |")
                .contains("| Record size, key + value (snapshot) (bytes) | 300 | – | – | – | – |");
        assertThat(sideBySide)
                .contains("| Scenario | adbsync JSON | adbsync Avro | Debezium 3.6.0.Final JSON | Debezium 3.6.0.Final Avro |")
                .contains("| Snapshot (rows/s) | 100,000 | 150,000 | 20,000 | failed (409) |")
                .contains("| Record size, key + value (snapshot) (bytes) | 2,400 | 300 | 2,900 | – |");
        assertThat(md).contains("formats = json, avro");
    }

    @Test
    void jsonCarriesEveryMeasurementAndTheRatiosPerFormat(@TempDir Path dir) throws Exception {
        bothFormats().writeJson(dir.resolve("results.json"));
        JsonNode root = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(root.get("measurements")).hasSize(8);
        assertThat(root.get("measurements").get(0).get("format").isNull()).as("a limit has no format").isTrue();
        assertThat(root.get("measurements").get(5).get("format").asText()).isEqualTo("avro");
        assertThat(root.get("measurements").get(7).get("value").isNull()).isTrue();
        assertThat(root.get("ratios").get("json").get("snapshot.rows.ours_over_peer").asDouble()).isEqualTo(5.0);
        assertThat(root.get("ratios").get("avro").has("snapshot.rows.ours_over_peer")).isFalse();
        assertThat(root.get("ratios").get("avro").get("snapshot.rows.ours_over_limit").asDouble()).isEqualTo(0.15);
        assertThat(root.get("machine").get("CPU").asText()).isEqualTo("test, 2 cores");
        Report read = Report.readJson(dir.resolve("results.json"));
        assertThat(read.measurements()).isEqualTo(bothFormats().measurements());
        assertThat(read.markdown()).isEqualTo(bothFormats().markdown());
    }

    @Test
    void resultsWithoutFormatsAreJson(@TempDir Path dir) throws Exception {
        jsonOnly().writeJson(dir.resolve("results.json"));
        ObjectMapper mapper = new ObjectMapper();
        JsonNode root = mapper.readTree(dir.resolve("results.json").toFile());
        root.get("measurements").forEach(m -> ((ObjectNode) m).remove("format"));
        mapper.writeValue(dir.resolve("results.json").toFile(), root);
        assertThat(Report.readJson(dir.resolve("results.json")).markdown()).isEqualTo(jsonOnly().markdown());
    }

    @Test
    void formatOptionTakesJsonAvroOrBoth() {
        assertThat(Format.parseOption("both")).containsExactly(Format.JSON, Format.AVRO);
        assertThat(Format.parseOption("avro")).containsExactly(Format.AVRO);
        assertThat(Format.parseOption("JSON")).containsExactly(Format.JSON);
        assertThatThrownBy(() -> Format.parseOption("protobuf")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown format 'protobuf': expected json, avro or both");
    }

    @Test
    void anEngineHasAFormatAndALimitMayHaveOne() {
        assertThat(Measurement.limit(Scenario.KAFKA_INGEST, "Kafka producer", Format.JSON, 1, Map.of()).format()).isEqualTo(Format.JSON);
        assertThatThrownBy(() -> new Measurement(Scenario.STREAMING, "adbsync", Role.OURS, null, 1, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Measurement repeated(Scenario scenario, Role role, Format format, double... runs) {
        List<Measurement> each = new java.util.ArrayList<>();
        for (double run : runs) {
            each.add(role == Role.LIMIT ? Measurement.limit(scenario, "COPY TO STDOUT", run, Map.of())
                    : engine(scenario, role, format, run));
        }
        return Runs.combine(each).get(0);
    }

    /** Three runs each: snapshot clearly apart, streaming overlapping, CPU apart with the lower figure ours. */
    private static Report threeRuns() {
        return new Report(List.of(
                repeated(Scenario.SNAPSHOT_ROWS, Role.OURS, Format.JSON, 100, 110, 120),
                repeated(Scenario.SNAPSHOT_ROWS, Role.PEER, Format.JSON, 50, 55, 60),
                repeated(Scenario.SNAPSHOT_ROWS, Role.LIMIT, null, 1000, 1100, 1200),
                repeated(Scenario.STREAMING, Role.OURS, Format.JSON, 90, 100, 130),
                repeated(Scenario.STREAMING, Role.PEER, Format.JSON, 80, 95, 100),
                repeated(Scenario.SNAPSHOT_CPU, Role.OURS, Format.JSON, 10_000, 11_000, 12_000),
                repeated(Scenario.SNAPSHOT_CPU, Role.PEER, Format.JSON, 30_000, 33_000, 36_000)),
                MACHINE, Map.of("mode", "full"));
    }

    @Test
    void repeatedFiguresShowTheirMedianAndRangeAndRatiosTheirRange() {
        Report report = threeRuns();
        String md = report.markdown();
        assertThat(md).contains("| Snapshot (rows/s) | 110 (100–120) | 55.0 (50.0–60.0) | 1,100 (1,000–1,200) (COPY TO STDOUT) "
                        + "| 2.00× (1.67–2.40×) | 10 % (8–12 %) |")
                .contains("| Snapshot CPU (CPU-ms / M records) | 11,000 (10,000–12,000) | 33,000 (30,000–36,000) | – "
                        + "| 3.0× lower (2.5–3.6×) | – |")
                .contains("the median of 3 runs");
        assertThat(Report.limitRatio(Scenario.SNAPSHOT_CPU, 45.18)).isEqualTo("45×");
        assertThat(Report.limitRatio(Scenario.SNAPSHOT_CPU, 3.26)).isEqualTo("3.3×");
        assertThat(Report.limitRatio(Scenario.SNAPSHOT_ROWS, 0.034)).isEqualTo("3 %");
        assertThat(report.spreadTooWide(Scenario.SNAPSHOT_ROWS, Role.PEER, Format.JSON)).isFalse();
    }

    @Test
    void noRatioWhereTheRunsOfBothSidesOverlap(@TempDir Path dir) throws Exception {
        Report report = threeRuns();
        assertThat(report.spreadTooWide(Scenario.STREAMING, Role.PEER, Format.JSON)).isTrue();
        assertThat(report.ratio(Scenario.STREAMING, Role.PEER, Format.JSON)).as("the median ratio is still known").contains(100.0 / 95);
        assertThat(report.markdown()).contains("| Streaming (backlog drain) (events/s) | 100 (90.0–130) | 95.0 (80.0–100) | – "
                + "| spread too wide (0.90–1.63×) | – |");
        report.writeJson(dir.resolve("results.json"));
        JsonNode root = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(root.get("ratios").get("json").get("streaming.ours_over_peer").asText()).isEqualTo("spread too wide");
        assertThat(root.get("ratios").get("json").get("snapshot.rows.ours_over_peer").asDouble()).isEqualTo(2.0);
        assertThat(root.get("measurements").get(0).get("details").get("runs")).hasSize(3);
        assertThat(Report.readJson(dir.resolve("results.json")).markdown()).isEqualTo(report.markdown());
    }

    @Test
    void singleRunsAreNeverRefusedEvenWhenEqual() {
        Report report = new Report(List.of(engine(Scenario.STREAMING, Role.OURS, Format.JSON, 100),
                engine(Scenario.STREAMING, Role.PEER, Format.JSON, 100)), MACHINE, Map.of());
        assertThat(report.spreadTooWide(Scenario.STREAMING, Role.PEER, Format.JSON)).isFalse();
        assertThat(report.markdown()).contains("| 100 | 100 | – | 1.00× |").doesNotContain("runs");
    }

    @Test
    void theBrokersIngestLimitStandsInItsFormatsTableWithTheSourcesShareOfIt(@TempDir Path dir) throws Exception {
        Map<String, Object> cpu = Map.of("records", 1000, "cpu_ms_per_million",
                new LinkedHashMap<>(Map.of(CpuMeter.JVM, 5000.0)));
        Map<String, Object> ourCpu = new LinkedHashMap<>();
        ourCpu.put("records", 1000);
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put(CpuMeter.JVM, 20_000.0);
        parts.put("source PostgreSQL", 1_500.0);
        ourCpu.put("cpu_ms_per_million", parts);
        Report report = new Report(List.of(
                engine(Scenario.SNAPSHOT_ROWS, Role.OURS, Format.JSON, 50_000),
                engine(Scenario.SNAPSHOT_ROWS, Role.OURS, Format.AVRO, 100_000),
                new Measurement(Scenario.SNAPSHOT_CPU, "adbsync", Role.OURS, Format.JSON, 21_500, ourCpu),
                Measurement.limit(Scenario.KAFKA_INGEST, "Kafka producer", Format.JSON, 200_000, Map.of()),
                Measurement.limit(Scenario.KAFKA_INGEST_CPU, "Kafka producer", Format.JSON, 5_000, cpu),
                Measurement.limit(Scenario.KAFKA_INGEST, "Kafka producer", Format.AVRO, 400_000, Map.of())),
                MACHINE, Map.of());
        String md = report.markdown();
        String json = md.substring(md.indexOf("### JSON"), md.indexOf("### Avro\n"));
        String avro = md.substring(md.indexOf("### Avro\n"), md.indexOf("### JSON and Avro side by side"));
        assertThat(json).contains("| Kafka ingest, plain producer (records/s) | – | – | 200,000 (Kafka producer) |")
                .contains("Against the broker's ingest limit (200,000 records/s of these records from a plain producer): "
                        + "adbsync snapshot 25 %.")
                .contains("| Scenario | System | benchmark JVM | source PostgreSQL | Total |")
                .contains("| Snapshot CPU | adbsync | 20,000 | 1,500 | 21,500 |")
                .contains("| Kafka ingest CPU | Kafka producer | 5,000 | – | 5,000 |");
        assertThat(avro).contains("400,000 (Kafka producer)").doesNotContain("200,000").contains("adbsync snapshot 25 %.");
        assertThat(md.substring(md.indexOf("side by side"))).doesNotContain("Kafka ingest");
        report.writeJson(dir.resolve("results.json"));
        assertThat(Report.readJson(dir.resolve("results.json")).markdown()).isEqualTo(md);
    }

    @Test
    void chartIsAReadablePng(@TempDir Path dir) throws Exception {
        for (Report report : List.of(jsonOnly(), bothFormats())) {
            Chart.write(report, dir.resolve("chart.png"));
            BufferedImage image = ImageIO.read(dir.resolve("chart.png").toFile());
            assertThat(image.getWidth()).isEqualTo(1000);
            assertThat(image.getHeight()).isGreaterThan(200);
        }
    }
}
