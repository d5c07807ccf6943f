package io.adbsync.common.filter;

/** A kind of row change, as the per-table operation filters of both connectors ({@code table.operations}) name them. */
public enum Operation {
    INSERT, UPDATE, DELETE, TRUNCATE
}
