package io.adbsync.sink.dialect;

import java.util.List;
import java.util.Optional;

/**
 * Greenplum and the products built on it (AnalyticDB for PostgreSQL, Cloudberry): distribution keys, and
 * append-optimized storage, which has no primary key. Kernels on PostgreSQL 12+ (Greenplum 7, ADB 7, Cloudberry)
 * name storage with {@code USING}; older ones (Greenplum 6, ADB 6) with {@code WITH (appendonly=...)}.
 */
public final class GreenplumDialect extends PostgresDialect {

    private final boolean accessMethods;
    private final boolean beam;

    /**
     * @param accessMethods the kernel names storage with table access methods ({@code USING ao_row})
     * @param beam          the kernel has the Beam access method (AnalyticDB 7.0.6.2+)
     */
    public GreenplumDialect(boolean accessMethods, boolean beam) {
        this.accessMethods = accessMethods;
        this.beam = beam;
    }

    @Override
    public String name() {
        return accessMethods ? "greenplum7" : "greenplum6";
    }

    @Override
    protected String tableOptions(TableDefinition table, StorageEngine storage) {
        StringBuilder sql = new StringBuilder();
        if (accessMethods) {
            switch (storage) {
                case AO_ROW -> sql.append(" USING ao_row");
                case AO_COLUMN -> sql.append(" USING ao_column");
                case BEAM -> sql.append(" USING beam");
                case HEAP -> { }
            }
        } else {
            switch (storage) {
                case AO_ROW -> sql.append(" WITH (appendonly=true, orientation=row)");
                case AO_COLUMN -> sql.append(" WITH (appendonly=true, orientation=column)");
                case HEAP, BEAM -> { }
            }
        }
        List<String> distribution = table.distributionKey().isEmpty() ? table.primaryKey() : table.distributionKey();
        switch (table.placement()) {
            case REPLICATED -> sql.append(" DISTRIBUTED REPLICATED");
            case RANDOM -> sql.append(" DISTRIBUTED RANDOMLY");
            case KEY -> sql.append(distribution.isEmpty() ? " DISTRIBUTED RANDOMLY" : " DISTRIBUTED BY (" + columnList(distribution) + ")");
        }
        return sql.toString();
    }

    @Override
    public boolean postgres12Ddl() {
        // Greenplum 6 is PostgreSQL 9.4: no identity or generated columns, no CREATE SEQUENCE … AS, no INCLUDE.
        return accessMethods;
    }

    @Override
    public boolean storageHasPrimaryKey(StorageEngine storage) {
        return !storage.appendOptimized();
    }

    @Override
    public boolean supports(StorageEngine storage) {
        return storage != StorageEngine.BEAM || beam;
    }

    @Override
    protected String stagingOptions(List<String> keyColumns) {
        // Distributed like the target, the merge joins on each segment without moving rows.
        return keyColumns.isEmpty() ? " DISTRIBUTED RANDOMLY" : " DISTRIBUTED BY (" + columnList(keyColumns) + ")";
    }

    @Override
    public String keyedTableOptions(List<String> distributionKey) {
        // Explicit heap: with gp_default_storage_options making tables append-optimized, a primary key is refused.
        return (accessMethods ? " USING heap" : " WITH (appendonly=false)") + " DISTRIBUTED BY (" + columnList(distributionKey) + ")";
    }

    @Override
    public String storageQuery() {
        if (accessMethods) {
            return super.storageQuery();
        }
        return "SELECT CASE c.relstorage WHEN 'a' THEN 'ao_row' WHEN 'c' THEN 'ao_column' ELSE 'heap' END "
                + "FROM pg_catalog.pg_class c WHERE c.oid = to_regclass(?)";
    }

    @Override
    public Optional<String> distributionKeyQuery() {
        // In the key's own order: a join on ANY (distkey) returns the columns in whatever order the join yields.
        return Optional.of("SELECT a.attname FROM pg_catalog.gp_distribution_policy p "
                + "CROSS JOIN LATERAL unnest(p.distkey::int2[]) WITH ORDINALITY AS k (attnum, n) "
                + "JOIN pg_catalog.pg_attribute a ON a.attrelid = p.localoid AND a.attnum = k.attnum "
                + "WHERE p.localoid = to_regclass(?) ORDER BY k.n");
    }
}
