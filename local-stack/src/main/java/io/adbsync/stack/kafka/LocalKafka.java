package io.adbsync.stack.kafka;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A single-node KRaft Kafka broker (combined controller + broker) running in this JVM on a free port. */
public final class LocalKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalKafka.class);
    private final KafkaClusterTestKit cluster;

    private LocalKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static LocalKafka start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
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
            LocalKafka kafka = new LocalKafka(cluster);
            log.info("Local Kafka broker ready at {}", kafka.bootstrapServers());
            return kafka;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
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
    }
}
