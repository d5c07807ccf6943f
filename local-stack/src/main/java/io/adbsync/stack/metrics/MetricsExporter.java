package io.adbsync.stack.metrics;

import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Serves this JVM's MBeans (the in-process Connect worker's and the connectors') for Prometheus on
 * {@code http://127.0.0.1:PORT/metrics}, through the JMX exporter's collector and rules file: what the exporter's Java
 * agent serves on a worker of its own (docker-compose.yml), in-process so that a JVM can run several local stacks,
 * each with its own registry and port.
 */
public final class MetricsExporter implements AutoCloseable {

    private final HTTPServer server;

    private MetricsExporter(HTTPServer server) {
        this.server = server;
    }

    /** Starts serving on loopback port {@code port} (0 = any free port) with the exporter rules in {@code rules}. */
    public static MetricsExporter start(int port, Path rules) {
        try {
            PrometheusRegistry registry = new PrometheusRegistry();
            new JmxCollector(rules.toFile(), JmxCollector.Mode.AGENT).register(registry);
            JvmMetrics.builder().register(registry);
            // Loopback only, as the rest of the local stack: nothing here asks for authentication.
            return new MetricsExporter(HTTPServer.builder().hostname("127.0.0.1").port(port).registry(registry).buildAndStart());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serve metrics on port " + port + " with the rules in " + rules, e);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException("The JMX exporter rules in " + rules + " name an invalid MBean: " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getPort();
    }

    /** Where Prometheus scrapes: {@code http://127.0.0.1:PORT/metrics}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port() + "/metrics");
    }

    @Override
    public void close() {
        server.close();
    }
}
