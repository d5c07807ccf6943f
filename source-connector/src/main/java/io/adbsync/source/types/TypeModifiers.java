package io.adbsync.source.types;

import java.util.Map;

/** Renders a built-in type name with its type modifier exactly as PostgreSQL's {@code format_type} does. */
final class TypeModifiers {

    private static final int VARHDRSZ = 4;
    private static final int INTERVAL_FULL_RANGE = 0x7FFF;
    private static final int INTERVAL_FULL_PRECISION = 0xFFFF;
    private static final int YEAR = 1 << 2;
    private static final int MONTH = 1 << 1;
    private static final int DAY = 1 << 3;
    private static final int HOUR = 1 << 10;
    private static final int MINUTE = 1 << 11;
    private static final int SECOND = 1 << 12;
    private static final Map<Integer, String> INTERVAL_FIELDS = Map.ofEntries(
            Map.entry(YEAR, " year"),
            Map.entry(MONTH, " month"),
            Map.entry(DAY, " day"),
            Map.entry(HOUR, " hour"),
            Map.entry(MINUTE, " minute"),
            Map.entry(SECOND, " second"),
            Map.entry(YEAR | MONTH, " year to month"),
            Map.entry(DAY | HOUR, " day to hour"),
            Map.entry(DAY | HOUR | MINUTE, " day to minute"),
            Map.entry(DAY | HOUR | MINUTE | SECOND, " day to second"),
            Map.entry(HOUR | MINUTE, " hour to minute"),
            Map.entry(HOUR | MINUTE | SECOND, " hour to second"),
            Map.entry(MINUTE | SECOND, " minute to second"));

    private TypeModifiers() {
    }

    static String format(int oid, String name, int typmod) {
        if (typmod < 0) {
            return oid == 1042 ? "bpchar" : name;
        }
        return switch (oid) {
            case 1042, 1043 -> name + "(" + (typmod - VARHDRSZ) + ")";
            case 1560, 1562 -> name + "(" + typmod + ")";
            case 1700 -> numeric(typmod);
            case 1083 -> "time(" + typmod + ") without time zone";
            case 1266 -> "time(" + typmod + ") with time zone";
            case 1114 -> "timestamp(" + typmod + ") without time zone";
            case 1184 -> "timestamp(" + typmod + ") with time zone";
            case 1186 -> interval(typmod);
            default -> name;
        };
    }

    private static String numeric(int typmod) {
        int packed = typmod - VARHDRSZ;
        int precision = (packed >> 16) & 0xFFFF;
        // Scale is an 11-bit signed field since PostgreSQL 15 (negative scales round to tens, hundreds, ...).
        int scale = ((packed & 0x7FF) ^ 1024) - 1024;
        return "numeric(" + precision + "," + scale + ")";
    }

    private static String interval(int typmod) {
        int range = (typmod >> 16) & 0x7FFF;
        int precision = typmod & 0xFFFF;
        StringBuilder sb = new StringBuilder("interval");
        if (range != INTERVAL_FULL_RANGE) {
            sb.append(INTERVAL_FIELDS.getOrDefault(range, ""));
        }
        if (precision != INTERVAL_FULL_PRECISION) {
            sb.append('(').append(precision).append(')');
        }
        return sb.toString();
    }
}
