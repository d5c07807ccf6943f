package io.adbsync.source.stream;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.common.contract.AvroNames;
import io.adbsync.common.contract.EventContract;
import io.adbsync.source.pgoutput.PgOutputMessage.Column;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.catalog.CapturedTable.CapturedColumn;
import io.adbsync.source.types.ColumnMapping;
import io.adbsync.source.types.TypeMapper;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps the shape of every relation the server announced, so that a column added at the source changes the record
 * schema from the next event on. The key comes from the Relation message's key flags; only under REPLICA IDENTITY
 * FULL or NOTHING, where the flags do not mark the primary key, is the catalog asked for it.
 */
public final class RelationRegistry {

    /** Looks up the primary-key column names of a relation, in key order; empty if it has none. */
    @FunctionalInterface
    public interface PrimaryKeyLookup {
        List<String> primaryKey(int relationOid);
    }

    /**
     * Looks up the fast defaults of a relation: for each column added with a non-volatile default, the text of the
     * value rows older than the column have (no change is decoded for them); columns without one are absent.
     */
    @FunctionalInterface
    public interface MissingValueLookup {
        Map<String, String> missingValues(int relationOid);
    }

    private final String topicPrefix;
    private final TypeMapper types;
    private final PrimaryKeyLookup primaryKeys;
    private final MissingValueLookup missingValues;
    private final Map<Integer, CapturedTable> tables = new HashMap<>();
    /** Names relations were announced under before being announced under another (see {@link #takeRenamedAway}). */
    private final Set<String> renamedAway = new HashSet<>();
    private final TopicNames topicNames;

    public RelationRegistry(String topicPrefix, TypeMapper types, PrimaryKeyLookup primaryKeys,
                            MissingValueLookup missingValues) {
        this.topicPrefix = topicPrefix;
        this.types = types;
        this.primaryKeys = primaryKeys;
        this.missingValues = missingValues;
        this.topicNames = new TopicNames(topicPrefix);
    }

    public CapturedTable update(Relation relation) {
        CapturedTable table = describe(relation);
        CapturedTable before = tables.put(relation.oid(), table);
        if (before != null && !before.qualifiedName().equals(table.qualifiedName())) {
            renamedAway.add(before.qualifiedName());
        }
        return table;
    }

    /**
     * Whether a relation announced as {@code qualifiedName} was announced since under another name (renamed away): a
     * copy of that name may lack what changed under the other. Said once per rename.
     */
    public boolean takeRenamedAway(String qualifiedName) {
        return renamedAway.remove(qualifiedName);
    }

    /**
     * The table as {@code relation} describes it, built exactly as {@link #update} builds it but not registered: the
     * snapshot uses it for a shape it read from the catalog, which must not replace the one the stream decodes with.
     */
    public CapturedTable describe(Relation relation) {
        Set<String> keyNames = new HashSet<>();
        if (relation.replicaIdentity() == 'f' || relation.replicaIdentity() == 'n') {
            keyNames.addAll(primaryKeys.primaryKey(relation.oid()));
        } else {
            relation.columns().stream().filter(Column::key).forEach(c -> keyNames.add(c.name()));
        }
        String recordName = AvroNames.fullName(topicPrefix) + "." + AvroNames.name(relation.namespace()) + "."
                + AvroNames.name(relation.name());
        SchemaBuilder row = SchemaBuilder.struct().name(recordName + ".Value").optional();
        SchemaBuilder key = SchemaBuilder.struct().name(recordName + ".Key");
        List<CapturedColumn> columns = new ArrayList<>();
        Set<String> fieldNames = new HashSet<>();
        // Asked once per description (a Relation message, a snapshot plan), never per row.
        Map<String, String> missing = missingValues.missingValues(relation.oid());
        for (Column c : relation.columns()) {
            String field = uniqueFieldName(AvroNames.name(c.name()), fieldNames);
            boolean isKey = keyNames.contains(c.name());
            ColumnMapping mapping = types.map(c.typeOid(), c.typeModifier(), !isKey, c.name(), !field.equals(c.name()),
                    missing.get(c.name()));
            columns.add(new CapturedColumn(c.name(), field, mapping, isKey, c.typeOid()));
            row.field(field, mapping.schema());
        }
        // Key fields follow the key's own order where the catalog gave it, else column order.
        List<String> keyOrder = relation.replicaIdentity() == 'f' || relation.replicaIdentity() == 'n'
                ? primaryKeys.primaryKey(relation.oid())
                : columns.stream().filter(CapturedColumn::key).map(CapturedColumn::name).toList();
        for (String k : keyOrder) {
            CapturedColumn c = columns.stream().filter(col -> col.name().equals(k)).findFirst().orElseThrow(
                    () -> new IllegalStateException("Key column " + k + " of " + relation.namespace() + "." + relation.name()
                            + " is not among the columns the server sent"));
            key.field(c.fieldName(), c.mapping().schema());
        }
        Schema rowSchema = row.build();
        Schema keySchema = keyOrder.isEmpty() ? null : key.build();
        String topic = topicNames.claim(relation.oid(), relation.namespace(), relation.name());
        return new CapturedTable(relation.oid(), relation.namespace(), relation.name(), topic, columns,
                keySchema, rowSchema, EventContract.envelope(recordName, rowSchema));
    }

    /** The table of a data message; the server always sends its Relation first, so a miss is a protocol error. */
    public CapturedTable get(int relationOid) {
        CapturedTable table = tables.get(relationOid);
        if (table == null) {
            throw new IllegalStateException("Change for relation OID " + relationOid + " arrived before its Relation message");
        }
        return table;
    }

    private static String uniqueFieldName(String base, Set<String> taken) {
        String name = base;
        for (int i = 2; !taken.add(name); i++) {
            name = base + "_" + i;
        }
        return name;
    }
}
