package io.adbsync.it;

import io.adbsync.stack.connect.ConnectRestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A password in {@code connection.url} is refused by validate() of both connectors and at task start, naming the
 * parameter, and never repeated back: not in the validate response, not in a task's FAILED trace.
 */
class UrlSecretsIT extends WithLocalStack {

    private static final String SINK = "io.adbsync.sink.AdbPgSinkConnector";
    private static final String SECRET = "Sup3rSecretValue";

    private static Map<String, String> sinkConfig(String url) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", SINK);
        config.put("tasks.max", "1");
        config.put("topics", "secrets.public.t");
        config.put("connection.url", url);
        config.put("connection.user", postgres.user());
        if (postgres.password() != null) {
            config.put("connection.password", postgres.password());
        }
        return config;
    }

    /** The raw validate response, so that the test can look for the secret anywhere in it. */
    private static String validateResponse(String connectorClass, Map<String, String> config) {
        Map<String, String> withClass = new LinkedHashMap<>(config);
        withClass.put("connector.class", connectorClass);
        withClass.put("name", "validation");
        ConnectRestClient.Response r = stack.connect().rest().put("connector-plugins/" + connectorClass + "/config/validate", withClass);
        assertThat(r.ok()).as(String.valueOf(r.body())).isTrue();
        return r.body().toString();
    }

    @Test
    void validateOfBothConnectorsRefusesAPasswordInTheUrlOnTheUrlField() throws Exception {
        String db = postgres.createDatabase("url_secrets");
        String withPassword = postgres.jdbcUrl(db) + "?sslmode=disable&PassWord=" + SECRET;
        ConnectRestClient rest = stack.connect().rest();

        Map<String, List<String>> sink = rest.validate(SINK, sinkConfig(withPassword));
        assertThat(sink).containsOnlyKeys("connection.url");
        assertThat(sink.get("connection.url")).singleElement().asString()
                .contains("PassWord").contains("connection.password").contains("ConfigProvider").doesNotContain(SECRET);
        assertThat(validateResponse(SINK, sinkConfig(withPassword))).doesNotContain(SECRET);

        Map<String, String> source = sourceConfig(db, "url_secrets");
        source.put("connection.url", postgres.jdbcUrl(db) + "?sslkey=/tmp/k.pk8&sslpassword=" + SECRET);
        Map<String, List<String>> sourceErrors = rest.validate(SOURCE, source);
        assertThat(sourceErrors).containsOnlyKeys("connection.url");
        assertThat(sourceErrors.get("connection.url")).singleElement().asString()
                .contains("sslpassword").contains("connection.ssl.password").doesNotContain(SECRET);
        assertThat(validateResponse(SOURCE, source)).doesNotContain(SECRET);

        assertThat(rest.validate(SINK, sinkConfig(postgres.jdbcUrl(db)))).isEmpty();
    }

    @Test
    void aUrlThatGainsAPasswordAfterDeploymentFailsTheTaskWithoutShowingIt() throws Exception {
        String db = postgres.createDatabase("url_secrets_task");
        // The URL comes from a file through the worker's FileConfigProvider: it is resolved again at each start,
        // as a config stored before validate() refused passwords would be read again.
        Path secrets = Files.createTempFile("adbsync-url", ".properties");
        Files.writeString(secrets, "url=" + postgres.jdbcUrl(db) + "\n");
        ConnectRestClient rest = stack.connect().rest();
        rest.deploy("url-secrets", sinkConfig("${file:" + secrets + ":url}"));
        rest.awaitRunning("url-secrets", 1, Duration.ofSeconds(60));
        assertThat(rest.get("connectors/url-secrets/config").body().get("connection.url").asText()).startsWith("${file:");

        Files.writeString(secrets, "url=" + postgres.jdbcUrl(db) + "?password=" + SECRET + "\n");
        rest.restart("url-secrets", true);
        String trace = Awaitility.await("task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status("url-secrets").get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText())
                            ? tasks.get(0).get("trace").asText() : null;
                }, t -> t != null);
        assertThat(trace).contains("connection.url").contains("(password)").contains("connection.password")
                .doesNotContain(SECRET);
        assertThat(rest.status("url-secrets").toString()).doesNotContain(SECRET);
        rest.remove("url-secrets");
        Files.delete(secrets);
    }
}
