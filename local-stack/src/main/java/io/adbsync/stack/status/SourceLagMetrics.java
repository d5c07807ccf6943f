package io.adbsync.stack.status;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The source tasks' lag (ms from commit to record) from a worker's Prometheus endpoint, largest per connector. */
final class SourceLagMetrics {

    /** As config/monitoring/jmx-exporter.yml names StreamingMetricsMBean.getMilliSecondsBehindSource. */
    static final String METRIC = "adbsync_source_streaming_millisecondsbehindsource";
    private static final Pattern LINE = Pattern.compile("^" + METRIC + "\\{([^}]*)}\\s+(\\S+)");
    private static final Pattern CONNECTOR = Pattern.compile("connector=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private SourceLagMetrics() {
    }

    /** Lag per connector name; null when there is no endpoint or it does not answer (the lag is then unknown). */
    static Map<String, Long> read(URI metrics) {
        if (metrics == null) {
            return null;
        }
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? parse(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static Map<String, Long> parse(String exposition) {
        Map<String, Long> lag = new HashMap<>();
        for (String line : exposition.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            Matcher c = CONNECTOR.matcher(m.group(1));
            double value;
            try {
                value = Double.parseDouble(m.group(2));
            } catch (NumberFormatException e) {
                continue;
            }
            // -1 before the first change: not a lag.
            if (c.find() && value >= 0) {
                lag.merge(c.group(1).replace("\\\"", "\"").replace("\\\\", "\\"), (long) value, Math::max);
            }
        }
        return lag;
    }
}
