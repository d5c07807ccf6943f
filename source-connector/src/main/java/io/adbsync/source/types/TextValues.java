package io.adbsync.source.types;

import io.adbsync.common.contract.TemporalText;

import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the server's text forms (DateStyle ISO, TimeZone UTC, bytea_output hex, as the replication session sets
 * them) into Connect values without losing anything: microseconds, BC years and infinities included.
 */
final class TextValues {

    private static final Pattern C_MONEY = Pattern.compile("(-?)\\$([0-9]{1,3}(?:,[0-9]{3})*)(\\.[0-9]+)?");

    private TextValues() {
    }

    static Object parse(ValueKind kind, String text) {
        return switch (kind) {
            case BOOLEAN -> parseBoolean(text);
            case INT16 -> Short.parseShort(text);
            case INT32 -> Integer.parseInt(text);
            case INT64 -> Long.parseLong(text);
            case FLOAT32 -> Float.parseFloat(text);
            case FLOAT64 -> Double.parseDouble(text);
            case BYTES -> bytea(text);
            case DATE -> TemporalText.parseDate(text);
            case TIME -> TemporalText.parseTime(text);
            case TIMESTAMP -> TemporalText.parseTimestamp(text);
            case TIMESTAMPTZ -> TemporalText.parseTimestamptz(text);
            case MONEY -> money(text);
            case INTERVAL, UUID, JSON, XML, TEXT -> text;
        };
    }

    private static Boolean parseBoolean(String text) {
        return switch (text) {
            case "t" -> Boolean.TRUE;
            case "f" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("not a boolean text form: " + text);
        };
    }

    /**
     * money printed under lc_monetary=C ("-$1,234.56") as a plain decimal ("-1234.56"), which the sink reads back
     * exactly under lc_monetary=C whatever the destination database's own setting.
     */
    static String money(String text) {
        Matcher m = C_MONEY.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("money must arrive in the C locale's form (lc_monetary=C), e.g. -$1,234.56, got: "
                    + text);
        }
        return m.group(1) + m.group(2).replace(",", "") + (m.group(3) == null ? "" : m.group(3));
    }

    static byte[] bytea(String text) {
        if (!text.startsWith("\\x")) {
            throw new IllegalArgumentException("bytea must arrive in hex form (bytea_output=hex), got: "
                    + text.substring(0, Math.min(20, text.length())));
        }
        return HexFormat.of().parseHex(text, 2, text.length());
    }
}
