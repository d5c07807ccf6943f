package io.adbsync.source.types;

import io.adbsync.common.contract.EventContract;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the server's text forms (DateStyle ISO, TimeZone UTC, bytea_output hex, as the replication session sets
 * them) into Connect values without losing anything: microseconds, BC years and infinities included.
 */
final class TextValues {

    private static final LocalDate EPOCH = LocalDate.of(1970, 1, 1);
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
            case DATE -> date(text);
            case TIME -> time(text);
            case TIMESTAMP -> timestamp(text);
            case TIMESTAMPTZ -> timestamptz(text);
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

    /** Days since 1970-01-01; ±infinity become the contract's sentinels. */
    static int date(String text) {
        return switch (text) {
            case "infinity" -> EventContract.DATE_POSITIVE_INFINITY;
            case "-infinity" -> EventContract.DATE_NEGATIVE_INFINITY;
            default -> Math.toIntExact(ChronoUnit.DAYS.between(EPOCH, localDate(text)));
        };
    }

    /** Microseconds since midnight; PostgreSQL allows 24:00:00. */
    static long time(String text) {
        if (text.startsWith("24:00:00")) {
            return 86_400_000_000L;
        }
        return LocalTime.parse(text).toNanoOfDay() / 1_000;
    }

    /** Microseconds since 1970-01-01 00:00 (no zone); ±infinity become the contract's sentinels. */
    static long timestamp(String text) {
        switch (text) {
            case "infinity":
                return EventContract.TIMESTAMP_POSITIVE_INFINITY;
            case "-infinity":
                return EventContract.TIMESTAMP_NEGATIVE_INFINITY;
            default:
                boolean bc = text.endsWith(" BC");
                String body = bc ? text.substring(0, text.length() - 3) : text;
                int space = body.indexOf(' ');
                LocalDate date = localDate(body.substring(0, space) + (bc ? " BC" : ""));
                long micros = LocalTime.parse(body.substring(space + 1)).toNanoOfDay() / 1_000;
                return Math.addExact(Math.multiplyExact(ChronoUnit.DAYS.between(EPOCH, date), 86_400_000_000L), micros);
        }
    }

    /** ISO-8601 in UTC ({@code 2024-01-02T03:04:05.123456Z}), years before 1 AD as negative ISO years; infinities as text. */
    static String timestamptz(String text) {
        if (text.equals("infinity") || text.equals("-infinity")) {
            return text;
        }
        boolean bc = text.endsWith(" BC");
        String body = bc ? text.substring(0, text.length() - 3) : text;
        int space = body.indexOf(' ');
        String timeAndZone = body.substring(space + 1);
        int zoneAt = Math.max(timeAndZone.lastIndexOf('+'), timeAndZone.lastIndexOf('-'));
        LocalDate date = localDate(body.substring(0, space) + (bc ? " BC" : ""));
        LocalTime time = LocalTime.parse(timeAndZone.substring(0, zoneAt));
        ZoneOffset offset = ZoneOffset.of(normalizeOffset(timeAndZone.substring(zoneAt)));
        return OffsetDateTime.of(date, time, offset).withOffsetSameInstant(ZoneOffset.UTC)
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    private static String normalizeOffset(String offset) {
        // PostgreSQL prints +00, +05:30 or +05:30:15; java.time wants +HH:MM[:SS].
        return offset.length() == 3 ? offset + ":00" : offset;
    }

    /** {@code YYYY-MM-DD} with an optional {@code " BC"}: 1 BC is ISO year 0. Years past 9999 have more digits. */
    private static LocalDate localDate(String text) {
        boolean bc = text.endsWith(" BC");
        String body = bc ? text.substring(0, text.length() - 3) : text;
        int firstDash = body.indexOf('-');
        int year = Integer.parseInt(body.substring(0, firstDash));
        int month = Integer.parseInt(body.substring(firstDash + 1, firstDash + 3));
        int day = Integer.parseInt(body.substring(firstDash + 4, firstDash + 6));
        return LocalDate.of(bc ? 1 - year : year, month, day);
    }
}
