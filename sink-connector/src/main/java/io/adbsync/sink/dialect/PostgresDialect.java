package io.adbsync.sink.dialect;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** PostgreSQL: heap tables only, no distribution. */
public class PostgresDialect implements Dialect {

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public String createTable(TableDefinition table, StorageEngine storage) {
        StringBuilder sql = new StringBuilder("CREATE TABLE ").append(table.id().quoted()).append(" (");
        String sep = "\n  ";
        for (ColumnDefinition c : table.columns()) {
            sql.append(sep).append(SqlIdentifiers.quote(c.name())).append(' ').append(c.type());
            if (!c.clauses().isEmpty()) {
                sql.append(' ').append(c.clauses());
            }
            if (c.notNull()) {
                sql.append(" NOT NULL");
            }
            sep = ",\n  ";
        }
        if (!table.primaryKey().isEmpty() && storageHasPrimaryKey(storage)) {
            sql.append(sep).append("PRIMARY KEY (").append(columnList(table.primaryKey())).append(')');
        }
        for (String constraint : table.constraints()) {
            sql.append(sep).append(constraint);
        }
        sql.append("\n)");
        sql.append(tableOptions(table, storage));
        return sql.toString();
    }

    /** What follows the column list: storage and distribution clauses where the product has them. */
    protected String tableOptions(TableDefinition table, StorageEngine storage) {
        return "";
    }

    @Override
    public boolean postgres12Ddl() {
        return true;
    }

    @Override
    public boolean storageHasPrimaryKey(StorageEngine storage) {
        return true;
    }

    @Override
    public boolean supports(StorageEngine storage) {
        return storage == StorageEngine.HEAP;
    }

    @Override
    public String createStaging(String staging, TableId target, List<String> columns, List<String> keyColumns) {
        return "CREATE TEMPORARY TABLE " + SqlIdentifiers.quote(staging) + " ON COMMIT DROP AS SELECT "
                + columnList(columns) + " FROM " + target.quoted() + " WITH NO DATA" + stagingOptions(keyColumns);
    }

    protected String stagingOptions(List<String> keyColumns) {
        return "";
    }

    @Override
    public String storageQuery() {
        return "SELECT coalesce(am.amname, 'heap') FROM pg_catalog.pg_class c "
                + "LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam WHERE c.oid = to_regclass(?)";
    }

    @Override
    public Optional<String> distributionKeyQuery() {
        return Optional.empty();
    }

    @Override
    public String keyedTableOptions(List<String> distributionKey) {
        return "";
    }

    protected static String columnList(List<String> columns) {
        return columns.stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
    }
}
