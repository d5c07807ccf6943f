package io.adbsync.source.catalog;

import io.adbsync.source.types.ColumnMapping;
import org.apache.kafka.connect.data.Schema;

import java.util.List;

/**
 * A source table as the stream currently knows it (from the latest Relation message): its topic, its columns and
 * the key, row and envelope schemas records are built with.
 */
public record CapturedTable(int oid, String schema, String table, String topic, List<CapturedColumn> columns,
                            Schema keySchema, Schema rowSchema, Schema envelopeSchema) {

    public CapturedTable {
        columns = List.copyOf(columns);
    }

    /** {@code schema.table}, the form include/exclude patterns and messages use. */
    public String qualifiedName() {
        return schema + "." + table;
    }

    /**
     * One column: its source name, the (Avro-valid) field name in records, its mapping, whether it is in the key, and
     * its type OID as the Relation message gave it.
     */
    public record CapturedColumn(String name, String fieldName, ColumnMapping mapping, boolean key, int typeOid) {
    }
}
