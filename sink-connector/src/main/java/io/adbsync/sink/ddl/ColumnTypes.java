package io.adbsync.sink.ddl;

import io.adbsync.common.contract.DebeziumTimes;
import io.adbsync.common.contract.EventContract;
import io.adbsync.sink.record.CopyText;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

import java.util.regex.Pattern;

/**
 * The SQL type of a column the sink creates: the exact source type from the {@code adbsync.source.type} schema
 * parameter where present, else one derived from the Connect schema. A type name from a record only reaches DDL
 * after it matched {@link #TYPE_NAME}: identifiers, a fixed set of keywords, modifiers in digits and array brackets.
 */
public final class ColumnTypes {

    private static final String IDENT = "(?:[A-Za-z_][A-Za-z0-9_$]*|\"[^\"\\x00]+\")";
    private static final String KEYWORD = "(?:varying|precision|with|without|time|zone|year|month|day|hour|minute|second|to)";
    // Up to varchar's 10485760 characters, and numeric's scales from -1000 (PostgreSQL 15+) to 1000.
    private static final String MODIFIER = "(?:\\(\\d{1,8}(?:,-?\\d{1,4})?\\))";
    /** {@code numeric(10,2)}, {@code character varying(20)}, {@code time(3) with time zone}, {@code public.mood[]}... */
    public static final Pattern TYPE_NAME = Pattern.compile(
            IDENT + "(?:\\." + IDENT + ")?(?: " + KEYWORD + ")*" + MODIFIER + "?(?: " + KEYWORD + ")*" + MODIFIER
                    + "?(?:\\[\\])*");

    private ColumnTypes() {
    }

    /** The SQL type for a column of {@code schema}; {@code column} and {@code table} only name it in errors. */
    public static String sqlType(Schema schema, String column, String table) {
        String source = declaredSourceType(schema);
        if (source != null) {
            if (!TYPE_NAME.matcher(source).matches()) {
                throw new RecordSchemaException("Column " + column + " of table " + table + " has the source type '" + source
                        + "' (schema parameter " + EventContract.SOURCE_TYPE_PARAMETER + "), which is not a type name "
                        + "the sink puts into DDL; create the table yourself or fix the producer");
            }
            return source;
        }
        return derived(schema, column, table);
    }

    /** The record's {@code adbsync.source.type} parameter of a column's schema, as written, or null. */
    static String declaredSourceType(Schema schema) {
        return schema.parameters() == null ? null : schema.parameters().get(EventContract.SOURCE_TYPE_PARAMETER);
    }

    private static String derived(Schema schema, String column, String table) {
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case EventContract.DATE, Date.LOGICAL_NAME:
                    return "date";
                case EventContract.MICRO_TIME, Time.LOGICAL_NAME:
                    return "time without time zone";
                case EventContract.MICRO_TIMESTAMP, Timestamp.LOGICAL_NAME, DebeziumTimes.TIMESTAMP, DebeziumTimes.NANO_TIMESTAMP:
                    return "timestamp without time zone";
                case DebeziumTimes.TIME, DebeziumTimes.NANO_TIME:
                    return "time without time zone";
                case DebeziumTimes.ZONED_TIME:
                    return "time with time zone";
                case DebeziumTimes.MICRO_DURATION:
                    throw new RecordSchemaException("Column " + column + " of table " + table + " is a "
                            + CopyText.MICRO_DURATION_REFUSED + ", or create the table yourself");
                case EventContract.ZONED_TIMESTAMP:
                    return "timestamp with time zone";
                case EventContract.INTERVAL:
                    return "interval";
                case EventContract.UUID:
                    return "uuid";
                case EventContract.JSON:
                    return "jsonb";
                case EventContract.XML:
                    return "xml";
                case Decimal.LOGICAL_NAME:
                    return "numeric";
                default:
                    break;
            }
        }
        return switch (schema.type()) {
            case BOOLEAN -> "boolean";
            case INT8, INT16 -> "smallint";
            case INT32 -> "integer";
            case INT64 -> "bigint";
            case FLOAT32 -> "real";
            case FLOAT64 -> "double precision";
            case STRING -> "text";
            case BYTES -> "bytea";
            case ARRAY -> derived(schema.valueSchema(), column, table) + "[]";
            default -> throw new RecordSchemaException("Column " + column + " of table " + table + " has Connect type "
                    + schema.type() + ", which has no column type; flatten it (e.g. with an SMT) or create the table yourself");
        };
    }
}
