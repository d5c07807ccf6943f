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
        consume(bootstrapServers, topic, record -> {
            records.add(record);
            return false;
        }, () -> done.test(records), timeout);
        return records;
    }

    /**
     * Hands every record of {@code topic}, from the start, to {@code handler} without keeping them, until the
     * handler returns true or {@code done} holds after a poll; fails after {@code timeout}. For topics too big to hold.
     */
    public static void consume(String bootstrapServers, String topic, Predicate<ConsumerRecord<byte[], byte[]>> handler,
                               java.util.function.BooleanSupplier done, Duration timeout) {
        long[] seen = {0};
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
                    checkDeadline(deadline, topic, seen[0]);
                    sleep();
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!done.getAsBoolean()) {
                checkDeadline(deadline, topic, seen[0]);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    seen[0]++;
                    if (handler.test(record)) {
                        return;
                    }
                }
            }
        }
    }

    /** Reads until at least {@code count} records arrived. */
    public static List<ConsumerRecord<byte[], byte[]>> read(String bootstrapServers, String topic, int count, Duration timeout) {
        return readUntil(bootstrapServers, topic, r -> r.size() >= count, timeout);
    }

    private static void checkDeadline(long deadline, String topic, long seen) {
        if (System.nanoTime() > deadline) {
            throw new AssertionError("Timed out reading topic " + topic + " after " + seen + " record(s)");
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
