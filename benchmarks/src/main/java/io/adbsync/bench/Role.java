package io.adbsync.bench;

/** Which side of a comparison a measured system stands on. */
public enum Role {
    /** adbsync's own connectors. */
    OURS,
    /** What a user would pick instead (Debezium's connectors). */
    PEER,
    /** The physical limit of the database (raw COPY, pg_recvlogical). */
    LIMIT
}
