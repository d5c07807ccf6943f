package io.adbsync.sink.record;

import io.adbsync.common.filter.Operation;
import io.adbsync.common.contract.EventContract;
import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.common.contract.SpecialFloatColumns;
import io.adbsync.sink.naming.SourceTable;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.naming.TableNamer;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the three record shapes the sink accepts: our envelope and Debezium's (before/after/source/op), and plain
 * records (key = primary key, value = row, null value = delete). Errors name the record and the column.
 */
public final class RecordParser {

    private final TableNamer namer;
    private final boolean keyRequired;
    /**
     * The destination columns of a row or key schema, field by field: records of a table share their schemas, so the
     * names are mapped once per schema, not per record, and records of one key schema share one list of key columns.
     */
    private final SchemaMemo<List<Column>> columnsOf = new SchemaMemo<>(
            schema -> schema.fields().stream().map(f -> new Column(columnName(f), f.schema())).toList());
    private final SchemaMemo<EnvelopeShape> envelopes = new SchemaMemo<>(EnvelopeShape::of);
    private final SchemaMemo<EnvelopeShape.Source> sources = new SchemaMemo<>(EnvelopeShape.Source::of);
    /** The topic routed last and its table by topic name: records of a partition come in runs. */
    private String lastTopic;
    private SourceTable lastByTopic;
    /** The source table header decoded last, and its names. */
    private String lastHeader;
    private SourceTableHeader.Name lastHeaderName;

    /** {@code keyRequired}: upsert mode needs a primary key on every record; insert mode does not. */
    public RecordParser(TableNamer namer, boolean keyRequired) {
        this.namer = namer;
        this.keyRequired = keyRequired;
    }

    public ChangeEvent parse(SinkRecord record) {
        Object value = record.value();
        if (value != null && !(value instanceof Struct)) {
            throw new DataException("The value of " + where(record) + " is a " + value.getClass().getSimpleName()
                    + ", not a Struct: use a converter with schemas (e.g. JsonConverter with schemas.enable=true, Avro)");
        }
        Struct struct = (Struct) value;
        // Topic names are lossy ('.' kept, other characters '_'): the exact names, where a record carries them and
        // they map to its topic, decide the table; the topic name only where a record carries none.
        if (!record.topic().equals(lastTopic)) {
            lastByTopic = SourceTable.fromTopic(record.topic());
            lastTopic = record.topic();
        }
        SourceTable byTopic = lastByTopic;
        if (struct != null && isEnvelope(struct.schema())) {
            return envelope(record, byTopic, struct);
        }
        SourceTable source = byHeader(record, byTopic);
        if (struct == null) {
            return delete(record, source);
        }
        TableId table = namer.tableFor(source);
        // An envelope of ours unwrapped by a transform keeps its headers, the floats the source marked among them.
        verifySpecialFloats(record, struct, table);
        return ChangeEvent.plainUpsert(record, source, table, row(record, table, struct, false));
    }

    private static boolean isEnvelope(Schema schema) {
        return schema.field(EventContract.OP) != null
                && (schema.field(EventContract.AFTER) != null || schema.field(EventContract.BEFORE) != null);
    }

    /** Our source names the exact table of every record in a header, tombstones included. */
    private SourceTable byHeader(SinkRecord record, SourceTable byTopic) {
        Header header = record.headers().lastWithName(SourceTableHeader.HEADER);
        if (header == null || header.value() == null) {
            return byTopic;
        }
        String value = header.value().toString();
        // Records of a table come in runs, each with its own copy of the same header value: decoded once per run.
        if (!value.equals(lastHeader)) {
            try {
                lastHeaderName = SourceTableHeader.decode(value);
            } catch (IllegalArgumentException e) {
                throw new DataException(e.getMessage() + " (" + where(record) + ")", e);
            }
            lastHeader = value;
        }
        return byTopic.withSourceNames(lastHeaderName.schema(), lastHeaderName.table());
    }

    /**
     * When the record's change was committed at the source (its envelope's {@code source.ts_ms}: the source server's
     * clock, which times the schema channel's definitions too), or 0 where the record does not say.
     */
    public static long committedAtMs(SinkRecord record) {
        if (record.value() instanceof Struct envelope && envelope.schema().field(EventContract.SOURCE) != null
                && envelope.get(EventContract.SOURCE) instanceof Struct source && source.schema().field(EventContract.TS_MS) != null
                && source.get(EventContract.TS_MS) instanceof Long ts) {
            return ts;
        }
        return 0;
    }

