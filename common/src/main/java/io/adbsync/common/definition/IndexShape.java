package io.adbsync.common.definition;

import java.util.List;

/**
 * An index of a table, apart from the ones behind its primary key and constraints.
 *
 * @param table     the source table it indexes
 * @param method    {@code btree}, {@code hash}, {@code gin}, …
 * @param keys      each key column or expression as {@code pg_get_indexdef(oid, n, true)} writes it, with its
 *                  opclass and ordering
 * @param include   {@code INCLUDE} columns
 * @param predicate the {@code WHERE} of a partial index ({@code pg_get_expr(indpred, indrelid, true)}), or null
 */
public record IndexShape(ObjectRef table, boolean unique, String method, List<String> keys, List<String> include,
                         String predicate) {

    public IndexShape {
        keys = List.copyOf(keys);
        include = List.copyOf(include);
    }
}
