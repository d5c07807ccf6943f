package io.adbsync.sink.naming;

/** Where a record comes from: the source schema and table (from the envelope or the topic name) and its topic. */
public record SourceTable(String schema, String table, String topic) {

    /** {@code schema.table}, the name operation rules and renames match against. */
    public String qualifiedName() {
        return schema + "." + table;
    }

    /** The last two dot-separated parts of a topic name ({@code prefix.schema.table}); one part means schema public. */
    public static SourceTable fromTopic(String topic) {
        int last = topic.lastIndexOf('.');
        if (last < 0) {
            return new SourceTable("public", topic, topic);
        }
        int previous = topic.lastIndexOf('.', last - 1);
        return new SourceTable(topic.substring(previous + 1, last), topic.substring(last + 1), topic);
    }
}
