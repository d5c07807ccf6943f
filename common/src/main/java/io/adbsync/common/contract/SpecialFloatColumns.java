package io.adbsync.common.contract;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The record header naming the float columns of a change that hold NaN, ±Infinity or -0.0. Kafka's JsonConverter
 * writes these values correctly but reads every one of them as 0.0, without an error; the header lets the sink see
 * that a converter on the way changed them, whichever converters the two connectors (or the worker) use.
 * Its value reads {@code before=c1,c2;after=c3}: field names, which are Avro names and so hold none of {@code ,;=}.
 */
public final class SpecialFloatColumns {

    public static final String HEADER = "adbsync.special.floats";

    private SpecialFloatColumns() {
    }

    /** Whether a row of this schema can hold such a float at all: a float column or an array of floats. */
    public static boolean hasFloatColumns(Schema rowSchema) {
        return rowSchema != null && rowSchema.type() == Schema.Type.STRUCT
                && rowSchema.fields().stream().anyMatch(f -> isFloat(f.schema()));
    }

    private static boolean isFloat(Schema schema) {
        return switch (schema.type()) {
            case FLOAT32, FLOAT64 -> true;
            case ARRAY -> isFloat(schema.valueSchema());
            default -> false;
        };
    }

    /** The header's value for a change, or null when no column holds such a float. */
    public static String describe(Struct before, Struct after) {
        String b = columns(before);
        String a = columns(after);
        if (b == null && a == null) {
            return null;
        }
        List<String> parts = new ArrayList<>(2);
        if (b != null) {
            parts.add(EventContract.BEFORE + "=" + b);
        }
        if (a != null) {
            parts.add(EventContract.AFTER + "=" + a);
        }
        return String.join(";", parts);
    }

    /**
     * Fails naming the column when {@code header} names a column whose value, as read here, no longer holds such a
     * float: in {@code after} and in {@code key}, the values a sink writes and matches by. The {@code before} row is
     * not written, so only its key columns count (in {@code key}). Columns absent from {@code after} or {@code key}
     * (dropped or renamed by a transform) are skipped. {@code where} names the record.
     */
    public static void verify(String header, Struct key, Struct after, String table, String where) {
        for (String part : header.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String side = part.substring(0, eq);
            boolean isAfter = EventContract.AFTER.equals(side);
            if (!isAfter && !EventContract.BEFORE.equals(side)) {
                continue;
            }
            for (String name : part.substring(eq + 1).split(",")) {
                // A column a sink transform dropped or renamed is not written under that name: nothing to check.
                if (isAfter && after != null && after.schema().field(name) != null) {
                    check(after, name, table, where);
                }
                if (key != null && key.schema().field(name) != null) {
                    check(key, name, table, where);
                }
            }
        }
    }

    private static void check(Struct row, String name, String table, String where) {
        Field field = row.schema().field(name);
        Object value = row.get(field);
        if (!holdsSpecial(value)) {
            throw new DataException("Column " + columnName(field, name) + " of " + table + " held NaN, Infinity or "
                    + "-0 at the source but reads as " + value + " here (" + where + "): a converter on the way "
                    + "cannot carry such floats (Kafka's JsonConverter reads them as 0.0). Use "
                    + "io.adbsync.common.json.SchemaCachingJsonConverter or Avro as key.converter and "
                    + "value.converter of both connectors");
        }
    }

    private static String columns(Struct row) {
        if (row == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (Field f : row.schema().fields()) {
            if (holdsSpecial(row.get(f))) {
                names.add(f.name());
            }
        }
        return names.isEmpty() ? null : String.join(",", names);
    }

    /** Whether the value is, or (an array) contains, NaN, ±Infinity or -0.0. */
    static boolean holdsSpecial(Object value) {
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() || Double.doubleToRawLongBits(d) == Double.doubleToRawLongBits(-0.0);
        }
        if (value instanceof Float f) {
            return f.isNaN() || f.isInfinite() || Float.floatToRawIntBits(f) == Float.floatToRawIntBits(-0.0f);
        }
        if (value instanceof Collection<?> c) {
            for (Object element : c) {
                if (holdsSpecial(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String columnName(Field field, String fieldName) {
        String original = field.schema().parameters() == null ? null
                : field.schema().parameters().get(EventContract.COLUMN_NAME_PARAMETER);
        return original != null ? original : fieldName;
    }
}
