package io.adbsync.sink.naming;

import io.adbsync.common.contract.AvroNames;

/**
 * Where a record comes from: the source schema and table, and the topic. The names are the source's exact ones when
 * the record carries them (envelope source block, or the source's {@code adbsync.source.table} header) and they agree
 * with a {@code prefix.schema.table} topic; else they are read from the topic name, which cannot hold every name.
 */
public record SourceTable(String schema, String table, String topic) {

    /** {@code schema.table}, the name operation rules and renames match against. */
    public String qualifiedName() {
        return schema + "." + table;
    }

    /**
     * Whether a record naming source table {@code schema.table} can belong to this topic: a {@code prefix.schema.table}
     * topic must end with the two names as the source writes them into topic names. Shorter topic names (renamed by
     * an SMT, or plain topics) carry no schema to compare and agree with any source.
     */
    public boolean agreesWith(String sourceSchema, String sourceTable) {
        if (!namesSchemaAndTable()) {
            return true;
        }
        // topic ends with "." + schema part + "." + table part, checked without building that string (once per record).
        String schema = AvroNames.topicPart(sourceSchema);
        String table = AvroNames.topicPart(sourceTable);
        int tableAt = topic.length() - table.length();
        int schemaAt = tableAt - 1 - schema.length();
        return schemaAt >= 1 && topic.startsWith(table, tableAt) && topic.charAt(tableAt - 1) == '.'
                && topic.startsWith(schema, schemaAt) && topic.charAt(schemaAt - 1) == '.';
    }

    /**
     * The exact source names a record carries, when its topic is a {@code prefix.schema.table} one they map to; else
     * this (routed by topic). A topic writer thus reaches only tables whose names map to that topic, and a topic an SMT
     * renamed to a shorter name routes all its records by that name, whatever they carry.
     */
    public SourceTable withSourceNames(String sourceSchema, String sourceTable) {
        if (!namesSchemaAndTable() || !agreesWith(sourceSchema, sourceTable)) {
            return this;
        }
        return new SourceTable(sourceSchema, sourceTable, topic);
    }

    /** Whether the topic is a {@code prefix.schema.table} one (two dots or more). */
    private boolean namesSchemaAndTable() {
        int last = topic.lastIndexOf('.');
        return last > 0 && topic.lastIndexOf('.', last - 1) >= 0;
    }

    /**
     * Routing by topic name alone, for records carrying no source names: the last two dot-separated parts of a
     * topic name ({@code prefix.schema.table}); one part means schema public.
     */
    public static SourceTable fromTopic(String topic) {
        int last = topic.lastIndexOf('.');
        if (last < 0) {
            return new SourceTable("public", topic, topic);
        }
        int previous = topic.lastIndexOf('.', last - 1);
        return new SourceTable(topic.substring(previous + 1, last), topic.substring(last + 1), topic);
    }
}
