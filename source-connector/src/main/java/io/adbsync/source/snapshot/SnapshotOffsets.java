package io.adbsync.source.snapshot;

import java.util.Map;

/**
 * Reads the stored offset of a table's snapshot field by field. Offsets can be written through the REST API
 * ({@code PATCH /connectors/NAME/offsets}), so any field may be missing or of another type: each is an error naming the
 * field, never a NullPointerException or ClassCastException at task start.
 */
public final class SnapshotOffsets {

    /** The most key columns an index (and so a primary key) can have in PostgreSQL (INDEX_MAX_KEYS). */
    static final int MAX_KEY_COLUMNS = 32;

    private SnapshotOffsets() {
    }

    /** Checks every field the plans read; throws IllegalArgumentException naming the first that is missing or wrong. */
    public static void check(Map<String, ?> offset) {
        Object chunking = offset.get(TablePlan.OFFSET_CHUNKING);
        optionalWhole(offset, TablePlan.OFFSET_OID);
        optionalWhole(offset, TablePlan.OFFSET_PUBLICATION_MEMBER);
        if (offset.get(LeftTables.OFFSET_LEFT) != null) {
            text(offset, LeftTables.OFFSET_LEFT);
        }
        if (CtidPlan.CHUNKING.equals(chunking)) {
            CtidPlan.Stored.of(offset);
        } else if (KeyRangePlan.CHUNKING.equals(chunking)) {
            KeyRangePlan.Stored.of(offset);
        } else {
            throw new IllegalArgumentException("field '" + TablePlan.OFFSET_CHUNKING + "' must be \"" + CtidPlan.CHUNKING
                    + "\" or \"" + KeyRangePlan.CHUNKING + "\", got " + describe(chunking));
        }
    }

    /** A whole number within {@code [min, max]}. */
    static long whole(Map<String, ?> offset, String field, long min, long max) {
        Object value = offset.get(field);
        if (!isWhole(value)) {
            throw new IllegalArgumentException("field '" + field + "' must be a whole number, got " + describe(value));
        }
        long n = ((Number) value).longValue();
        if (n < min || n > max) {
            throw new IllegalArgumentException("field '" + field + "' must be from " + min + " to " + max + ", got " + n);
        }
        return n;
    }

    /** A whole number if present (fields that older versions did not write), else null. */
    static Long optionalWhole(Map<String, ?> offset, String field) {
        return offset.get(field) == null ? null : whole(offset, field, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    static String text(Map<String, ?> offset, String field) {
        Object value = offset.get(field);
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("field '" + field + "' must be a string, got " + describe(value));
        }
        return s;
    }

    static boolean bool(Map<String, ?> offset, String field) {
        Object value = offset.get(field);
        if (!(value instanceof Boolean b)) {
            throw new IllegalArgumentException("field '" + field + "' must be true or false, got " + describe(value));
        }
        return b;
    }

    /** Connect reads stored integers back as Long; the REST API's JSON parser gives Integer for small ones. */
    private static boolean isWhole(Object value) {
        return value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte;
    }

    private static String describe(Object value) {
        if (value == null) {
            return "nothing (the field is missing)";
        }
        String shown = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
        return shown + " (" + value.getClass().getSimpleName() + ")";
    }
}
