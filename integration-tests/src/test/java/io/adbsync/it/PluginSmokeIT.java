package io.adbsync.it;

import io.adbsync.stack.connect.ConnectRestClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Proves the fixtures and the packaging: a real worker loads the plugin zip and validates configs through REST. */
class PluginSmokeIT extends WithLocalStack {

    private static final String SOURCE = "io.adbsync.source.AdbPgSourceConnector";
    private static final String SINK = "io.adbsync.sink.AdbPgSinkConnector";

    @Test
    void workerLoadsBothConnectorsFromThePackagedArchive() throws Exception {
        ConnectRestClient rest = stack.connect().rest();
        assertThat(rest.connectorPluginClasses()).contains(SOURCE, SINK);

        try (Stream<Path> files = Files.walk(stack.pluginPath())) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).contains("manifest.json")
                    .anyMatch(n -> n.startsWith("adbsync-source-connector-"))
                    .anyMatch(n -> n.startsWith("adbsync-sink-connector-"))
                    .anyMatch(n -> n.startsWith("postgresql-"))
                    .noneMatch(n -> n.startsWith("kafka-clients") || n.startsWith("connect-api"));
        }
        String version = rest.get("connector-plugins?connectorsOnly=true").body().findValues("version").get(0).asText();
        assertThat(version).isNotEqualTo("unknown");
    }

    @Test
    void validationReportsEachBadValueOnItsField() {
        Map<String, List<String>> errors = stack.connect().rest().validate(SOURCE, Map.of(
                "connection.url", "postgres://localhost/db",
                "connection.user", "postgres",
                "topic.prefix", "bad prefix!",
                "slot.name", "Upper-Case",
                "snapshot.mode", "sometimes",
                "table.include.list", "public\\.(unclosed"));
        assertThat(errors).containsOnlyKeys("connection.url", "topic.prefix", "slot.name", "snapshot.mode", "table.include.list");
        assertThat(errors.get("connection.url").get(0)).contains("jdbc:postgresql://");
        assertThat(errors.get("snapshot.mode").get(0)).contains("initial");

        Map<String, List<String>> sinkErrors = stack.connect().rest().validate(SINK, Map.of(
                "topics", "demo.public.t",
                "connection.user", "postgres",
                "storage.engine", "columnar"));
        assertThat(sinkErrors).containsOnlyKeys("connection.url", "storage.engine");
    }

    @Test
    void goodConfigsPassValidation() throws Exception {
        String db = postgres.createDatabase("smoke");
        try (var c = postgres.connect(db); var s = c.createStatement()) {
            s.execute("CREATE TABLE t (id int PRIMARY KEY)");
        }
        Map<String, String> connection = Map.of(
                "connection.url", postgres.jdbcUrl(db),
                "connection.user", postgres.user(),
                "connection.password", postgres.password() == null ? "" : postgres.password());
        Map<String, String> source = new java.util.HashMap<>(connection);
        source.put("topic.prefix", "smoke");
        assertThat(stack.connect().rest().validate(SOURCE, source)).isEmpty();

        Map<String, String> sink = new java.util.HashMap<>(connection);
        sink.put("topics", "smoke.public.t");
        assertThat(stack.connect().rest().validate(SINK, sink)).isEmpty();
    }
}
