package io.adbsync.sink.record;

import io.adbsync.common.contract.EventContract;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * Writes a Connect value as one field of PostgreSQL's COPY text format, so the server parses it exactly as it printed
 * it: text-form types as they are, dates and timestamps from epoch counts (with infinities and BC years), bytea as hex.
 */
public final class CopyText {

    public static final String NULL = "\\N";
    private static final LocalDate EPOCH = LocalDate.of(1970, 1, 1);
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    private CopyText() {
    }

    /** The escaped COPY field for {@code value} of {@code schema}; null becomes {@code \N}. */
    public static String field(Schema schema, Object value) {
        if (value == null) {
            return NULL;
        }
        return escape(text(schema, value));
    }

    /** The server's input form of a value, before COPY escaping. */
    static String text(Schema schema, Object value) {
        String name = schema.name();
        if (name != null) {
            switch (name) {
                case EventContract.DATE:
                    return date(((Number) value).intValue());
                case EventContract.MICRO_TIME:
                    return time(((Number) value).longValue());
                case EventContract.MICRO_TIMESTAMP:
                    return timestamp(((Number) value).longValue());
                case EventContract.ZONED_TIMESTAMP:
                    return zonedTimestamp((String) value);
                case Date.LOGICAL_NAME:
                    return date(Math.toIntExact(((java.util.Date) value).getTime() / 86_400_000L));
                case Time.LOGICAL_NAME:
                    return time(((java.util.Date) value).getTime() * 1000L);
                case Timestamp.LOGICAL_NAME:
                    return timestamp(Math.multiplyExact(((java.util.Date) value).getTime(), 1000L));
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

    static String date(int days) {
        return switch (days) {
            case EventContract.DATE_POSITIVE_INFINITY -> "infinity";
            case EventContract.DATE_NEGATIVE_INFINITY -> "-infinity";
            default -> date(EPOCH.plusDays(days));
        };
    }

    static String time(long micros) {
        if (micros == MICROS_PER_DAY) {
            return "24:00:00";
        }
        return String.format("%02d:%02d:%02d.%06d", micros / 3_600_000_000L, micros / 60_000_000L % 60,
                micros / 1_000_000L % 60, micros % 1_000_000L);
    }

    static String timestamp(long micros) {
        if (micros == EventContract.TIMESTAMP_POSITIVE_INFINITY) {
            return "infinity";
        }
        if (micros == EventContract.TIMESTAMP_NEGATIVE_INFINITY) {
            return "-infinity";
        }
        long days = Math.floorDiv(micros, MICROS_PER_DAY);
        long inDay = Math.floorMod(micros, MICROS_PER_DAY);
        LocalDate date = EPOCH.plusDays(days);
        return withEra(date, dateDigits(date) + " " + time(inDay));
    }

    /** ISO-8601 UTC as the source writes it, negative ISO years included; the server reads it back as UTC with era. */
    static String zonedTimestamp(String iso) {
        if (iso.equals("infinity") || iso.equals("-infinity")) {
            return iso;
        }
        LocalDateTime utc = OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                .withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        long micros = utc.toLocalTime().toNanoOfDay() / 1_000;
        LocalDate date = utc.toLocalDate();
        return withEra(date, dateDigits(date) + " " + time(micros) + "+00");
    }

    private static String date(LocalDate date) {
        return withEra(date, dateDigits(date));
    }

    /** PostgreSQL has no year 0: ISO year 0 is 1 BC, so BC dates are printed with year {@code 1 - isoYear} and " BC". */
    private static String dateDigits(LocalDate date) {
        int year = date.getYear() <= 0 ? 1 - date.getYear() : date.getYear();
        return String.format("%04d-%02d-%02d", year, date.getMonthValue(), date.getDayOfMonth());
    }

    private static String withEra(LocalDate date, String text) {
        return date.getYear() <= 0 ? text + " BC" : text;
    }

    /** Escapes backslash, newline, carriage return and tab: the characters COPY text format treats specially. */
    static String escape(String text) {
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

    /** Days between the epoch and {@code date}; for tests that build values the way the source does. */
    static long epochDays(LocalDate date) {
        return ChronoUnit.DAYS.between(EPOCH, date);
    }
}
