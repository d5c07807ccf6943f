package io.adbsync.source.types;

/** How a column's text form becomes a Connect value; each kind fixes the Connect schema type and semantic name. */
public enum ValueKind {
    BOOLEAN, INT16, INT32, INT64, FLOAT32, FLOAT64, BYTES,
    DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, UUID, JSON, XML,
    /** money as a plain decimal ("-1234.56"), free of currency symbol and grouping, which depend on lc_monetary. */
    MONEY,
    /** The server's text form, unchanged: exact for every type without a Connect type of its own. */
    TEXT
}
