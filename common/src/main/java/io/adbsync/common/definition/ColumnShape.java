package io.adbsync.common.definition;

/**
 * A table column as the source defines it.
 *
 * @param type              {@code format_type(atttypid, atttypmod)}: {@code numeric(12,2)}, {@code public.mood}
 * @param defaultExpression {@code pg_get_expr(adbin, adrelid)} or null; never set together with {@code generated}
 * @param identity          {@code ALWAYS}, {@code BY DEFAULT} or null
 * @param generated         the expression of a {@code GENERATED ALWAYS AS (…) STORED} column, or null
 * @param missingValue      for a column added with a default (PostgreSQL 11+ "fast default",
 *                          {@code pg_attribute.attmissingval}), the value, in its type's text form, that the rows older
 *                          than the column hold without any change decoded for them, whatever the default is now; or null
 */
public record ColumnShape(String name, String type, boolean notNull, String defaultExpression, String identity,
                          String generated, String missingValue) {

    /** A column whose every row holds a value of its own (no fast default). */
    public ColumnShape(String name, String type, boolean notNull, String defaultExpression, String identity, String generated) {
        this(name, type, notNull, defaultExpression, identity, generated, null);
    }
}
