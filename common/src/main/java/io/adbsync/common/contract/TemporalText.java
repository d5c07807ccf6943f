package io.adbsync.common.contract;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The contract's date and time values and PostgreSQL's text forms of them (DateStyle ISO, TimeZone UTC), both ways:
 * the source parses what the server prints, the sink prints what the server parses. One place for the rules both
 * sides must agree on: microseconds, 24:00:00, BC years (ISO year 0 is 1 BC), years past 9999, and ±infinity as the
 * contract's sentinels.
 */
public final class TemporalText {

    public static final long MICROS_PER_DAY = 86_400_000_000L;
    private static final LocalDate EPOCH = LocalDate.of(1970, 1, 1);
    private static final String BC = " BC";

    private TemporalText() {
    }

    /** Days since 1970-01-01 of a {@code date} text form; ±infinity become the contract's sentinels. */
    public static int parseDate(String text) {
        return switch (text) {
            case "infinity" -> EventContract.DATE_POSITIVE_INFINITY;
            case "-infinity" -> EventContract.DATE_NEGATIVE_INFINITY;
            default -> Math.toIntExact(ChronoUnit.DAYS.between(EPOCH, localDate(text)));
        };
    }

    /** The {@code date} text form of days since 1970-01-01 (or a sentinel). */
    public static String formatDate(int days) {
        return switch (days) {
            case EventContract.DATE_POSITIVE_INFINITY -> "infinity";
            case EventContract.DATE_NEGATIVE_INFINITY -> "-infinity";
            default -> formatLocalDate(EPOCH.plusDays(days));
        };
    }

    /** Microseconds since midnight of a {@code time} text form; PostgreSQL allows 24:00:00. */
    public static long parseTime(String text) {
        if (text.startsWith("24:00:00")) {
            return MICROS_PER_DAY;
        }
        return LocalTime.parse(text).toNanoOfDay() / 1_000;
    }

    /** The {@code time} text form of microseconds since midnight, always with six fraction digits. */
    public static String formatTime(long micros) {
        if (micros == MICROS_PER_DAY) {
            return "24:00:00";
        }
        return String.format("%02d:%02d:%02d.%06d", micros / 3_600_000_000L, micros / 60_000_000L % 60,
                micros / 1_000_000L % 60, micros % 1_000_000L);
    }

    /** Microseconds since 1970-01-01 00:00 of a {@code timestamp} text form; ±infinity become the sentinels. */
    public static long parseTimestamp(String text) {
        return switch (text) {
            case "infinity" -> EventContract.TIMESTAMP_POSITIVE_INFINITY;
            case "-infinity" -> EventContract.TIMESTAMP_NEGATIVE_INFINITY;
            default -> {
                boolean bc = text.endsWith(BC);
                String body = bc ? text.substring(0, text.length() - BC.length()) : text;
                int space = body.indexOf(' ');
                LocalDate date = localDate(body.substring(0, space) + (bc ? BC : ""));
                long micros = LocalTime.parse(body.substring(space + 1)).toNanoOfDay() / 1_000;
                yield Math.addExact(Math.multiplyExact(ChronoUnit.DAYS.between(EPOCH, date), MICROS_PER_DAY), micros);
            }
        };
    }

    /** The {@code timestamp} text form of microseconds since 1970-01-01 00:00 (or a sentinel). */
    public static String formatTimestamp(long micros) {
        if (micros == EventContract.TIMESTAMP_POSITIVE_INFINITY) {
            return "infinity";
        }
        if (micros == EventContract.TIMESTAMP_NEGATIVE_INFINITY) {
            return "-infinity";
        }
        LocalDate date = EPOCH.plusDays(Math.floorDiv(micros, MICROS_PER_DAY));
        return withEra(date, dateDigits(date) + " " + formatTime(Math.floorMod(micros, MICROS_PER_DAY)));
    }

    /**
     * A {@code timestamptz} text form as ISO-8601 in UTC ({@code 2024-01-02T03:04:05.123456Z}), years before 1 AD as
     * negative ISO years; infinities stay as they are.
     */
    public static String parseTimestamptz(String text) {
        if (text.equals("infinity") || text.equals("-infinity")) {
            return text;
        }
        boolean bc = text.endsWith(BC);
        String body = bc ? text.substring(0, text.length() - BC.length()) : text;
        int space = body.indexOf(' ');
        String timeAndZone = body.substring(space + 1);
        int zoneAt = Math.max(timeAndZone.lastIndexOf('+'), timeAndZone.lastIndexOf('-'));
        LocalDate date = localDate(body.substring(0, space) + (bc ? BC : ""));
        LocalTime time = LocalTime.parse(timeAndZone.substring(0, zoneAt));
        String offset = timeAndZone.substring(zoneAt);
        // PostgreSQL prints +00, +05:30 or +05:30:15; java.time wants +HH:MM[:SS].
        ZoneOffset zone = ZoneOffset.of(offset.length() == 3 ? offset + ":00" : offset);
        return OffsetDateTime.of(date, time, zone).withOffsetSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** The {@code timestamptz} text form (in UTC, with era) of an ISO-8601 instant; infinities stay as they are. */
    public static String formatTimestamptz(String iso) {
        if (iso.equals("infinity") || iso.equals("-infinity")) {
            return iso;
        }
        LocalDateTime utc = OffsetDateTime.parse(iso, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                .withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        LocalDate date = utc.toLocalDate();
        return withEra(date, dateDigits(date) + " " + formatTime(utc.toLocalTime().toNanoOfDay() / 1_000) + "+00");
    }

    /** Days between 1970-01-01 and {@code date}. */
    public static long epochDays(LocalDate date) {
        return ChronoUnit.DAYS.between(EPOCH, date);
    }

    /** {@code YYYY-MM-DD} with an optional {@code " BC"}: 1 BC is ISO year 0. Years past 9999 have more digits. */
    private static LocalDate localDate(String text) {
        boolean bc = text.endsWith(BC);
        String body = bc ? text.substring(0, text.length() - BC.length()) : text;
        int firstDash = body.indexOf('-');
        int year = Integer.parseInt(body.substring(0, firstDash));
        int month = Integer.parseInt(body.substring(firstDash + 1, firstDash + 3));
        int day = Integer.parseInt(body.substring(firstDash + 4, firstDash + 6));
        return LocalDate.of(bc ? 1 - year : year, month, day);
    }

    private static String formatLocalDate(LocalDate date) {
        return withEra(date, dateDigits(date));
    }

    /** PostgreSQL has no year 0: BC dates are printed with year {@code 1 - isoYear} and " BC". */
    private static String dateDigits(LocalDate date) {
        int year = date.getYear() <= 0 ? 1 - date.getYear() : date.getYear();
        return String.format("%04d-%02d-%02d", year, date.getMonthValue(), date.getDayOfMonth());
    }

    private static String withEra(LocalDate date, String text) {
        return date.getYear() <= 0 ? text + BC : text;
    }
}
