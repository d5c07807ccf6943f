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
    void aLimitHasNoFormatAndAnEngineHasOne() {
        assertThatThrownBy(() -> new Measurement(Scenario.STREAMING, "pg_recvlogical", Role.LIMIT, Format.JSON, 1, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Measurement(Scenario.STREAMING, "adbsync", Role.OURS, null, 1, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
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
