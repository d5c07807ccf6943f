package io.adbsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {

    private static final Map<String, String> MACHINE = new LinkedHashMap<>(Map.of("CPU", "test, 2 cores"));

    private static Report sample() {
        return new Report(List.of(
                new Measurement(Scenario.SINK_UPSERT, "adbsync", Role.OURS, 60_000, Map.of("seconds", 2.0)),
                new Measurement(Scenario.SINK_UPSERT, "Debezium 3.6.0.Final", Role.PEER, 10_000, Map.of()),
                new Measurement(Scenario.SINK_UPSERT, "COPY FROM STDIN", Role.LIMIT, 200_000, Map.of()),
                new Measurement(Scenario.LAG_P99, "adbsync", Role.OURS, 450, Map.of()),
                new Measurement(Scenario.LAG_P50, "adbsync", Role.OURS, 40, Map.of()),
                new Measurement(Scenario.LAG_P50, "Debezium 3.6.0.Final", Role.PEER, 2000, Map.of()),
                Measurement.failed(Scenario.LAG_P99, "Debezium 3.6.0.Final", Role.PEER, "task FAILED: boom")),
                MACHINE, Map.of("mode", "quick"));
    }

    @Test
    void ratiosDivideOursByPeerAndByLimit() {
        Report report = sample();
        assertThat(report.ratio(Scenario.SINK_UPSERT, Role.PEER)).contains(6.0);
        assertThat(report.ratio(Scenario.SINK_UPSERT, Role.LIMIT)).contains(0.3);
        assertThat(report.ratio(Scenario.LAG_P99, Role.PEER)).as("no ratio against a failed run").isEmpty();
    }

    @Test
    void markdownShowsFiguresRatiosFailuresAndTheMachine() {
        String md = sample().markdown();
        assertThat(md).contains("| Scenario | adbsync | Debezium 3.6.0.Final | Limit |")
                .contains("| Sink, upsert-heavy (rows/s) | 60,000 | 10,000 | 200,000 (COPY FROM STDIN) | 6.00× | 30 % |")
                .contains("failed (task FAILED: boom)")
                .contains("| End-to-end lag p50 (ms) | 40.0 | 2,000 | – | 50× lower | – |")
                .contains("CPU test, 2 cores")
                .doesNotContain("Snapshot");
    }

    @Test
    void jsonCarriesEveryMeasurementAndTheRatios(@TempDir Path dir) throws Exception {
        sample().writeJson(dir.resolve("results.json"));
        JsonNode root = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertThat(root.get("measurements")).hasSize(7);
        assertThat(root.get("measurements").get(6).get("value").isNull()).isTrue();
        assertThat(root.get("ratios").get("sink.upsert.ours_over_peer").asDouble()).isEqualTo(6.0);
        assertThat(root.get("machine").get("CPU").asText()).isEqualTo("test, 2 cores");
        assertThat(Report.readJson(dir.resolve("results.json")).markdown()).isEqualTo(sample().markdown());
    }

    @Test
    void chartIsAReadablePng(@TempDir Path dir) throws Exception {
        Chart.write(sample(), dir.resolve("chart.png"));
        BufferedImage image = ImageIO.read(dir.resolve("chart.png").toFile());
        assertThat(image.getWidth()).isEqualTo(1000);
        assertThat(image.getHeight()).isGreaterThan(200);
    }
}
