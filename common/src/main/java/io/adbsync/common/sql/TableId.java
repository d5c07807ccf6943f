package io.adbsync.common.sql;

import java.util.Objects;

/** A table named by schema and name exactly as they are quoted in SQL (case kept), at the source or the destination. */
public record TableId(String schema, String table) {

    public TableId {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
    }

    /**
     * Reads {@code schema.table} as the config parsers always have: the first dot separates schema from table, so the
     * table part may itself hold dots. A value without a dot is not a table name here; settings that admit one are
     * validated as schema.table before they reach this.
     */
    public static TableId parse(String qualified) {
        int dot = qualified.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("'" + qualified + "' is not a schema.table name");
        }
        return new TableId(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    /** {@link #parse(String)}, but a name without a dot is a table in {@code defaultSchema}. */
    public static TableId parse(String name, String defaultSchema) {
        return name.indexOf('.') < 0 ? new TableId(defaultSchema, name) : parse(name);
    }

    /** The table as SQL text, each part quoted on its own. */
    public String quoted() {
        return SqlIdentifiers.qualified(schema, table);
    }

    /** The form {@code to_regclass} takes as its (bound) argument. */
    public String regclassText() {
        return quoted();
    }

    /** {@code schema.table} unquoted, as logs, messages, offsets and {@link #parse(String)} read it. */
    @Override
    public String toString() {
        return schema + "." + table;
    }
}
