package io.adbsync.common.contract;

/**
 * The record header naming the exact source schema and table of every record the source emits, tombstones
 * included. Topic names cannot carry them: the source keeps '.' and turns every character Kafka refuses into '_', so
 * {@code "my.schema".t} and {@code "Order Items"} reach topics whose names no longer tell them apart from others.
 * Its value is both names double-quoted with inner quotes doubled, as SQL writes them: {@code "my.schema"."t"}.
 */
public final class SourceTableHeader {

    public static final String HEADER = "adbsync.source.table";

    /** A source table as the header names it. */
    public record Name(String schema, String table) {
    }

    private SourceTableHeader() {
    }

    public static String encode(String schema, String table) {
        return quote(schema) + "." + quote(table);
    }

    /** The names in a header value; an {@link IllegalArgumentException} says what is malformed. */
    public static Name decode(String value) {
        StringBuilder schema = new StringBuilder();
        int next = unquote(value, 0, schema);
        if (next >= value.length() || value.charAt(next) != '.') {
            throw malformed(value);
        }
        StringBuilder table = new StringBuilder();
        if (unquote(value, next + 1, table) != value.length()) {
            throw malformed(value);
        }
        return new Name(schema.toString(), table.toString());
    }

    private static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** Reads one quoted name starting at {@code from} into {@code out}; returns the index after its closing quote. */
    private static int unquote(String value, int from, StringBuilder out) {
        if (from >= value.length() || value.charAt(from) != '"') {
            throw malformed(value);
        }
        int i = from + 1;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '"') {
                if (i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    out.append('"');
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            out.append(c);
            i++;
        }
        throw malformed(value);
    }

    private static IllegalArgumentException malformed(String value) {
        return new IllegalArgumentException("Header " + HEADER + " must read \"schema\".\"table\" (inner quotes doubled), "
                + "not '" + value + "'");
    }
}
