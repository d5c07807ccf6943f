package io.adbsync.common.definition;

import java.util.List;

/**
 * A table's structure in a form the sink can render for its own destination (names mapped, its storage and
 * distribution), where the source's DDL text could not be.
 *
 * @param distribution the source's distribution policy where the source is Greenplum-family, else null
 * @param storage      the source's storage ({@code heap}, {@code ao_row}, {@code ao_column}) where it is
 *                     Greenplum-family, else null
 */
public record TableShape(List<ColumnShape> columns, List<String> primaryKey, List<ConstraintShape> constraints,
                         Distribution distribution, String storage) {

    public TableShape {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        constraints = List.copyOf(constraints);
    }
}
