package io.adbsync.common.definition;

import java.util.Objects;

/**
 * One object of the source by kind and source name. For a function the name carries its argument types as
 * {@code pg_get_function_identity_arguments} writes them ({@code add_tax(numeric, integer)}), since overloads share a
 * name; for a schema, {@code schema} and {@code name} are both the schema's name.
 */
public record ObjectRef(ObjectKind kind, String schema, String name) {

    public ObjectRef {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
    }

    /** The record key on the schema topic and in the sink's bookkeeping: {@code table:"public"."orders"}. */
    public String key() {
        return kind.label() + ":" + quote(schema) + "." + quote(name);
    }

    /** Parses what {@link #key()} wrote; an {@link IllegalArgumentException} says what is malformed. */
    public static ObjectRef parse(String key) {
        int colon = key.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("Malformed schema-channel key '" + key + "'");
        }
        ObjectKind kind = ObjectKind.fromLabel(key.substring(0, colon));
        StringBuilder schema = new StringBuilder();
        int next = unquote(key, colon + 1, schema);
        if (next >= key.length() || key.charAt(next) != '.') {
            throw new IllegalArgumentException("Malformed schema-channel key '" + key + "'");
        }
        StringBuilder name = new StringBuilder();
        if (unquote(key, next + 1, name) != key.length()) {
            throw new IllegalArgumentException("Malformed schema-channel key '" + key + "'");
        }
        return new ObjectRef(kind, schema.toString(), name.toString());
    }

    /** The source's qualified name for messages: {@code public.orders}. */
    public String qualifiedName() {
        return kind == ObjectKind.SCHEMA ? schema : schema + "." + name;
    }

    @Override
    public String toString() {
        return kind.label() + " " + qualifiedName();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static int unquote(String value, int from, StringBuilder out) {
        if (from >= value.length() || value.charAt(from) != '"') {
            throw new IllegalArgumentException("Malformed schema-channel key '" + value + "'");
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
        throw new IllegalArgumentException("Malformed schema-channel key '" + value + "'");
    }
}
