package io.adbsync.common.definition;

/**
 * A table column as the source defines it.
 *
 * @param type              {@code format_type(atttypid, atttypmod)}: {@code numeric(12,2)}, {@code public.mood}
 * @param defaultExpression {@code pg_get_expr(adbin, adrelid)} or null; never set together with {@code generated}
 * @param identity          {@code ALWAYS}, {@code BY DEFAULT} or null
 * @param generated         the expression of a {@code GENERATED ALWAYS AS (…) STORED} column, or null
 */
public record ColumnShape(String name, String type, boolean notNull, String defaultExpression, String identity,
                          String generated) {
}
