package io.adbsync.stack.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A single-node KRaft Kafka broker (combined controller + broker) running in this JVM on a free port. */
public final class LocalKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalKafka.class);
    private final KafkaClusterTestKit cluster;
    private final Path directory;

    private LocalKafka(KafkaClusterTestKit cluster, Path directory) {
        this.cluster = cluster;
        this.directory = directory;
    }

    public static LocalKafka start() {
        Path directory = null;
        try {
            // Our own directory, deleted by close(): the test kit's default one is deleted by a JVM shutdown hook of its
            // own, which runs at the same time as the hook closing the Connect worker, so the broker lost its log
            // directories under a worker still closing against it (a ~25 s exit and "log dirs failed" lines).
            directory = Files.createTempDirectory("adbsync-kafka-");
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setBaseDirectory(directory)
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    // One broker: every internal topic can only have one replica.
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                    .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "true")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            LocalKafka kafka = new LocalKafka(cluster, directory);
            log.info("Local Kafka broker ready at {}", kafka.bootstrapServers());
            return kafka;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            delete(directory);
            throw new IllegalStateException("Cannot start the local Kafka broker: " + e.getMessage(), e);
        }
    }

    /** Stops the broker (not the controller) and starts it again on the same port, as after a broker crash and restart. */
    public void restartBroker(java.time.Duration down) {
        try {
            for (var broker : cluster.brokers().values()) {
                broker.shutdown();
                broker.awaitShutdown();
            }
            Thread.sleep(down.toMillis());
            for (var broker : cluster.brokers().values()) {
                broker.startup();
            }
            cluster.waitForReadyBrokers();
            log.info("Local Kafka broker restarted at {}", bootstrapServers());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Cannot restart the local Kafka broker: " + e.getMessage(), e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            log.warn("Local Kafka broker did not shut down cleanly: {}", e.getMessage());
        }
        delete(directory);
    }

    private static void delete(Path directory) {
        if (directory == null) {
            return;
        }
        try {
            Utils.delete(directory.toFile());
        } catch (IOException e) {
            log.warn("Cannot delete the local Kafka broker's directory {}: {}", directory, e.getMessage());
        }
    }
}
