package io.adbsync.stack.connect;

import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.runtime.rest.RestServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A Kafka Connect worker in distributed mode running in this JVM, with its REST API on loopback. */
public final class LocalConnect implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalConnect.class);
    private final Connect<DistributedHerder> connect;
    private final ConnectRestClient rest;

    private LocalConnect(Connect<DistributedHerder> connect) {
        this.connect = connect;
        this.rest = new ConnectRestClient(connect.rest().advertisedUrl());
    }

    /** The worker settings a local worker starts from; {@code restPort} 0 picks a free port. */
    public static Map<String, String> defaultWorkerProps(String bootstrapServers, Path pluginPath, String groupId, int restPort) {
        Map<String, String> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrapServers);
        props.put("group.id", groupId);
        props.put("plugin.path", pluginPath.toAbsolutePath().toString());
        // The plugin ships ServiceLoader manifests; reading them is much faster than scanning every class.
        props.put("plugin.discovery", "service_load");
        props.put("listeners", "http://127.0.0.1:" + restPort);
        props.put("rest.advertised.host.name", "127.0.0.1");
        props.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("config.storage.topic", groupId + "-configs");
        props.put("offset.storage.topic", groupId + "-offsets");
        props.put("status.storage.topic", groupId + "-status");
        props.put("config.storage.replication.factor", "1");
        props.put("offset.storage.replication.factor", "1");
        props.put("status.storage.replication.factor", "1");
        // Source offsets (and so the slot's confirmed LSN) advance at each flush; keep it short locally.
        props.put("offset.flush.interval.ms", "1000");
        props.put("scheduled.rebalance.max.delay.ms", "10000");
        // A sink subscribed with topics.regex before the source made its topics finds them at the next metadata
        // refresh, five minutes by default: this worker is ours, so its consumers look every few seconds.
        props.put("consumer.metadata.max.age.ms", "5000");
        // As in config/connect-distributed.properties: secrets in connector configs are read from files at use,
        // so ${file:path:key} never puts them into the config topic or the REST API.
        props.put("config.providers", "file");
        props.put("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider");
        return props;
    }

    public static LocalConnect start(Map<String, String> workerProps) {
        Connect<DistributedHerder> connect = new ConnectDistributed().startConnect(workerProps);
        LocalConnect worker = new LocalConnect(connect);
        stopRestServerWithConnectAlone(connect);
        worker.rest.awaitReady(Duration.ofSeconds(120));
        log.info("Local Connect worker ready at {}", worker.url());
        return worker;
    }

    /**
     * Takes the REST server's Jetty server out of Jetty's own JVM shutdown hook, which Kafka's RestServer registers it
     * with besides Connect's hook stopping it. At exit the two hooks ran at once: Jetty destroyed the server while
     * Connect's stop was joining it, that join never returned, and the process (the demo on Ctrl-C) never exited.
     * Kafka keeps the server in a private field: where a later Kafka renames it, the race is back, with a warning.
     */
    private static void stopRestServerWithConnectAlone(Connect<DistributedHerder> connect) {
        try {
            Field jetty = RestServer.class.getDeclaredField("jettyServer");
            jetty.setAccessible(true);
            Object server = jetty.get(connect.rest());
            server.getClass().getMethod("setStopAtShutdown", boolean.class).invoke(server, false);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("The worker's REST server stays stopped at exit by Jetty's shutdown hook as well as Connect's, which "
                    + "can keep this process from exiting: {}", e.toString());
        }
    }

    public URI url() {
        return connect.rest().advertisedUrl();
    }

    public ConnectRestClient rest() {
        return rest;
    }

    /** The worker's REST server itself. */
    public RestServer restServer() {
        return connect.rest();
    }

    /** The name Connect gives the JVM shutdown hook it registers when it starts (Connect.ShutdownHook). */
    private static final String CONNECT_SHUTDOWN_HOOK = "connect-shutdown-hook";

    @Override
    public void close() {
        connect.stop();
        // At JVM exit Connect's own hook stops the worker at the same time as ours, and stop() returns at once to the
        // second caller: without waiting for that hook, the broker closed next under a worker still stopping against
        // it, which took ~25 s of client timeouts. (A hook thread is alive only while the JVM exits.)
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (CONNECT_SHUTDOWN_HOOK.equals(thread.getName()) && thread != Thread.currentThread()) {
                try {
                    thread.join(Duration.ofSeconds(60).toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
