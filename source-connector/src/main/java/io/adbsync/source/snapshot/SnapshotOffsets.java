package io.adbsync.source.snapshot;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The format of a table's stored snapshot offset, read in one place: {@link #parse} checks every field and gives the
 * values the task resumes from, and {@code alterOffsets} runs the same parse, so an offset it accepts cannot fail at
 * task start for its form (only for not fitting the table, e.g. a key of another number of columns). Offsets can be
 * written through the REST API ({@code PATCH /connectors/NAME/offsets}), so any field may be missing or of another
 * type: each is an error naming the field, never a NullPointerException or ClassCastException.
 */
public final class SnapshotOffsets {

    /** The most key columns an index (and so a primary key) can have in PostgreSQL (INDEX_MAX_KEYS). */
    static final int MAX_KEY_COLUMNS = 32;

    private SnapshotOffsets() {
    }

    /** Where in the table the copy stands, in the terms of the offset's chunking. */
    sealed interface Position permits CtidPlan.Stored, KeyRangePlan.Stored {
    }

    /**
     * A stored offset, parsed. {@code oid} and {@code publicationMember} are null where older versions did not write
     * them, {@code generation} 0; {@code left} is the mark of a copy left out of capture ({@link LeftTables}), null if
     * none; {@code barrier} and {@code barrierSent} name a truncate part sent ({@link TablePlan#truncateCopyOffset}),
     * null and 0 if none. {@code fields} is the offset as stored, for the offsets written from it. {@code position} is
     * null in a partitioned table's mark ({@link TablePlan#OFFSET_PARTITIONED}), stored under its own name: its copy is
     * stored per partition.
     */
    record Offset(Map<String, Object> fields, Position position, Long oid, Long publicationMember, long generation,
                  String left, String barrier, int barrierSent, String filter) {

        /** Whether it is the offset of a truncate's copy but the last, so that the copies after it are still owed. */
        boolean partSentTruncate() {
            return barrier != null;
        }

        /** Whether it is a partitioned table's mark of the relation copied, not where a copy stands. */
        boolean partitionedMark() {
            return position == null;
        }
    }

    /** Checks every field the task reads; throws IllegalArgumentException naming the first that is missing or wrong. */
    public static void check(Map<String, ?> offset) {
        parse(offset);
    }

    /** The offset's values, every field checked as {@link #check} does; null for null (no offset stored). */
    static Offset parse(Map<String, ?> offset) {
        if (offset == null) {
            return null;
        }
        Object chunking = offset.get(TablePlan.OFFSET_CHUNKING);
        Long oid = optionalWhole(offset, TablePlan.OFFSET_OID);
        Long member = optionalWhole(offset, TablePlan.OFFSET_PUBLICATION_MEMBER);
        Long generation = offset.get(TablePlan.OFFSET_GENERATION) == null ? null
                : whole(offset, TablePlan.OFFSET_GENERATION, 0, Long.MAX_VALUE);
        String left = offset.get(LeftTables.OFFSET_LEFT) == null ? null : text(offset, LeftTables.OFFSET_LEFT);
        String filter = offset.get(TablePlan.OFFSET_FILTER) == null ? null : text(offset, TablePlan.OFFSET_FILTER);
        String barrier = null;
        int barrierSent = 0;
        if (offset.get(TablePlan.OFFSET_BARRIER) != null || offset.get(TablePlan.OFFSET_BARRIER_SENT) != null) {
            // Written together on a truncate's copies but the last: the barrier, and how many copies went out.
            barrier = text(offset, TablePlan.OFFSET_BARRIER);
            barrierSent = (int) whole(offset, TablePlan.OFFSET_BARRIER_SENT, 1, Integer.MAX_VALUE);
        }
        if (offset.get(TablePlan.OFFSET_PARTITIONED) != null) {
            if (!bool(offset, TablePlan.OFFSET_PARTITIONED)) {
                throw new IllegalArgumentException("field '" + TablePlan.OFFSET_PARTITIONED + "' must be true where set");
            }
            if (oid == null) {
                throw new IllegalArgumentException("field '" + TablePlan.OFFSET_OID + "' must be set with '"
                        + TablePlan.OFFSET_PARTITIONED + "'");
            }
            if (chunking != null || barrier != null) {
                throw new IllegalArgumentException("field '" + TablePlan.OFFSET_PARTITIONED + "' marks a partitioned table, "
                        + "whose copy is stored per partition: it takes no '" + (chunking != null ? TablePlan.OFFSET_CHUNKING
                        : TablePlan.OFFSET_BARRIER) + "'");
            }
            return new Offset(Collections.unmodifiableMap(new HashMap<>(offset)), null, oid, member,
                    generation == null ? 0 : generation, left, null, 0, filter);
        }
        Position position;
        if (CtidPlan.CHUNKING.equals(chunking)) {
            position = CtidPlan.Stored.of(offset);
        } else if (KeyRangePlan.CHUNKING.equals(chunking)) {
            position = KeyRangePlan.Stored.of(offset);
        } else {
            throw new IllegalArgumentException("field '" + TablePlan.OFFSET_CHUNKING + "' must be \"" + CtidPlan.CHUNKING
                    + "\" or \"" + KeyRangePlan.CHUNKING + "\", got " + describe(chunking));
        }
        return new Offset(Collections.unmodifiableMap(new HashMap<>(offset)), position, oid, member,
                generation == null ? 0 : generation, left, barrier, barrierSent, filter);
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
        return typed(offset, field, String.class, "a string");
    }

    static boolean bool(Map<String, ?> offset, String field) {
        return typed(offset, field, Boolean.class, "true or false");
    }

    private static <T> T typed(Map<String, ?> offset, String field, Class<T> type, String what) {
        Object value = offset.get(field);
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("field '" + field + "' must be " + what + ", got " + describe(value));
        }
        return type.cast(value);
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