    private ChangeEvent envelope(SinkRecord record, SourceTable byTopic, Struct envelope) {
        EnvelopeShape shape = envelopes.get(envelope.schema());
        // By field where the type is the expected one; by name otherwise, for Struct's own error on a wrong type.
        String op = shape.op().schema().type() == Schema.Type.STRING ? (String) EnvelopeShape.value(envelope, shape.op())
                : envelope.getString(EventContract.OP);
        SourceTable source = sourceOf(record, byTopic, envelope, shape);
        verifySpecialFloats(record, envelope.schema().field(EventContract.AFTER) == null ? null
                : envelope.getStruct(EventContract.AFTER), namer.tableFor(source));
        boolean snapshot = false;
        Struct src = shape.source() == null ? null : EnvelopeShape.struct(envelope, shape.source(), EventContract.SOURCE);
        EnvelopeShape.Source srcShape = src == null ? null : sources.get(src.schema());
        if (src != null && srcShape.snapshot() != null) {
            Object flag = src.get(srcShape.snapshot());
            snapshot = flag != null && !"false".equals(flag.toString());
        }
        boolean placeholders = src != null && srcShape.connector() != null
                && UnavailableValue.writtenBy(src.get(srcShape.connector()));
        return switch (op == null ? "" : op) {
            case EventContract.OP_CREATE -> upsert(record, source, Operation.INSERT, false, after(record, envelope, shape), placeholders);
            case EventContract.OP_READ -> upsert(record, source, Operation.INSERT, true, after(record, envelope, shape), placeholders);
            case EventContract.OP_UPDATE -> upsert(record, source, Operation.UPDATE, snapshot, after(record, envelope, shape), placeholders);
            case EventContract.OP_DELETE -> delete(record, source);
            case EventContract.OP_TRUNCATE -> ChangeEvent.truncate(record, source, namer.tableFor(source));
            default -> throw new DataException("Unknown op '" + op + "' in the envelope of " + where(record));
        };
    }

    /** A float the source marked as NaN, ±Infinity or -0 must still be one where written: a converter may have read it as 0.0. */
    private static void verifySpecialFloats(SinkRecord record, Struct after, TableId table) {
        Header header = record.headers().lastWithName(SpecialFloatColumns.HEADER);
        if (header == null || header.value() == null) {
            return;
        }
        Struct key = record.key() instanceof Struct k ? k : null;
        SpecialFloatColumns.verify(header.value().toString(), key, after, table.toString(), where(record));
    }

    private static Struct after(SinkRecord record, Struct envelope, EnvelopeShape shape) {
        Struct after = EnvelopeShape.struct(envelope, shape.after(), EventContract.AFTER);
        if (after == null) {
            throw new DataException("The envelope of " + where(record) + " has op '" + envelope.getString(EventContract.OP)
                    + "' but no 'after' row");
        }
        return after;
    }

    /**
     * An envelope goes to the table its source.schema/source.table name, which must agree with a
     * {@code prefix.schema.table} topic; without them, as a record without an envelope.
     */
    private SourceTable sourceOf(SinkRecord record, SourceTable routed, Struct envelope, EnvelopeShape shape) {
        if (shape.sourceIsStruct()) {
            Struct source = (Struct) EnvelopeShape.value(envelope, shape.source());
            EnvelopeShape.Source fields = source == null ? null : sources.get(source.schema());
            if (source != null && fields.schema() != null && fields.table() != null
                    && source.get(fields.schema()) != null && source.get(fields.table()) != null) {
                String schema = source.get(fields.schema()).toString();
                String table = source.get(fields.table()).toString();
                if (!routed.agreesWith(schema, table)) {
                    throw new DataException("The envelope of " + where(record) + " names source table " + schema + "."
                            + table + ", but its topic routes it to " + namer.tableFor(routed) + " (the source table "
                            + "must be one whose names map to the topic)");
                }
                return routed.withSourceNames(schema, table);
            }
        }
        return byHeader(record, routed);
    }

    private ChangeEvent upsert(SinkRecord record, SourceTable source, Operation op, boolean snapshot, Struct after,
                               boolean placeholders) {
        TableId table = namer.tableFor(source);
        return ChangeEvent.upsert(record, source, table, op, snapshot, row(record, table, after, placeholders));
    }

