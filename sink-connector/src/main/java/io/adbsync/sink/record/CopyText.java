package io.adbsync.sink.record;

import io.adbsync.common.contract.DebeziumTimes;
import io.adbsync.common.contract.EventContract;
import io.adbsync.common.contract.TemporalText;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Writes a Connect value as one field of PostgreSQL's COPY text format, so the server parses it exactly as it printed
 * it: text-form types as they are, dates and timestamps from epoch counts (with infinities and BC years), bytea as hex.
 */
public final class CopyText {

    public static final String NULL = "\\N";

    private CopyText() {
    }

    /** The escaped COPY field for {@code value} of {@code schema}; null becomes {@code \N}. */
    public static String field(Schema schema, Object value) {
        if (value == null) {
            return NULL;
        }
        return escape(text(schema, value));
    }

    /** Why a Debezium MicroDuration is refused, as a column's type and as a value. */
    public static final String MICRO_DURATION_REFUSED = DebeziumTimes.MICRO_DURATION + ", Debezium's interval in "
            + "microseconds with a month taken as 30.4375 days, which no interval column holds as the source's value; have "
            + "Debezium send intervals as text (interval.handling.mode=string)";

    /** Microseconds, Debezium's ±infinity as the sentinels TemporalText reads (the long's bounds). */
    private static long micros(long micros) {
        if (micros == DebeziumTimes.MICROS_POSITIVE_INFINITY) {
            return Long.MAX_VALUE;
        }
        return micros == DebeziumTimes.MICROS_NEGATIVE_INFINITY ? Long.MIN_VALUE : micros;
    }

    /** Milliseconds as microseconds, ±infinity (Debezium's, or the long's bounds) as the sentinels TemporalText reads. */
    private static long microsFromMillis(long millis) {
        if (millis == Long.MAX_VALUE || millis == DebeziumTimes.MILLIS_POSITIVE_INFINITY) {
            return Long.MAX_VALUE;
        }
        if (millis == Long.MIN_VALUE || millis == DebeziumTimes.MILLIS_NEGATIVE_INFINITY) {
            return Long.MIN_VALUE;
        }
        return Math.multiplyExact(millis, 1000L);
    }

    /** Nanoseconds as microseconds, the long's bounds (Debezium's ±infinity) kept as the sentinels TemporalText reads. */
    private static long microsFromNanos(long nanos) {
        return nanos == Long.MAX_VALUE || nanos == Long.MIN_VALUE ? nanos : Math.floorDiv(nanos, 1000L);
    }

    /** The server's input form of a value, before COPY escaping. */
    static String text(Schema schema, Object value) {
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case EventContract.DATE:
                    return TemporalText.formatDate(((Number) value).intValue());
                case EventContract.MICRO_TIME:
                    return TemporalText.formatTime(((Number) value).longValue());
                case EventContract.MICRO_TIMESTAMP:
                    return TemporalText.formatTimestamp(micros(((Number) value).longValue()));
                case EventContract.ZONED_TIMESTAMP:
                    return TemporalText.formatTimestamptz((String) value);
                case Date.LOGICAL_NAME:
                    return TemporalText.formatDate(Math.toIntExact(((java.util.Date) value).getTime() / 86_400_000L));
                case Time.LOGICAL_NAME:
                    return TemporalText.formatTime(((java.util.Date) value).getTime() * 1000L);
                case Timestamp.LOGICAL_NAME:
                    return TemporalText.formatTimestamp(Math.multiplyExact(((java.util.Date) value).getTime(), 1000L));
                case DebeziumTimes.TIMESTAMP:
                    return TemporalText.formatTimestamp(microsFromMillis(((Number) value).longValue()));
                case DebeziumTimes.TIME:
                    return TemporalText.formatTime(((Number) value).longValue() * 1000L);
                case DebeziumTimes.NANO_TIMESTAMP:
                    return TemporalText.formatTimestamp(microsFromNanos(((Number) value).longValue()));
                case DebeziumTimes.MICRO_DURATION:
                    throw new IllegalArgumentException("it is a " + MICRO_DURATION_REFUSED);
                case DebeziumTimes.NANO_TIME:
                    return TemporalText.formatTime(Math.floorDiv(((Number) value).longValue(), 1000L));
                case Decimal.LOGICAL_NAME:
                    return ((BigDecimal) value).toPlainString();
                default:
                    break;
            }
        }
        return switch (schema.type()) {
            case BOOLEAN -> ((Boolean) value) ? "t" : "f";
            case INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, STRING -> value.toString();
            case BYTES -> "\\x" + HexFormat.of().formatHex(bytes(value));
            case ARRAY -> arrayLiteral(schema.valueSchema(), (java.util.List<?>) value);
            default -> throw new DataException("values of Connect type " + schema.type() + " cannot be written to a column");
        };
    }

    /**
     * An array literal as {@code array_in} reads it: nested lists are nested braces, every element is double-quoted
     * (so commas, braces, blanks and the word NULL inside a value stay data) except SQL NULL.
     */
    private static String arrayLiteral(Schema elementSchema, java.util.List<?> elements) {
        StringBuilder out = new StringBuilder(2 + elements.size() * 8).append('{');
        for (int i = 0; i < elements.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            Object element = elements.get(i);
            if (element == null) {
                out.append("NULL");
            } else if (elementSchema.type() == Schema.Type.ARRAY) {
                out.append(arrayLiteral(elementSchema.valueSchema(), (java.util.List<?>) element));
            } else {
                out.append('"');
                String text = text(elementSchema, element);
                for (int j = 0; j < text.length(); j++) {
                    char c = text.charAt(j);
                    if (c == '"' || c == '\\') {
                        out.append('\\');
                    }
                    out.append(c);
                }
                out.append('"');
            }
        }
        return out.append('}').toString();
    }

    private static byte[] bytes(Object value) {
        if (value instanceof ByteBuffer buffer) {
            byte[] copy = new byte[buffer.remaining()];
            buffer.duplicate().get(copy);
            return copy;
        }
        return (byte[]) value;
    }

    /** Escapes backslash, newline, carriage return and tab: the characters COPY text format treats specially. */
    public static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
