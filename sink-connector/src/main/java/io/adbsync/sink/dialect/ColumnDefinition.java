package io.adbsync.sink.dialect;

/**
 * A column of a table the sink creates or extends: name, SQL type (already validated), nullability, and what follows
 * the type apart from NOT NULL ({@code DEFAULT …}, {@code GENERATED …}), empty for columns made from record schemas.
 */
public record ColumnDefinition(String name, String type, boolean notNull, String clauses) {

    public ColumnDefinition {
        clauses = clauses == null ? "" : clauses;
    }

    public ColumnDefinition(String name, String type, boolean notNull) {
        this(name, type, notNull, "");
    }
}
