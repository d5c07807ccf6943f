package io.adbsync.sink.naming;

/** Capitalization of destination table and column names derived from the source. */
public enum NameCase {
    KEEP, LOWER, UPPER
}
