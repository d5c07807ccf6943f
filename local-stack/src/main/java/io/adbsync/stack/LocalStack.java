package io.adbsync.stack;

import io.adbsync.stack.connect.LocalConnect;
import io.adbsync.stack.connect.PluginArchive;
import io.adbsync.stack.kafka.LocalKafka;
import io.adbsync.stack.metrics.MetricsExporter;
import io.adbsync.stack.registry.LocalRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** A Kafka broker and one or more Connect workers in this JVM, with the packaged adbsync plugin on their plugin.path. */
public final class LocalStack implements AutoCloseable {

    private final LocalKafka kafka;
    private final Path pluginPath;
    private final List<LocalConnect> workers = new ArrayList<>();
    private final String groupId;
    private final LocalRegistry registry;
    private MetricsExporter metrics;
    private RunningStack published;

    private LocalStack(LocalKafka kafka, Path pluginPath, String groupId, LocalRegistry registry) {
        this.kafka = kafka;
        this.pluginPath = pluginPath;
        this.groupId = groupId;
        this.registry = registry;
    }

    /** Starts a broker and {@code workerCount} workers on free ports, the plugin unpacked from the packaged zip. */
    public static LocalStack start(int workerCount) {
        return start(workerCount, 0, Map.of());
    }

    /** As {@link #start(int)}; the first worker's REST API listens on {@code firstRestPort} (0 = any free port). */
    public static LocalStack start(int workerCount, int firstRestPort, Map<String, String> workerOverrides) {
        return start(workerCount, firstRestPort, workerOverrides, List.of());
    }

    /**
     * As {@link #start(int, int, Map)}, with other plugins beside adbsync's: each of {@code otherPlugins} is a
     * directory holding one plugin's jars (an unpacked Debezium tarball, say), linked into the plugin.path.
     */
    public static LocalStack start(int workerCount, int firstRestPort, Map<String, String> workerOverrides, List<Path> otherPlugins) {
        return start(workerCount, firstRestPort, workerOverrides, otherPlugins, false);
    }

    /**
     * As {@link #start(int, int, Map, List)}, and with {@code schemaRegistry} a schema registry beside the broker
     * ({@link LocalRegistry}) and Apicurio's Avro converter on the plugin.path ({@link #registry()}).
     */
    public static LocalStack start(int workerCount, int firstRestPort, Map<String, String> workerOverrides, List<Path> otherPlugins,
                                   boolean schemaRegistry) {
        Path pluginPath;
        try {
            pluginPath = PluginArchive.unpack(PluginArchive.locate(), Files.createTempDirectory("adbsync-plugins-"));
            if (schemaRegistry) {
                PluginArchive.unpack(PluginArchive.locateAvroConverter(), pluginPath);
            }
            for (Path plugin : otherPlugins) {
                Files.createSymbolicLink(pluginPath.resolve(plugin.getFileName()), plugin.toAbsolutePath());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a plugin directory", e);
        }
        LocalRegistry registry = schemaRegistry ? LocalRegistry.start() : null;
        LocalKafka kafka;
        try {
            kafka = LocalKafka.start();
        } catch (RuntimeException e) {
            if (registry != null) {
                registry.close();
            }
            throw e;
        }
        LocalStack stack = new LocalStack(kafka, pluginPath, "adbsync-connect", registry);
        try {
            for (int i = 0; i < workerCount; i++) {
                stack.addWorker(i == 0 ? firstRestPort : 0, workerOverrides);
            }
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /** Starts one more worker in the same Connect cluster (for rebalance tests). */
    public LocalConnect addWorker(int restPort, Map<String, String> overrides) {
        Map<String, String> props = LocalConnect.defaultWorkerProps(kafka.bootstrapServers(), pluginPath, groupId, restPort);
        props.putAll(overrides);
        LocalConnect worker = LocalConnect.start(props);
        workers.add(worker);
        return worker;
    }

    /** Restarts the broker after {@code down}, for fault tests. */
    public void restartBroker(java.time.Duration down) {
        kafka.restartBroker(down);
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public List<LocalConnect> workers() {
        return List.copyOf(workers);
    }

    /** The first worker, which every test can drive the whole cluster through. */
    public LocalConnect connect() {
        return workers.get(0);
    }

    public Path pluginPath() {
        return pluginPath;
    }

    /** The schema registry, when the stack was started with one. */
    public Optional<LocalRegistry> registry() {
        return Optional.ofNullable(registry);
    }

    /**
     * Serves the workers' and connectors' MBeans for Prometheus on loopback port {@code port} (0 = any free port),
     * named by the JMX exporter rules in {@code rules} (config/monitoring/jmx-exporter.yml); stopped with the stack.
     */
    public synchronized MetricsExporter exposeMetrics(int port, Path rules) {
        if (metrics != null) {
            throw new IllegalStateException("Metrics are already served on port " + metrics.port());
        }
        metrics = MetricsExporter.start(port, rules);
        return metrics;
    }

    /** The metrics endpoint, when {@link #exposeMetrics} started one. */
    public synchronized Optional<MetricsExporter> metrics() {
        return Optional.ofNullable(metrics);
    }

    /**
     * Describes this stack in {@link RunningStack#file()}, so that {@code bin/adbsync topics} and {@code tail} find it;
     * withdrawn when the stack closes.
     */
    public synchronized void publish() {
        published = RunningStack.of(this);
        published.publish();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (published != null) {
                published.withdraw();
                published = null;
            }
            if (metrics != null) {
                metrics.close();
                metrics = null;
            }
        }
        for (LocalConnect worker : workers) {
            worker.close();
        }
        workers.clear();
        kafka.close();
        if (registry != null) {
            registry.close();
        }
        try (Stream<Path> paths = Files.walk(pluginPath)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp directory is harmless.
        }
    }
}
