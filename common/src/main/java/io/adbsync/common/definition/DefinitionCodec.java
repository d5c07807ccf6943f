package io.adbsync.common.definition;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import java.util.ArrayList;
import java.util.List;

/**
 * Definitions as Kafka Connect data on the schema topic: a string key ({@link ObjectRef#key()}) and a struct value of
 * fixed schema {@value #VALUE_SCHEMA_NAME}, so that any converter (JSON, Avro through a registry) carries them and a
 * consumer other than the sink can read them.
 */
public final class DefinitionCodec {

    public static final String VALUE_SCHEMA_NAME = "io.adbsync.definition.Definition";

    private static final Schema STRINGS = SchemaBuilder.array(Schema.STRING_SCHEMA).build();

    private static final Schema COLUMN = SchemaBuilder.struct().name("io.adbsync.definition.Column")
            .field("name", Schema.STRING_SCHEMA)
            .field("type", Schema.STRING_SCHEMA)
            .field("not_null", Schema.BOOLEAN_SCHEMA)
            .field("default", Schema.OPTIONAL_STRING_SCHEMA)
            .field("identity", Schema.OPTIONAL_STRING_SCHEMA)
            .field("generated", Schema.OPTIONAL_STRING_SCHEMA)
            .field("missing", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private static final Schema CONSTRAINT = SchemaBuilder.struct().name("io.adbsync.definition.Constraint")
            .field("name", Schema.STRING_SCHEMA)
            .field("type", Schema.STRING_SCHEMA)
            .field("definition", Schema.STRING_SCHEMA)
            .build();

    private static final Schema DISTRIBUTION = SchemaBuilder.struct().name("io.adbsync.definition.Distribution").optional()
            .field("policy", Schema.STRING_SCHEMA)
            .field("key", STRINGS)
            .build();

    private static final Schema TABLE = SchemaBuilder.struct().name("io.adbsync.definition.Table").optional()
            .field("columns", SchemaBuilder.array(COLUMN).build())
            .field("primary_key", STRINGS)
            .field("constraints", SchemaBuilder.array(CONSTRAINT).build())
            .field("distribution", DISTRIBUTION)
            .field("storage", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private static final Schema SEQUENCE = SchemaBuilder.struct().name("io.adbsync.definition.Sequence").optional()
            .field("data_type", Schema.STRING_SCHEMA)
            .field("start", Schema.INT64_SCHEMA)
            .field("increment", Schema.INT64_SCHEMA)
            .field("min", Schema.INT64_SCHEMA)
            .field("max", Schema.INT64_SCHEMA)
            .field("cache", Schema.INT64_SCHEMA)
            .field("cycle", Schema.BOOLEAN_SCHEMA)
            .field("owned_by", Schema.OPTIONAL_STRING_SCHEMA)
            .field("last_value", Schema.OPTIONAL_INT64_SCHEMA)
            .field("is_called", Schema.BOOLEAN_SCHEMA)
            .build();

    private static final Schema INDEX = SchemaBuilder.struct().name("io.adbsync.definition.Index").optional()
            .field("table", Schema.STRING_SCHEMA)
            .field("unique", Schema.BOOLEAN_SCHEMA)
            .field("method", Schema.STRING_SCHEMA)
            .field("keys", STRINGS)
            .field("include", STRINGS)
            .field("predicate", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    public static final Schema KEY_SCHEMA = Schema.STRING_SCHEMA;

    public static final Schema VALUE_SCHEMA = SchemaBuilder.struct().name(VALUE_SCHEMA_NAME)
            .field("kind", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("version", Schema.STRING_SCHEMA)
            .field("depends_on", STRINGS)
            .field("statements", STRINGS)
            .field("table", TABLE)
            .field("sequence", SEQUENCE)
            .field("index", INDEX)
            .field("lsn", Schema.OPTIONAL_STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .build();

    private DefinitionCodec() {
    }

    /**
     * @param lsn  the source position the definition was read at ({@code pg_lsn} text), or null
     * @param tsMs when it was read
     */
    public static Struct encode(Definition d, String lsn, long tsMs) {
        Struct s = new Struct(VALUE_SCHEMA)
                .put("kind", d.ref().kind().label())
                .put("schema", d.ref().schema())
                .put("name", d.ref().name())
                .put("version", d.version())
                .put("depends_on", d.dependsOn().stream().map(ObjectRef::key).toList())
                .put("statements", d.statements())
                .put("lsn", lsn)
                .put("ts_ms", tsMs);
        if (d.table() != null) {
            s.put("table", table(d.table()));
        }
        if (d.sequence() != null) {
            SequenceShape q = d.sequence();
            s.put("sequence", new Struct(SEQUENCE).put("data_type", q.dataType()).put("start", q.start())
                    .put("increment", q.increment()).put("min", q.min()).put("max", q.max()).put("cache", q.cache())
                    .put("cycle", q.cycle()).put("owned_by", q.ownedBy()).put("last_value", q.lastValue())
                    .put("is_called", q.isCalled()));
        }
        if (d.index() != null) {
            IndexShape i = d.index();
            s.put("index", new Struct(INDEX).put("table", i.table().key()).put("unique", i.unique()).put("method", i.method())
                    .put("keys", i.keys()).put("include", i.include()).put("predicate", i.predicate()));
        }
        return s;
    }

    private static Struct table(TableShape t) {
        List<Struct> columns = new ArrayList<>();
        for (ColumnShape c : t.columns()) {
            columns.add(new Struct(COLUMN).put("name", c.name()).put("type", c.type()).put("not_null", c.notNull())
                    .put("default", c.defaultExpression()).put("identity", c.identity()).put("generated", c.generated())
                    .put("missing", c.missingValue()));
        }
        List<Struct> constraints = new ArrayList<>();
        for (ConstraintShape c : t.constraints()) {
            constraints.add(new Struct(CONSTRAINT).put("name", c.name()).put("type", c.type()).put("definition", c.definition()));
        }
        Struct s = new Struct(TABLE).put("columns", columns).put("primary_key", t.primaryKey()).put("constraints", constraints)
                .put("storage", t.storage());
        if (t.distribution() != null) {
            s.put("distribution", new Struct(DISTRIBUTION).put("policy", t.distribution().policy()).put("key", t.distribution().key()));
        }
        return s;
    }

    /** Whether a record value is a definition (its schema's name), whatever converter carried it. */
    public static boolean isDefinition(Schema valueSchema) {
        return valueSchema != null && VALUE_SCHEMA_NAME.equals(valueSchema.name());
    }

    /** A definition as it arrived, with the version the source gave it (which data records name). */
    public record Received(Definition definition, String version, String lsn, long tsMs) {
    }

    /**
     * The definition in a record value. Read by field name, so a value that went through a registry and came back with
     * an equivalent schema reads the same; a {@link DataException} names what is missing or malformed.
     */
    public static Received decode(Struct s) {
        try {
            ObjectRef ref = new ObjectRef(ObjectKind.fromLabel(s.getString("kind")), s.getString("schema"), s.getString("name"));
            List<ObjectRef> dependsOn = s.<String>getArray("depends_on").stream().map(ObjectRef::parse).toList();
            List<String> statements = List.copyOf(s.<String>getArray("statements"));
            Definition d = new Definition(ref, dependsOn, statements, tableOf(s.getStruct("table")), sequenceOf(s.getStruct("sequence")),
                    indexOf(s.getStruct("index")));
            Long tsMs = s.getInt64("ts_ms");
            return new Received(d, s.getString("version"), s.getString("lsn"), tsMs == null ? 0 : tsMs);
        } catch (DataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DataException("Malformed schema-channel record: " + e, e);
        }
    }

    private static TableShape tableOf(Struct t) {
        if (t == null) {
            return null;
        }
        List<ColumnShape> columns = new ArrayList<>();
        for (Struct c : t.<Struct>getArray("columns")) {
            // Absent from definitions of a source that did not send it (and from ledger rows it wrote).
            String missing = c.schema().field("missing") == null ? null : c.getString("missing");
            columns.add(new ColumnShape(c.getString("name"), c.getString("type"), c.getBoolean("not_null"), c.getString("default"),
                    c.getString("identity"), c.getString("generated"), missing));
        }
        List<ConstraintShape> constraints = new ArrayList<>();
        for (Struct c : t.<Struct>getArray("constraints")) {
            constraints.add(new ConstraintShape(c.getString("name"), c.getString("type"), c.getString("definition")));
        }
        Struct dist = t.getStruct("distribution");
        Distribution distribution = dist == null ? null : new Distribution(dist.getString("policy"), dist.<String>getArray("key"));
        return new TableShape(columns, t.<String>getArray("primary_key"), constraints, distribution, t.getString("storage"));
    }

    private static SequenceShape sequenceOf(Struct q) {
        if (q == null) {
            return null;
        }
        return new SequenceShape(q.getString("data_type"), q.getInt64("start"), q.getInt64("increment"), q.getInt64("min"),
                q.getInt64("max"), q.getInt64("cache"), q.getBoolean("cycle"), q.getString("owned_by"), q.getInt64("last_value"),
                q.getBoolean("is_called"));
    }

    private static IndexShape indexOf(Struct i) {
        if (i == null) {
            return null;
        }
        return new IndexShape(ObjectRef.parse(i.getString("table")), i.getBoolean("unique"), i.getString("method"),
                i.<String>getArray("keys"), i.<String>getArray("include"), i.getString("predicate"));
    }
}
