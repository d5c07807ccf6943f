package io.adbsync.sink.record;

/** The operations a table can be configured to apply ({@code table.operations}). */
public enum Operation {
    INSERT, UPDATE, DELETE, TRUNCATE
}
