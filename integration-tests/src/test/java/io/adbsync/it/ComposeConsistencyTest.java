package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml cannot run here (no Docker engine), so this checks that it agrees with what is tested: the
 * hosts, ports and database of the Avro connector configs, the plugin path, the JMX exporter and the dashboard.
 */
class ComposeConsistencyTest {

    private static final Path ROOT = Path.of("..");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode yaml(String file) throws IOException {
        return YAML.readTree(Files.readString(ROOT.resolve(file)));
    }

    private static JsonNode connector(String file) throws IOException {
        return JSON.readTree(Files.readString(ROOT.resolve("config").resolve(file))).get("config");
    }

    @Test
    void theAvroConnectorConfigsPointAtServicesOfTheStack() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        assertThat(services.fieldNames()).toIterable().contains("kafka", "connect", "schema-registry", "source-db", "sink-db",
                "prometheus", "grafana", "kafka-ui", "plugin-unpack");
        // The exporter runs as the worker's Java agent: the separate exporter image (bitnami's, no longer published) is gone.
        assertThat(services.fieldNames()).toIterable().doesNotContain("jmx-exporter");

        for (String file : List.of("source-avro.json", "sink-avro.json")) {
            JsonNode config = connector(file);
            Matcher url = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/(\\w+)").matcher(config.get("connection.url").asText());
            assertThat(url.matches()).as(file).isTrue();
            JsonNode db = services.get(url.group(1));
            assertThat(db).as(file + " names service " + url.group(1)).isNotNull();
            assertThat(url.group(2)).isEqualTo("5432");
            assertThat(db.get("environment").get("POSTGRES_DB").asText()).isEqualTo(url.group(3));
            assertThat(db.get("environment").get("POSTGRES_PASSWORD").asText()).isEqualTo(config.get("connection.password").asText());
            for (String converter : List.of("key.converter", "value.converter")) {
                assertThat(config.get(converter).asText()).isEqualTo("io.confluent.connect.avro.AvroConverter");
                assertThat(config.get(converter + ".schema.registry.url").asText()).isEqualTo("http://schema-registry:8081");
            }
        }
        assertThat(services.get("source-db").get("command").toString()).contains("wal_level=logical");
        assertThat(services.get("schema-registry").get("environment").get("SCHEMA_REGISTRY_LISTENERS").asText()).endsWith(":8081");
    }

    @Test
    void theWorkerLoadsThePluginZipTheBuildProduces() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        JsonNode connect = services.get("connect");
        assertThat(connect.get("environment").get("CONNECT_PLUGIN_PATH").asText()).contains("/plugins");
        assertThat(connect.get("volumes").toString()).contains("plugins:/plugins");
        String unpack = services.get("plugin-unpack").toString();
        assertThat(unpack).contains("./connect-plugin/target:/dist").contains("/dist/adbsync-connect-plugin-*.zip");
        try (var zips = Files.list(ROOT.resolve("connect-plugin/target"))) {
            assertThat(zips.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches("adbsync-connect-plugin-.*\\.zip"));
        }
    }

    /**
     * The worker runs the JMX exporter's Java agent from the jar the build copies, with the rules file the local stack
     * uses, on the port Prometheus scrapes; Prometheus loads the alert rules AlertRulesTest tests.
     */
    @Test
    void theWorkerRunsTheExporterAgentThatPrometheusScrapes() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        JsonNode connect = services.get("connect");
        Matcher agent = Pattern.compile("-javaagent:(/[^=]+/)([^/=]+\\.jar)=(\\d+):(\\S+)")
                .matcher(connect.get("environment").get("KAFKA_OPTS").asText());
        assertThat(agent.find()).as("KAFKA_OPTS names the agent").isTrue();
        String volumes = connect.get("volumes").toString();
        assertThat(volumes).contains("./local-stack/target/jmx-exporter:" + agent.group(1).replaceAll("/$", ""))
                .contains("./config/monitoring/jmx-exporter.yml:" + agent.group(4));
        assertThat(ROOT.resolve("local-stack/target/jmx-exporter").resolve(agent.group(2))).as("the agent jar the build copies")
                .isRegularFile();
        // In agent mode the exporter refuses rules that name a remote JMX port to read.
        JsonNode rules = yaml("config/monitoring/jmx-exporter.yml");
        assertThat(rules.has("hostPort")).isFalse();
        assertThat(rules.has("jmxUrl")).isFalse();
        JsonNode prometheus = yaml("config/monitoring/prometheus.yml");
        assertThat(prometheus.get("scrape_configs").toString()).contains("\"connect:" + agent.group(3) + "\"");
        assertThat(prometheus.get("rule_files").get(0).asText()).isEqualTo("alerts.yml");
        assertThat(services.get("prometheus").get("volumes").toString())
                .contains("./config/monitoring/alerts.yml:/etc/prometheus/alerts.yml")
                .contains("./config/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml");
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsUseIsProducedByAnExporterRule() throws IOException {
        List<String> produced = new ArrayList<>();
        for (JsonNode rule : yaml("config/monitoring/jmx-exporter.yml").get("rules")) {
            String pattern = rule.get("pattern").asText();
            String name = rule.get("name").asText();
            Matcher attributes = Pattern.compile("><>\\(([^)]+)\\)").matcher(pattern);
            if (!attributes.find()) {
                // A rule for one attribute, its name fixed.
                assertThat(name).as(pattern).doesNotContain("$");
                produced.add(name);
                continue;
            }
            // The attributes are the pattern's last group, and the name refers to it by number.
            int attributeGroup = Pattern.compile(pattern).matcher("").groupCount();
            for (String attribute : attributes.group(1).split("\\|")) {
                produced.add(name.replace("$" + attributeGroup, attribute).toLowerCase().replace('-', '_'));
            }
        }
        String used = JSON.readTree(Files.readString(ROOT.resolve("config/monitoring/grafana/dashboards/adbsync.json"))).toString()
                + Files.readString(ROOT.resolve("config/monitoring/alerts.yml"));
        Matcher metric = Pattern.compile("\\b(adbsync_[a-z_]+|kafka_[a-z_]+)\\b").matcher(used);
        int seen = 0;
        while (metric.find()) {
            assertThat(produced).as("metric " + metric.group(1) + " of the dashboard or the alerts").contains(metric.group(1));
            seen++;
        }
        assertThat(seen).isGreaterThanOrEqualTo(12);
    }

    /**
     * Secure by default: what the stack publishes is reachable from this machine only, the UI is the maintained fork
     * (provectuslabs/kafka-ui is unmaintained, with known vulnerabilities left open), and every default password says
     * that it is for the demo.
     */
    @Test
    void theComposeStackPublishesPortsOnLoopbackOnlyAndMarksItsDemoPasswords() throws IOException {
        JsonNode services = yaml("docker-compose.yml").get("services");
        int published = 0;
        for (var service = services.fields(); service.hasNext(); ) {
            var entry = service.next();
            for (JsonNode port : entry.getValue().path("ports")) {
                assertThat(port.asText()).as("port of " + entry.getKey()).matches("127\\.0\\.0\\.1:\\d+:\\d+");
                published++;
            }
        }
        assertThat(published).isGreaterThanOrEqualTo(5);
        assertThat(services.get("kafka-ui").get("image").asText()).startsWith("ghcr.io/kafbat/kafka-ui:v");
        List<String> lines = Files.readAllLines(ROOT.resolve("docker-compose.yml"));
        int passwords = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("PASSWORD:")) {
                String marked = lines.get(i) + (i > 0 ? lines.get(i - 1) : "");
                assertThat(marked.toLowerCase()).as("line %d: %s", i + 1, lines.get(i)).contains("demo only");
                passwords++;
            }
        }
        assertThat(passwords).isGreaterThanOrEqualTo(3);
    }

    @Test
    void theWorkerTemplateListensOnLoopbackOnly() throws IOException {
        Properties worker = new Properties();
        try (var in = Files.newBufferedReader(ROOT.resolve("config/connect-distributed.properties"))) {
            worker.load(in);
        }
        assertThat(worker.getProperty("listeners")).isEqualTo("http://127.0.0.1:8083");
    }
}
