package io.adbsync.source.stream;

import org.apache.kafka.common.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How many partitions each table topic has, as far as the source can know: what the connector's Kafka Connect
 * topic-creation settings ({@code topic.creation.default.partitions}, and per group {@code topic.creation.<group>.*})
 * create it with, picked the way Connect picks them (the first group in {@code topic.creation.groups} whose include
 * regexes match the topic and whose exclude regexes do not, else the default group); 1 without those settings. A
 * truncate is sent to each of them, and every record says the count so a sink can tell a topic that has more.
 * {@code -1} (the broker's default) leaves the count unknown and is refused.
 */
public final class TopicPartitions {

    public static final String PREFIX = "topic.creation.";
    public static final String GROUPS = PREFIX + "groups";
    public static final String DEFAULT_PARTITIONS = PREFIX + "default.partitions";
    /** The most copies one truncate can have: the records of one change share {@link StreamPosition#RECORDS_PER_CHANGE} indices. */
    public static final int MAX = StreamPosition.RECORDS_PER_CHANGE;

    private record Group(Pattern include, Pattern exclude, int partitions) {
        boolean matches(String topic) {
            return include.matcher(topic).matches() && (exclude == null || !exclude.matcher(topic).matches());
        }
    }

    private final int defaultCount;
    private final List<Group> groups;
    private final Map<String, Integer> byTopic = new ConcurrentHashMap<>();

    private TopicPartitions(int defaultCount, List<Group> groups) {
        this.defaultCount = defaultCount;
        this.groups = groups;
    }

    /** Reads the settings from a connector config; an {@link Invalid} names the key that is wrong. */
    public static TopicPartitions from(Map<String, String> config) {
        int defaultCount = config.containsKey(DEFAULT_PARTITIONS) ? count(DEFAULT_PARTITIONS, config.get(DEFAULT_PARTITIONS)) : 1;
        List<Group> groups = new ArrayList<>();
        for (String name : list(config.get(GROUPS))) {
            if (name.equals("default")) {
                continue;
            }
            String partitionsKey = PREFIX + name + ".partitions";
            int partitions = config.containsKey(partitionsKey) ? count(partitionsKey, config.get(partitionsKey)) : defaultCount;
            Pattern include = pattern(PREFIX + name + ".include", config);
            if (include == null) {
                // Connect matches nothing for a group without include regexes.
                continue;
            }
            groups.add(new Group(include, pattern(PREFIX + name + ".exclude", config), partitions));
        }
        return new TopicPartitions(defaultCount, List.copyOf(groups));
    }

    /** Whether some topic can have several partitions (and so need truncate copies and positions). */
    public boolean anyWithSeveral() {
        return defaultCount > 1 || groups.stream().anyMatch(g -> g.partitions() > 1);
    }

    /** The partition count of {@code topic}. */
    public int of(String topic) {
        return byTopic.computeIfAbsent(topic, t -> {
            for (Group g : groups) {
                if (g.matches(t)) {
                    return g.partitions();
                }
            }
            return defaultCount;
        });
    }

    /** A topic-creation setting this connector cannot work with; {@link #key()} names it. */
    public static final class Invalid extends ConfigException {
        private final String key;

        Invalid(String key, String value, String why) {
            super(key, value, why);
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    private static int count(String key, String value) {
        int n;
        try {
            n = Integer.parseInt(value == null ? "" : value.trim());
        } catch (NumberFormatException e) {
            throw new Invalid(key, value, "must be a partition count");
        }
        if (n == -1) {
            throw new Invalid(key, value, "-1 (the broker's default partition count) leaves the number of "
                    + "partitions of the table topics unknown to the connector, which sends a copy of each TRUNCATE to "
                    + "every partition so that sinks apply it in order with the rows; set the partition count the topics "
                    + "are created with (1 or more)");
        }
        if (n < 1 || n > MAX) {
            throw new Invalid(key, value, "must be between 1 and " + MAX);
        }
        return n;
    }

    private static Pattern pattern(String key, Map<String, String> config) {
        List<String> regexes = list(config.get(key));
        if (regexes.isEmpty()) {
            return null;
        }
        try {
            return Pattern.compile(String.join("|", regexes));
        } catch (PatternSyntaxException e) {
            throw new Invalid(key, config.get(key), "not a list of regexes: " + e.getDescription());
        }
    }

    private static List<String> list(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
