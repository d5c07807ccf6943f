package io.adbsync.sink.dialect;

import io.adbsync.sink.barrier.BarrierStore;
import io.adbsync.sink.ddl.SchemaSync;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.writer.MergeSql;
import io.adbsync.sink.writer.OffsetStore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every statement a dialect generates for one sample table, by golden file name. */
final class GoldenSql {

    static final TableId TABLE = new TableId("sales", "Order Lines");
    static final TableDefinition DEFINITION = new TableDefinition(TABLE, List.of(
            new ColumnDefinition("order_id", "bigint", true),
            new ColumnDefinition("line", "integer", true),
            new ColumnDefinition("amount", "numeric(12,2)", false),
            new ColumnDefinition("note", "character varying(200)", false),
            new ColumnDefinition("tags", "text[]", false)),
            List.of("order_id", "line"), List.of());
    static final List<String> KEYS = List.of("order_id", "line");
    static final List<String> COLUMNS = List.of("order_id", "line", "amount", "note", "tags");

    private GoldenSql() {
    }

    /** DDL that only this dialect has. */
    static Map<String, String> ddl(Dialect d) {
        Map<String, String> sql = new LinkedHashMap<>();
        for (StorageEngine storage : StorageEngine.values()) {
            if (d.supports(storage)) {
                sql.put("create_table_" + storage.accessMethod(), d.createTable(DEFINITION, storage));
            }
        }
        sql.put("create_table_distributed_by_order", d.createTable(new TableDefinition(TABLE, DEFINITION.columns(),
                KEYS, List.of("order_id")), StorageEngine.HEAP));
        sql.put("create_table_without_key", d.createTable(new TableDefinition(TABLE, DEFINITION.columns(), List.of(),
                List.of()), StorageEngine.HEAP));
        sql.put("create_staging", d.createStaging("adbsync_stage_1", TABLE, COLUMNS, KEYS));
        sql.put("create_offsets_table", OffsetStore.createTable(new TableId("adbsync", "offsets"), d));
        sql.put("create_truncate_barriers_table", BarrierStore.createTable(new TableId("adbsync", "truncate_barriers"), d));
        return sql;
    }

    /** DML and DDL that are the same for every product (also run against a real PostgreSQL). */
    static Map<String, String> shared() {
        Map<String, String> sql = new LinkedHashMap<>();
        sql.put("add_column", SchemaSync.addColumn(TABLE, new ColumnDefinition("shipped", "timestamp with time zone", false)));
        sql.put("add_column_filled", SchemaSync.addColumnFilled(TABLE,
                new ColumnDefinition("remark", "character varying(20)", false), "it's 'a', \"b\" \\x"));
        sql.put("drop_default", SchemaSync.dropDefault(TABLE, "remark"));
        sql.put("copy_in", MergeSql.copyIn("adbsync_stage_1", COLUMNS));
        sql.put("truncate", MergeSql.truncate(TABLE));
        sql.put("delete_using", MergeSql.deleteUsing(TABLE, "adbsync_stage_1", KEYS));
        sql.put("upsert_on_conflict", MergeSql.upsert(TABLE, "adbsync_stage_1", COLUMNS, KEYS));
        sql.put("upsert_key_only", MergeSql.upsert(TABLE, "adbsync_stage_1", KEYS, KEYS));
        sql.put("insert", MergeSql.insert(TABLE, "adbsync_stage_1", COLUMNS));
        sql.put("insert_if_absent_on_conflict", MergeSql.insertIfAbsentOnConflict(TABLE, "adbsync_stage_1", COLUMNS, KEYS));
        sql.put("insert_if_absent", MergeSql.insertIfAbsent(TABLE, "adbsync_stage_1", COLUMNS, KEYS));
        sql.put("update_from", MergeSql.updateFrom(TABLE, "adbsync_stage_1", COLUMNS.subList(2, COLUMNS.size()), KEYS));
        sql.put("keep_from_table", MergeSql.keepFromTable(TABLE, "adbsync_stage_1", COLUMNS.subList(2, COLUMNS.size()), KEYS));
        sql.put("first_absent_key", MergeSql.firstAbsentKey(TABLE, "adbsync_stage_1", KEYS));
        sql.put("offsets_insert_first", OffsetStore.insertFirst(new TableId("adbsync", "offsets"), 2));
        sql.put("offsets_advance", OffsetStore.advance(new TableId("adbsync", "offsets"), 2));
        return sql;
    }

    static List<Dialect> dialects() {
        return List.of(new PostgresDialect(), new GreenplumDialect(false, false), new GreenplumDialect(true, true));
    }
}
