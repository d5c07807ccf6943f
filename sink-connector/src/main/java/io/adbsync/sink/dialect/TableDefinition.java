package io.adbsync.sink.dialect;

import io.adbsync.common.sql.TableId;

import java.util.List;

/** A table to create: its columns in order, its primary key (may be empty) and its distribution key on Greenplum. */
public record TableDefinition(TableId id, List<ColumnDefinition> columns, List<String> primaryKey,
                              List<String> distributionKey) {
}