    /** {@code placeholders}: the row comes from Debezium's PostgreSQL connector, which stands in for unavailable values. */
    private ChangeEvent.Row row(SinkRecord record, TableId table, Struct row, boolean placeholders) {
        List<Field> rowFields = row.schema().fields();
        List<Object> keyValues = new ArrayList<>();
        // Sized for the row's fields: no rehashing on the way.
        Map<String, String> fields = new LinkedHashMap<>(rowFields.size() * 4 / 3 + 2);
        List<Column> keyColumns = readKey(record, table, keyValues, fields);
        // Allocated only for the rare record that holds a placeholder.
        Set<String> unavailable = Set.of();
        List<Column> rowColumns = columnsOf.get(row.schema());
        for (int i = 0; i < rowFields.size(); i++) {
            Column column = rowColumns.get(i);
            // Without the field's default: Struct.get gives it for a null, and a NULL set at the source must stay one.
            Object value = EnvelopeShape.value(row, rowFields.get(i));
            if (placeholders && UnavailableValue.is(value) && !fields.containsKey(column.name())) {
                if (!keyRequired) {
                    throw new DataException("Column " + column.name() + " of table " + table + " from " + where(record)
                            + " holds Debezium's placeholder " + UnavailableValue.PLACEHOLDER + " (an unchanged TOAST "
                            + "value the source did not send): insert.mode=insert cannot write a row without it");
                }
                if (unavailable.isEmpty()) {
                    unavailable = new TreeSet<>();
                }
                unavailable.add(column.name());
                continue;
            }
            String text = render(record, table, column, value);
            if (fields.containsKey(column.name()) && !fields.get(column.name()).equals(text)) {
                throw new DataException("Column " + column.name() + " of " + where(record) + " (table " + table
                        + ") has a different value in the key than in the row");
            }
            fields.put(column.name(), text);
        }
        // The row schema's own list where the key adds no column: records of one schema share it, so what is worked
        // out per column list downstream is worked out once per schema.
        List<Column> columns = rowColumns;
        for (Column k : keyColumns) {
            if (!named(rowColumns, k.name())) {
                if (columns == rowColumns) {
                    columns = new ArrayList<>(rowColumns);
                }
                columns.add(k);
            }
        }
        RowKey key = keyColumns.isEmpty() ? null : RowKey.of(keyValues);
        return new ChangeEvent.Row(keyColumns, key, columns, fields, unavailable);
    }

    private ChangeEvent delete(SinkRecord record, SourceTable source) {
        TableId table = namer.tableFor(source);
        List<Object> keyValues = new ArrayList<>();
        Map<String, String> fields = new LinkedHashMap<>();
        List<Column> keyColumns = readKey(record, table, keyValues, fields);
        if (keyColumns.isEmpty()) {
            throw new DataException("A delete (" + where(record) + ", table " + table + ") needs the primary key in the "
                    + "record key, but the key is empty");
        }
        return ChangeEvent.delete(record, source, table, ChangeEvent.Row.ofKey(keyColumns, RowKey.of(keyValues), fields));
    }

    /** The key's columns (shared by records of one key schema), its values into {@code keyValues} and {@code fields}. */
    private List<Column> readKey(SinkRecord record, TableId table, List<Object> keyValues, Map<String, String> fields) {
        Object key = record.key();
        if (key == null) {
            if (keyRequired) {
                throw new DataException("Record " + where(record) + " for table " + table + " has no key: upserts and "
                        + "deletes need the primary key as a Struct record key (or set insert.mode=insert)");
            }
            return List.of();
        }
        if (!(key instanceof Struct keyStruct)) {
            throw new DataException("The key of " + where(record) + " for table " + table + " is a "
                    + key.getClass().getSimpleName() + ", not a Struct of primary-key columns");
        }
        List<Field> keyFields = keyStruct.schema().fields();
        List<Column> keyColumns = columnsOf.get(keyStruct.schema());
        for (int i = 0; i < keyFields.size(); i++) {
            Column column = keyColumns.get(i);
            Object value = EnvelopeShape.value(keyStruct, keyFields.get(i));
            if (value == null) {
                throw new DataException("Key column " + column.name() + " of " + where(record) + " (table " + table + ") is null");
            }
            keyValues.add(value);
            fields.put(column.name(), render(record, table, column, value));
        }
        return keyColumns;
    }

    private static boolean named(List<Column> columns, String name) {
        for (Column c : columns) {
            if (c.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private String columnName(Field f) {
        String original = f.schema().parameters() == null ? null : f.schema().parameters().get(EventContract.COLUMN_NAME_PARAMETER);
        return namer.columnName(original != null ? original : f.name());
    }

    private static String render(SinkRecord record, TableId table, Column column, Object value) {
        try {
            return CopyText.field(column.schema(), value);
        } catch (RuntimeException e) {
            throw new DataException("Cannot write column " + column.name() + " of table " + table + " from " + where(record)
                    + ": " + e.getMessage(), e);
        }
    }

    static String where(SinkRecord record) {
        return "topic " + record.topic() + ", partition " + record.kafkaPartition() + ", offset " + record.kafkaOffset();
    }
}
