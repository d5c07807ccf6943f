package io.adbsync.sink.dialect;

/** A column of a table the sink creates or extends: name, SQL type (already validated) and nullability. */
public record ColumnDefinition(String name, String type, boolean notNull) {
}
