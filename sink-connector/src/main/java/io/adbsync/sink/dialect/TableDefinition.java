package io.adbsync.sink.dialect;

import io.adbsync.common.sql.TableId;

import java.util.List;

/**
 * A table to create: its columns in order, its primary key (may be empty), its distribution on Greenplum (by
 * {@code distributionKey}, else by the primary key, else randomly, unless {@code placement} says otherwise) and
 * table constraints rendered in full ({@code CONSTRAINT "x" CHECK (…)}), empty for tables made from record schemas.
 */
public record TableDefinition(TableId id, List<ColumnDefinition> columns, List<String> primaryKey,
                              List<String> distributionKey, List<String> constraints, Placement placement) {

    /** How a Greenplum-family destination spreads the rows: by key (the default), randomly, or a copy on every segment. */
    public enum Placement {
        KEY, RANDOM, REPLICATED
    }

    public TableDefinition {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        distributionKey = List.copyOf(distributionKey);
        constraints = List.copyOf(constraints);
    }

    public TableDefinition(TableId id, List<ColumnDefinition> columns, List<String> primaryKey, List<String> distributionKey) {
        this(id, columns, primaryKey, distributionKey, List.of(), Placement.KEY);
    }
}
