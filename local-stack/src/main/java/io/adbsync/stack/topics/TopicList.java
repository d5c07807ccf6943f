package io.adbsync.stack.topics;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/** {@code bin/adbsync topics}: every topic of a cluster with its partitions, size on disk and end offsets. */
public final class TopicList {

    /**
     * One topic: its partitions' end offsets and the records they hold (end less start), and its bytes on the leaders
     * (-1 where the cluster does not let this user describe its log directories).
     */
    public record TopicSummary(String name, int partitions, long records, long bytes, Map<Integer, Long> endOffsets) {
    }

    private TopicList() {
    }

    /** Admin client settings for {@code bootstrapServers}, failing fast where nothing answers. */
    static Properties adminProps(String bootstrapServers) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return props;
    }

    /** The topics of the cluster at {@code bootstrapServers}, by name; {@code internal} includes Kafka's own. */
    public static List<TopicSummary> read(String bootstrapServers, boolean internal)
            throws ExecutionException, InterruptedException, TimeoutException {
        try (Admin admin = Admin.create(adminProps(bootstrapServers))) {
            var names = admin.listTopics(new ListTopicsOptions().listInternal(internal)).names().get(20, TimeUnit.SECONDS);
            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(20, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, Integer> leaders = new HashMap<>();
            for (TopicDescription topic : topics.values()) {
                for (TopicPartitionInfo p : topic.partitions()) {
                    TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                    latest.put(tp, OffsetSpec.latest());
                    earliest.put(tp, OffsetSpec.earliest());
                    Node leader = p.leader();
                    leaders.put(tp, leader == null ? -1 : leader.id());
                }
            }
            var ends = admin.listOffsets(latest).all().get(20, TimeUnit.SECONDS);
            var starts = admin.listOffsets(earliest).all().get(20, TimeUnit.SECONDS);
            // Sizes from the leaders' log directories: replicas would count the same records more than once.
            Map<TopicPartition, Long> sizes = new HashMap<>();
            List<Integer> brokers = admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).stream().map(Node::id).toList();
            Map<Integer, Map<String, LogDirDescription>> dirs;
            try {
                dirs = admin.describeLogDirs(brokers).allDescriptions().get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // Describing log directories needs DESCRIBE on the cluster: without it, sizes are unknown, not fatal.
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException)) {
                    throw e;
                }
                dirs = null;
            }
            boolean sized = dirs != null;
            (sized ? dirs : Map.<Integer, Map<String, LogDirDescription>>of()).forEach((broker, byDir) -> byDir.values().forEach(dir -> {
                for (Map.Entry<TopicPartition, ReplicaInfo> replica : dir.replicaInfos().entrySet()) {
                    if (broker.equals(leaders.get(replica.getKey())) && !replica.getValue().isFuture()) {
                        sizes.merge(replica.getKey(), replica.getValue().size(), Long::sum);
                    }
                }
            }));
            List<TopicSummary> result = new ArrayList<>();
            for (TopicDescription topic : topics.values()) {
                Map<Integer, Long> endOffsets = new java.util.TreeMap<>();
                long records = 0;
                long bytes = 0;
                for (TopicPartitionInfo p : topic.partitions()) {
                    TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                    long end = ends.get(tp).offset();
                    endOffsets.put(p.partition(), end);
                    records += end - starts.get(tp).offset();
                    bytes += sizes.getOrDefault(tp, 0L);
                }
                result.add(new TopicSummary(topic.name(), topic.partitions().size(), records, sized ? bytes : -1, endOffsets));
            }
            result.sort(java.util.Comparator.comparing(TopicSummary::name));
            return result;
        }
    }

    /** Prints {@code topics} as a table: name, partitions, records, size, end offset of each partition. */
    public static void print(List<TopicSummary> topics, PrintStream out) {
        int width = Math.max(5, topics.stream().mapToInt(t -> t.name().length()).max().orElse(0));
        String format = "%-" + width + "s  %10s  %10s  %10s  %s%n";
        out.printf(format, "TOPIC", "PARTITIONS", "RECORDS", "SIZE", "END OFFSETS (partition:offset)");
        for (TopicSummary t : topics) {
            String offsets = t.endOffsets().entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                    .collect(Collectors.joining(" "));
            out.printf(format, t.name(), t.partitions(), t.records(), bytes(t.bytes()), offsets);
        }
    }

    /** A size for people: bytes, KiB, MiB, GiB or TiB with one decimal; {@code ?} for a negative (unknown) size. */
    public static String bytes(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
