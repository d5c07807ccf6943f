package io.adbsync.source.stream;

/** A kind of row change, as the per-table operation filter names them. */
public enum Operation {
    INSERT, UPDATE, DELETE, TRUNCATE
}
