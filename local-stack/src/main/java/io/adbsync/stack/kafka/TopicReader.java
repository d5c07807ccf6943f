package io.adbsync.stack.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/** Reads a topic from the beginning, for tests and the demo's progress view. */
public final class TopicReader {

    private TopicReader() {
    }

    /** Reads {@code topic} from the start until {@code done} holds for what was read, or fails after {@code timeout}. */
    public static List<ConsumerRecord<byte[], byte[]>> readUntil(String bootstrapServers, String topic,
                                                                 Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
                                                                 Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "adbsync-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.isEmpty()) {
                consumer.partitionsFor(topic, Duration.ofSeconds(5))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                if (partitions.isEmpty()) {
                    checkDeadline(deadline, topic, records);
                    sleep();
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!done.test(records)) {
                checkDeadline(deadline, topic, records);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** Reads until at least {@code count} records arrived. */
    public static List<ConsumerRecord<byte[], byte[]>> read(String bootstrapServers, String topic, int count, Duration timeout) {
        return readUntil(bootstrapServers, topic, r -> r.size() >= count, timeout);
    }

    private static void checkDeadline(long deadline, String topic, List<?> records) {
        if (System.nanoTime() > deadline) {
            throw new AssertionError("Timed out reading topic " + topic + " after " + records.size() + " record(s)");
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
