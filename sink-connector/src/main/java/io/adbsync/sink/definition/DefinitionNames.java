package io.adbsync.sink.definition;

import io.adbsync.common.contract.AvroNames;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.naming.SourceTable;
import io.adbsync.sink.naming.TableNamer;

/**
 * Destination names of source objects. Tables and their columns follow the sink's naming ({@code table.name.format},
 * {@code table.name.map}, {@code name.case}), as their records do: a table's records are routed from
 * {@code <topic.prefix>.<schema>.<table>}. Every other object (schemas, types, functions, sequences, views, rules)
 * keeps its source name, because the source's own text (column types, defaults, view bodies) names it so.
 */
public final class DefinitionNames {

    private final TableNamer namer;
    private final String topicPrefix;

    /** @param topicPrefix the source's {@code topic.prefix}: what precedes {@code .schema-changes} in the schema topic */
    public DefinitionNames(TableNamer namer, String topicPrefix) {
        this.namer = namer;
        this.topicPrefix = topicPrefix;
    }

    /** The destination table of source table {@code schema.table}, as its data records are named. */
    public TableId table(String schema, String table) {
        String topic = topicPrefix + "." + AvroNames.topicPart(schema) + "." + AvroNames.topicPart(table);
        return namer.tableFor(new SourceTable(schema, table, topic));
    }

    public TableId table(ObjectRef ref) {
        return table(ref.schema(), ref.name());
    }

    /** Whether the sink keeps the source's name for table {@code ref} (so text naming it by that name is right). */
    public boolean keepsName(ObjectRef table) {
        return table(table).equals(new TableId(table.schema(), table.name()));
    }

    /** The destination name of a source column. */
    public String column(String sourceName) {
        return namer.columnName(sourceName);
    }

    /** Whether the sink gives source column {@code sourceName} another name. */
    public boolean renames(String sourceColumn) {
        return !column(sourceColumn).equals(sourceColumn);
    }
}
