package io.adbsync.common.definition;

import io.adbsync.common.contract.SourceTableHeader;

import java.util.Objects;

/**
 * One object of the source by kind and source name. For a function the name carries its argument types as
 * {@code pg_get_function_identity_arguments} writes them ({@code add_tax(numeric, integer)}), since overloads share a
 * name; an aggregate's the same way ({@code norm(numeric)}); an operator's carries its operand types as
 * {@code format_type} writes them, {@code NONE} for a missing one ({@code <<<(numeric, numeric)}); for a schema,
 * {@code schema} and {@code name} are both the schema's name.
 */
public record ObjectRef(ObjectKind kind, String schema, String name) {

    public ObjectRef {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(name, "name");
    }

    /** The record key on the schema topic and in the sink's bookkeeping: {@code table:"public"."orders"}. */
    public String key() {
        // The names as the source-table header writes them: quoted, inner quotes doubled.
        return kind.label() + ":" + SourceTableHeader.encode(schema, name);
    }

    /** Parses what {@link #key()} wrote; an {@link IllegalArgumentException} says what is malformed. */
    public static ObjectRef parse(String key) {
        int colon = key.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("Malformed schema-channel key '" + key + "'");
        }
        ObjectKind kind = ObjectKind.fromLabel(key.substring(0, colon));
        SourceTableHeader.Name names;
        try {
            names = SourceTableHeader.decode(key.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Malformed schema-channel key '" + key + "'", e);
        }
        return new ObjectRef(kind, names.schema(), names.table());
    }

    /** The source's qualified name for messages: {@code public.orders}. */
    public String qualifiedName() {
        return kind == ObjectKind.SCHEMA ? schema : schema + "." + name;
    }

    @Override
    public String toString() {
        return kind.label() + " " + qualifiedName();
    }
}
