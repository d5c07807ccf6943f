package io.adbsync.common.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What a PostgreSQL server can do, answered by name from its {@code server_version_num}, so that the version each
 * feature arrived in is written once and no caller compares version numbers.
 *
 * @param versionNum the server's {@code server_version_num}, e.g. 150004
 */
public record ServerCapabilities(int versionNum) {

    /** The oldest server the connectors support: logical replication with pgoutput as AnalyticDB 7 (12-based) has it. */
    public static final int MINIMUM_VERSION_NUM = 120_000;

    private static final int PG13 = 130_000;
    private static final int PG14 = 140_000;
    private static final int PG15 = 150_000;

    /** The capabilities of the server {@code c} is connected to. */
    public static ServerCapabilities of(Connection c) throws SQLException {
        return new ServerCapabilities(PgCatalog.serverVersionNum(c));
    }

    /** Whether the connectors support this server at all (see {@link #MINIMUM_VERSION_NUM}). */
    public boolean supported() {
        return versionNum >= MINIMUM_VERSION_NUM;
    }

    /** {@code pg_partition_root()} (PostgreSQL 12): a partition's root can be looked up. */
    public boolean partitionRootFunction() {
        return versionNum >= MINIMUM_VERSION_NUM;
    }

    /** {@code publish_via_partition_root} (PostgreSQL 13): a publication can send a partition's changes as its root's. */
    public boolean publishViaPartitionRoot() {
        return versionNum >= PG13;
    }

    /** {@code DROP DATABASE … WITH (FORCE)} (PostgreSQL 13): the server ends the database's sessions itself. */
    public boolean dropDatabaseForce() {
        return versionNum >= PG13;
    }

    /** TID range scans (PostgreSQL 14): {@code WHERE ctid >= … AND ctid < …} reads only those pages. */
    public boolean tidRangeScans() {
        return versionNum >= PG14;
    }

    /** Multirange types (PostgreSQL 14): every range type has one, {@code pg_range.rngmultitypid} names it. */
    public boolean multiranges() {
        return versionNum >= PG14;
    }

    /** Publication row filters, {@code FOR TABLE t WHERE (…)} and {@code pg_publication_tables.rowfilter} (PostgreSQL 15). */
    public boolean publicationRowFilters() {
        return versionNum >= PG15;
    }
}
