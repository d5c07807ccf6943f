package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adbsync.stack.metrics.MetricsExporter;
import io.adbsync.stack.net.FreePort;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Prometheus (Debian's binary) scrapes the local stack's worker through the JMX exporter rules
 * (config/monitoring/jmx-exporter.yml) and evaluates config/monitoring/alerts.yml while a source and a sink
 * replicate: every metric the Grafana dashboard and the alerts use exists there and moves as it should.
 */
class MonitoringIT extends WithLocalStack {

    private static final Path MONITORING = Path.of("..", "config", "monitoring").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Process prometheus;
    private static URI prometheusUrl;
    private static Path prometheusHome;

    @BeforeAll
    static void startPrometheus() throws Exception {
        Path binary = AlertRulesTest.Binaries.find("prometheus");
        if (binary == null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("prometheus is not installed: .ci/run installs Debian's prometheus package");
        }
        Assumptions.assumeTrue(binary != null,
                "prometheus not found on PATH: install Debian's prometheus package (apt-get install -y prometheus) to run this test");
        MetricsExporter exporter = stack.exposeMetrics(0, MONITORING.resolve("jmx-exporter.yml"));
        prometheusHome = Files.createTempDirectory("adbsync-prometheus-");
        int port = FreePort.find();
        Files.writeString(prometheusHome.resolve("prometheus.yml"), """
                global:
                  # A scrape that outlasts its timeout (at most the interval) marks every series stale, and instant
                  # queries then find none: the in-process worker shares its JVM's MBeans with the broker, a long walk
                  # on two busy cores.
                  scrape_interval: 2s
                  scrape_timeout: 2s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: connect
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(MONITORING.resolve("alerts.yml"), exporter.port()));
        prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + prometheusHome.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + prometheusHome.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(prometheusHome.resolve("prometheus.log").toFile()).start();
        prometheusUrl = URI.create("http://127.0.0.1:" + port);
        Awaitility.await("prometheus ready").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> getRaw("/-/ready").statusCode() == 200);
    }

    @AfterAll
    static void stopPrometheus() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (prometheusHome != null) {
            try (var paths = Files.walk(prometheusHome)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void everyMetricOfTheDashboardAndTheAlertsExistsAndMovesUnderAWorkload() throws Exception {
        String src = postgres.createDatabase("mon_src");
        String dst = postgres.createDatabase("mon_dst");
        sql(postgres, src, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)",
                "INSERT INTO accounts SELECT g, g FROM generate_series(1, 2000) g", "ANALYZE accounts");
        // A row the destination refuses (its CHECK), which the sink sends to the dead-letter queue.
        sql(postgres, dst, "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0))");
        deployPair(src, dst, "mon", Map.of("snapshot.mode", "initial", "heartbeat.interval.ms", "1000"),
                Map.of("errors.tolerance", "all", "errors.deadletterqueue.topic.name", "mon-dlq",
                        "errors.deadletterqueue.topic.replication.factor", "1", "errors.deadletterqueue.context.headers.enable", "true"));

        awaitValue("snapshot progress reaches 100 %", "clamp_max(adbsync_source_snapshot_rowsdone{connector=\"mon-source\"}"
                + " / clamp_min(adbsync_source_snapshot_rowsestimated{connector=\"mon-source\"}, 1), 1)", v -> v == 1.0);
        awaitValue("the snapshot's rows applied", "kafka_connect_sink_sink_record_send_total{connector=\"mon-sink\"}", v -> v >= 2000);

        // A workload: changes for a few seconds, and one row the destination refuses.
        double changesBefore = value("adbsync_source_streaming_totalchangerecords{connector=\"mon-source\"}");
        double appliedBefore = value("kafka_connect_sink_sink_record_send_total{connector=\"mon-sink\"}");
        long end = System.currentTimeMillis() + 6_000;
        int round = 0;
        while (System.currentTimeMillis() < end) {
            sql(postgres, src, "UPDATE accounts SET balance = balance + 1 WHERE id % 10 = " + (round++ % 10));
            Thread.sleep(200);
        }
        sql(postgres, src, "INSERT INTO accounts VALUES (-1, -100)");
        double changed = 200.0 * round / 10;
        awaitValue("source change records grow", "adbsync_source_streaming_totalchangerecords{connector=\"mon-source\"}",
                v -> v >= changesBefore + changed);
        awaitValue("sink records applied grow", "kafka_connect_sink_sink_record_send_total{connector=\"mon-sink\"}",
                v -> v >= appliedBefore + changed);
        awaitValue("the refused row counted as sent to the dead-letter queue",
                "kafka_connect_task_error_deadletterqueue_produce_requests{connector=\"mon-sink\"}", v -> v == 1);
        Awaitility.await("the dead-letter alert fires").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(query("ALERTS{alertname=\"AdbsyncDeadLetterRecords\",alertstate=\"firing\","
                        + "connector=\"mon-sink\"}")).hasSize(1));
        // What the alert's description tells the reader to do: bin/adbsync tail on the dead-letter topic shows the row and why.
        java.io.ByteArrayOutputStream dlq = new java.io.ByteArrayOutputStream();
        io.adbsync.stack.topics.Tail.run(new io.adbsync.stack.topics.Tail.Options(stack.bootstrapServers(), "mon-dlq", 10, true,
                null, false, false), new java.io.PrintStream(dlq, true, StandardCharsets.UTF_8), () -> false);
        JsonNode dead = JSON.readTree(dlq.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow());
        assertThat(dead.get("value").toString()).contains("-100");
        assertThat(dead.get("headers").get("__connect.errors.exception.message").asText()).contains("accounts_balance_check");
        Awaitility.await("destination equals source but the refused row").atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.accounts"))
                        .isEqualTo(rows(postgres, src, "public.accounts").stream().filter(r -> !r.startsWith("(-1,")).toList()));

        // One series per partition the sink reads, under the topic's real name: Kafka's consumer also registers each
        // partition's metrics under the topic name with '.' made '_' (an older form kept beside it), which would count it twice.
        Awaitility.await("the sink's lag series").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(query("kafka_connect_sink_consumer_records_lag{connector=\"mon-sink\"}"))
                        .extracting(series -> series.get("metric").get("topic").asText() + "/"
                                + series.get("metric").get("partition").asText())
                        .containsExactly("mon.public.accounts/0"));
        // Idle: the sink has read everything, and heartbeats bring the source lag down to about nothing.
        awaitValue("sink consumer lag falls to 0", "sum(kafka_connect_sink_consumer_records_lag{connector=\"mon-sink\"})", v -> v == 0);
        awaitValue("source lag falls to ~0 when idle", "adbsync_source_streaming_millisecondsbehindsource{connector=\"mon-source\"}",
                v -> v >= 0 && v < 2000);
        awaitValue("heartbeats counted", "adbsync_source_streaming_totalheartbeats{connector=\"mon-source\"}", v -> v >= 1);
        awaitValue("the slot's retained WAL measured", "adbsync_source_streaming_retainedwalbytes{connector=\"mon-source\"}", v -> v >= 0);
        assertThat(value("adbsync_source_streaming_connected{connector=\"mon-source\"}")).isEqualTo(1);
        assertThat(value("kafka_connect_worker_connector_failed_task_count{connector=\"mon-sink\"}")).isZero();
        assertThat(value("kafka_connect_worker_connector_running_task_count{connector=\"mon-source\"}")).isEqualTo(1);
        assertThat(value("kafka_connect_task_status{connector=\"mon-sink\",task=\"0\",status=\"running\"}")).isEqualTo(1);

        // Every metric name the dashboard and the alerts use is in Prometheus, with a series for this pipeline.
        Set<String> names = metricNames();
        assertThat(names).hasSizeGreaterThanOrEqualTo(12);
        // Asked until one scrape has them all: a scrape that times out on a loaded machine marks every series of the
        // worker stale until the next one.
        Awaitility.await("every series of the dashboard and the alerts").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    for (String name : names) {
                        assertThat(query(name + "{connector=~\"mon-.*\"}")).as("series of " + name).isNotEmpty();
                    }
                    // Every panel's query and every alert's expression is one Prometheus evaluates; each panel shows
                    // this pipeline.
                    for (String expr : dashboardQueries()) {
                        assertThat(query(expr)).as("panel query " + expr).isNotEmpty();
                    }
                });
        JsonNode groups = get("/api/v1/rules");
        List<String> unhealthy = new ArrayList<>();
        for (JsonNode group : groups.get("data").get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                if (!"ok".equals(rule.get("health").asText())) {
                    unhealthy.add(rule.get("name").asText() + ": " + rule.path("lastError").asText());
                }
            }
        }
        assertThat(groups.get("data").get("groups").get(0).get("rules")).hasSize(6);
        assertThat(unhealthy).isEmpty();
        // The worker JVM's own metrics, as the Java agent serves them beside the rules' output.
        assertThat(value("sum(jvm_memory_used_bytes{area=\"heap\"})")).isPositive();
        assertThat(query("jvm_gc_collection_seconds_count")).isNotEmpty();
        // Nothing but the dead-letter alert fires for a healthy pipeline.
        assertThat(query("ALERTS{alertstate=\"firing\",alertname!=\"AdbsyncDeadLetterRecords\"}")).isEmpty();

        stack.connect().rest().remove("mon-sink");
        stack.connect().rest().remove("mon-source");
    }

    /** The metric names in the dashboard's queries and the alert rules. */
    private static Set<String> metricNames() throws IOException {
        String used = Files.readString(MONITORING.resolve("grafana/dashboards/adbsync.json")) + Files.readString(MONITORING.resolve("alerts.yml"));
        Set<String> names = new LinkedHashSet<>();
        Matcher metric = Pattern.compile("\\b((?:adbsync|kafka)_[a-z_]+)\\b").matcher(used);
        while (metric.find()) {
            names.add(metric.group(1));
        }
        return names;
    }

    private static List<String> dashboardQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : JSON.readTree(MONITORING.resolve("grafana/dashboards/adbsync.json").toFile()).get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                queries.add(target.get("expr").asText());
            }
        }
        return queries;
    }

    private static void awaitValue(String what, String expr, java.util.function.DoublePredicate expected) {
        Awaitility.await(what + " (" + expr + ")").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(value(expr)).as(expr).matches(expected::test));
    }

    /** The single value {@code expr} has now; fails when it has none or several. */
    private static double value(String expr) throws Exception {
        JsonNode result = query(expr);
        assertThat(result).as(expr).hasSize(1);
        return Double.parseDouble(result.get(0).get("value").get(1).asText());
    }

    private static JsonNode query(String expr) throws Exception {
        JsonNode response = get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        assertThat(response.get("status").asText()).as(expr + ": " + response).isEqualTo("success");
        return response.get("data").get("result");
    }

    private static HttpResponse<String> getRaw(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(prometheusUrl.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String path) throws IOException, InterruptedException {
        return JSON.readTree(getRaw(path).body());
    }
}
