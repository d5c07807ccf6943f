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

    /**
     * At exit, Connect's own shutdown hook stops its REST server. Kafka also asks Jetty to stop it, from a JVM hook of
     * Jetty's, and the two ran at once: Jetty destroyed the server under Connect's stop, which then waited for it for
     * ever, and Ctrl-C left the demo running. Which hooks hold the server decides that; the race itself is rare.
     */
    @Test
    void theWorkersRestServerIsStoppedAtExitByConnectAlone() throws Exception {
        java.lang.reflect.Field jetty = org.apache.kafka.connect.runtime.rest.RestServer.class.getDeclaredField("jettyServer");
        jetty.setAccessible(true);
        Object server = jetty.get(stack.connect().restServer());
        Class<?> lifeCycle = Class.forName("org.eclipse.jetty.util.component.LifeCycle");
        boolean registered = (boolean) Class.forName("org.eclipse.jetty.util.thread.ShutdownThread")
                .getMethod("isRegistered", lifeCycle).invoke(null, server);
        assertThat(registered).as("the REST server is stopped by Jetty's shutdown hook too").isFalse();
        assertThat(stack.connect().rest().connectorPluginClasses()).as("the REST API still serves").contains(SOURCE);
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
