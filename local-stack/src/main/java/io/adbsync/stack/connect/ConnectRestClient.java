package io.adbsync.stack.connect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small client of the Kafka Connect REST API: deploy connectors from JSON, validate configs, watch status. */
public final class ConnectRestClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final Duration requestTimeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public ConnectRestClient(URI base) {
        this(base, Duration.ofSeconds(120));
    }

    /** A client whose every request gives up after {@code requestTimeout}. */
    public ConnectRestClient(URI base, Duration requestTimeout) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.requestTimeout = requestTimeout;
    }

    /** A response of the REST API: status code and parsed body (null when empty). */
    public record Response(int status, JsonNode body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    /** GET of a connector's sub-resource ({@code status}, {@code offsets}, ...), its name encoded. */
    public Response getConnector(String name, String resource) {
        return get("connectors/" + encode(name) + "/" + resource);
    }

    public Response put(String path, Object body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).PUT(jsonBody(body)).header("Content-Type", "application/json"));
    }

    public Response post(String path, Object body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).POST(jsonBody(body)).header("Content-Type", "application/json"));
    }

    public Response patch(String path, Object body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).method("PATCH", jsonBody(body)).header("Content-Type", "application/json"));
    }

    public Response delete(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    /** Waits until the worker has joined its group and answers requests. */
    public void awaitReady(Duration timeout) {
        Awaitility.await("Connect worker at " + base + " ready").atMost(timeout).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> get("health").ok() && get("connectors").ok());
    }

    /** Class names of the connector plugins the worker has loaded. */
    public List<String> connectorPluginClasses() {
        Response r = expectOk(get("connector-plugins?connectorsOnly=true"), "list connector plugins");
        List<String> classes = new ArrayList<>();
        r.body().forEach(p -> classes.add(p.get("class").asText()));
        return classes;
    }

    /** Runs the plugin's validate() through the REST API and returns each config key's error messages (keys without errors left out). */
    public Map<String, List<String>> validate(String connectorClass, Map<String, String> config) {
        Map<String, String> withClass = new LinkedHashMap<>(config);
        withClass.put("connector.class", connectorClass);
        // The worker requires a name even for validation; a check of the plugin's own keys should not fail on it.
        withClass.putIfAbsent("name", "validation");
        Response r = expectOk(put("connector-plugins/" + encode(connectorClass) + "/config/validate", withClass), "validate config");
        Map<String, List<String>> errors = new LinkedHashMap<>();
        for (JsonNode c : r.body().get("configs")) {
            JsonNode value = c.get("value");
            List<String> messages = new ArrayList<>();
            value.get("errors").forEach(e -> messages.add(e.asText()));
            if (!messages.isEmpty()) {
                errors.put(value.get("name").asText(), messages);
            }
        }
        return errors;
    }

    /** Creates or updates connector {@code name} with {@code config}. */
    public void deploy(String name, Map<String, String> config) {
        expectOk(put("connectors/" + encode(name) + "/config", config), "deploy connector " + name);
    }

    /** Deploys a connector from a file in the REST API's own format: {@code {"name": ..., "config": {...}}}. */
    public String deploy(Path jsonFile) {
        try {
            JsonNode root = JSON.readTree(Files.readString(jsonFile));
            String name = root.get("name").asText();
            Map<String, String> config = new LinkedHashMap<>();
            root.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            deploy(name, config);
            return name;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read connector config " + jsonFile, e);
        }
    }

    public JsonNode status(String name) {
        return expectOk(get("connectors/" + encode(name) + "/status"), "status of " + name).body();
    }

    /**
     * Waits until the connector's status lists {@code tasks} tasks in any state; a status not written yet (404 right
     * after a deploy, before the worker's status store has it) counts as not yet.
     */
    public void awaitTasksAssigned(String name, int tasks, Duration timeout) {
        Awaitility.await("connector " + name + " with " + tasks + " task(s) assigned").atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Response r = get("connectors/" + encode(name) + "/status");
                    return r.ok() && r.body().get("tasks").size() == tasks;
                });
    }

    /** Waits until the connector and at least {@code tasks} tasks are RUNNING; fails early with the trace of a FAILED task. */
    public void awaitRunning(String name, int tasks, Duration timeout) {
        Awaitility.await("connector " + name + " RUNNING with " + tasks + " task(s)").atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Response r = get("connectors/" + encode(name) + "/status");
                    if (!r.ok()) {
                        return false;
                    }
                    failOnFailedState(name, r.body());
                    long running = 0;
                    for (JsonNode t : r.body().get("tasks")) {
                        if ("RUNNING".equals(t.get("state").asText())) {
                            running++;
                        }
                    }
                    return "RUNNING".equals(r.body().get("connector").get("state").asText()) && running >= tasks;
                });
    }

    public void restart(String name, boolean includeTasks) {
        expectOk(post("connectors/" + encode(name) + "/restart?includeTasks=" + includeTasks + "&onlyFailed=false", null), "restart " + name);
    }

    /** Pauses the connector and its tasks (PUT /connectors/{name}/pause). */
    public void pause(String name) {
        expectOk(put("connectors/" + encode(name) + "/pause", null), "pause " + name);
    }

    /** Resumes a paused connector and its tasks (PUT /connectors/{name}/resume). */
    public void resume(String name) {
        expectOk(put("connectors/" + encode(name) + "/resume", null), "resume " + name);
    }

    public void remove(String name) {
        expectOk(delete("connectors/" + encode(name)), "delete " + name);
    }

    /** Throws with the connector's or a task's trace when either is FAILED; a connector not yet known passes. */
    public void checkNotFailed(String name) {
        Response r = get("connectors/" + encode(name) + "/status");
        if (r.ok()) {
            failOnFailedState(name, r.body());
        }
    }

    public JsonNode offsets(String name) {
        return expectOk(get("connectors/" + encode(name) + "/offsets"), "offsets of " + name).body();
    }

    private static void failOnFailedState(String name, JsonNode status) {
        if ("FAILED".equals(status.get("connector").get("state").asText())) {
            throw new IllegalStateException("Connector " + name + " FAILED: " + status.get("connector").path("trace").asText());
        }
        for (JsonNode t : status.get("tasks")) {
            if ("FAILED".equals(t.get("state").asText())) {
                throw new IllegalStateException("Task " + t.get("id").asText() + " of " + name + " FAILED: " + t.path("trace").asText());
            }
        }
    }

    private Response expectOk(Response r, String what) {
        if (!r.ok()) {
            throw new IllegalStateException("Connect REST call to " + what + " failed with HTTP " + r.status() + ": " + r.body());
        }
        return r;
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(requestTimeout).build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            return new Response(response.statusCode(), body == null || body.isBlank() ? null : JSON.readTree(body));
        } catch (IOException e) {
            throw new UncheckedIOException("Connect REST request to " + base + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during a Connect REST request", e);
        }
    }

    private static HttpRequest.BodyPublisher jsonBody(Object body) {
        if (body == null) {
            return HttpRequest.BodyPublishers.noBody();
        }
        try {
            return HttpRequest.BodyPublishers.ofString(body instanceof JsonNode n ? n.toString() : JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot write request body as JSON", e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
