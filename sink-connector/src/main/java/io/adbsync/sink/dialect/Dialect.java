package io.adbsync.sink.dialect;

import io.adbsync.common.sql.TableId;

import java.util.List;
import java.util.Optional;

/** What differs between destination products; everything else is the same SQL for all of them. */
public interface Dialect {

    /** A short name for logs and golden file folders. */
    String name();

    /** {@code CREATE TABLE} with columns, primary key and, where the product has them, storage and distribution. */
    String createTable(TableDefinition table, StorageEngine storage);

    /**
     * Whether the server takes PostgreSQL 12's DDL: identity and generated columns, {@code CREATE SEQUENCE … AS type},
     * {@code IF NOT EXISTS} on sequences and indexes, {@code INCLUDE} in indexes, and the catalog columns that go with
     * them ({@code attidentity}, {@code attgenerated}, {@code pg_sequence}).
     */
    boolean postgres12Ddl();

    /** Whether a table of {@code storage} may have a primary key (append-optimized tables may not). */
    boolean storageHasPrimaryKey(StorageEngine storage);

    /** Whether the server can create tables with {@code storage}. */
    boolean supports(StorageEngine storage);

    /** A temporary, empty table with {@code columns} of {@code target} (same types), dropped at commit. */
    String createStaging(String staging, TableId target, List<String> columns, List<String> keyColumns);

    /**
     * A query with one bind parameter (the quoted table name) that returns one row with the table's storage
     * ({@code heap}, {@code ao_row}, {@code ao_column}, {@code beam}) or no row when the table does not exist.
     */
    String storageQuery();

    /** Whether the product spreads a table's rows over segments by a distribution key ({@code DISTRIBUTED BY}). */
    default boolean distributesRows() {
        return distributionKeyQuery().isPresent();
    }

    /**
     * A query with one bind parameter (the quoted table name) returning the distribution key columns; empty where the
     * product has no distribution keys.
     */
    Optional<String> distributionKeyQuery();

    /**
     * What follows the column list of a bookkeeping table of the connector's own that has a primary key: row storage
     * whatever the database's default storage is, and where the product distributes rows, by {@code distributionKey}
     * (columns of that primary key).
     */
    String keyedTableOptions(List<String> distributionKey);
}
