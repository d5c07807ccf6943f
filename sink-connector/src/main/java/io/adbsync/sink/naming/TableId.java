package io.adbsync.sink.naming;

import io.adbsync.common.sql.SqlIdentifiers;

/** A destination table: schema and name exactly as they are quoted in SQL. */
public record TableId(String schema, String table) {

    public String quoted() {
        return SqlIdentifiers.qualified(schema, table);
    }

    /** The form {@code to_regclass} takes as its (bound) argument. */
    public String regclassText() {
        return quoted();
    }

    @Override
    public String toString() {
        return schema + "." + table;
    }
}
