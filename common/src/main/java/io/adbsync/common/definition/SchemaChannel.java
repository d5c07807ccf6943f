package io.adbsync.common.definition;

/**
 * Names shared by the source, which writes object definitions to the schema topic, and the sink, which applies them
 * before the data that needs them.
 * <p>
 * The topic is {@code <topic.prefix>.schema-changes}: under the prefix, so a sink subscribed with
 * {@code topics.regex=<prefix>\..*} receives it, and of one name part where every data topic has two
 * ({@code <prefix>.<schema>.<table>}), so no table's topic can be it. One partition, so definitions keep the order the
 * source sent them in (an object after what it depends on).
 */
public final class SchemaChannel {

    /** What follows {@code <topic.prefix>.} in the schema topic's name. */
    public static final String TOPIC_SUFFIX = "schema-changes";

    /**
     * The header on every data record of a table whose definition went through the channel: the
     * {@link Definition#version()} the record was written under. A sink with {@code schema.sync=all} writes the record
     * only once that version of its table was applied.
     */
    public static final String VERSION_HEADER = "adbsync.definition";

    /**
     * The header with the time (ms) the source read the definition named by {@link #VERSION_HEADER}. A sink may write
     * the record under a definition of its table read at that time or later (the schema topic may have been compacted
     * down to the latest): the record then fits the table as well as a record written before a later change does.
     */
    public static final String TIME_HEADER = "adbsync.definition.ts";

    /** The header naming the schema topic that carries the version above, so that a sink's messages can say where to look. */
    public static final String TOPIC_HEADER = "adbsync.definition.topic";

    private SchemaChannel() {
    }

    public static String topic(String topicPrefix) {
        return topicPrefix + "." + TOPIC_SUFFIX;
    }

    /** The {@code topic.prefix} of schema topic {@code schemaTopic}: {@link #topic}'s inverse. */
    public static String topicPrefix(String schemaTopic) {
        return schemaTopic.substring(0, schemaTopic.length() - TOPIC_SUFFIX.length() - 1);
    }

    /** Whether {@code topic} is a schema topic by its name. */
    public static boolean isSchemaTopic(String topic) {
        return topic.endsWith("." + TOPIC_SUFFIX);
    }
}
