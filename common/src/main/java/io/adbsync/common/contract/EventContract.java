package io.adbsync.common.contract;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Names and shapes of the change events between source and sink (Debezium-compatible): the envelope, its
 * {@code source} block, the operations, and the schema parameters that carry the source column type.
 */
public final class EventContract {

    public static final String CONNECTOR = "adbsync-postgresql";

    /**
     * The source's heartbeat table (schema.table) unless {@code heartbeat.table} names another. Its changes go to the
     * heartbeat topic, never to a table topic, so no destination has a copy and {@code verify} leaves it out.
     */
    public static final String DEFAULT_HEARTBEAT_TABLE = "public.adbsync_heartbeat";

    public static final String BEFORE = "before";
    public static final String AFTER = "after";
    public static final String SOURCE = "source";
    public static final String OP = "op";
    public static final String TS_MS = "ts_ms";

    public static final String OP_CREATE = "c";
    public static final String OP_UPDATE = "u";
    public static final String OP_DELETE = "d";
    public static final String OP_READ = "r";
    public static final String OP_TRUNCATE = "t";

    /** Schema parameter on every column schema: the source column's type as {@code format_type} prints it. */
    public static final String SOURCE_TYPE_PARAMETER = "adbsync.source.type";
    /**
     * Schema parameter on a column schema whose column was added with a non-volatile default (PostgreSQL 11+ "fast
     * default": {@code pg_attribute.atthasmissing}): the stored value, in the column type's text form, that the rows
     * older than the column have without any change being decoded for them. A sink that adds the column to a table
     * already holding rows fills them with it; it is not a default for new rows, which always carry their value.
     */
    public static final String MISSING_VALUE_PARAMETER = "adbsync.column.missing";
    /** Schema parameter on a column schema whose field name had to be changed to be a valid Avro name. */
    public static final String COLUMN_NAME_PARAMETER = "adbsync.column.name";

    /** Debezium's semantic schema names, used where our representation is the same as theirs. */
    public static final String DATE = "io.debezium.time.Date";
    public static final String MICRO_TIME = "io.debezium.time.MicroTime";
    public static final String MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
    public static final String ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp";
    public static final String INTERVAL = "io.debezium.time.Interval";
    public static final String UUID = "io.debezium.data.Uuid";
    public static final String JSON = "io.debezium.data.Json";
    public static final String XML = "io.debezium.data.Xml";

    /** Sentinels for PostgreSQL's infinite dates and timestamps, which no epoch count can express otherwise. */
    public static final int DATE_POSITIVE_INFINITY = Integer.MAX_VALUE;
    public static final int DATE_NEGATIVE_INFINITY = Integer.MIN_VALUE;
    public static final long TIMESTAMP_POSITIVE_INFINITY = Long.MAX_VALUE;
    public static final long TIMESTAMP_NEGATIVE_INFINITY = Long.MIN_VALUE;

    public static final Schema SOURCE_SCHEMA = SchemaBuilder.struct()
            .name("io.adbsync.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA)
            .field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field("snapshot", SchemaBuilder.string().optional().defaultValue("false").build())
            .field("db", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    private EventContract() {
    }

    /** The envelope schema {@code <name>.Envelope} around a row schema. */
    public static Schema envelope(String recordName, Schema rowSchema) {
        return SchemaBuilder.struct()
                .name(recordName + ".Envelope")
                .version(1)
                .field(BEFORE, rowSchema)
                .field(AFTER, rowSchema)
                .field(SOURCE, SOURCE_SCHEMA)
                .field(OP, Schema.STRING_SCHEMA)
                .field(TS_MS, Schema.OPTIONAL_INT64_SCHEMA)
                .build();
    }
}
