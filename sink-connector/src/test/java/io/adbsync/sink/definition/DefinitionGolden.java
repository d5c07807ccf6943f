package io.adbsync.sink.definition;

import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.TableShape;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.definition.Applied.Skip;
import io.adbsync.sink.dialect.ColumnDefinition;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.GreenplumDialect;
import io.adbsync.sink.dialect.PostgresDialect;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.sink.naming.NameCase;
import io.adbsync.sink.naming.TableNamer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL each dialect renders for the sample definitions, by golden file name (golden/&lt;dialect&gt;/definition_*.sql
 * and golden/shared/definition_*.sql). A file holds the statement, then what was left out as {@code -- skipped:}
 * comments; a file of comments only means nothing is created.
 */
final class DefinitionGolden {

    static final DestinationSettings DEFAULTS = new DestinationSettings(Optional.empty(), List.of(), SinkConfig.ConflictMode.IGNORE);
    static final TableId ORDERS = new TableId("sales", "orders");

    private DefinitionGolden() {
    }

    static DefinitionNames names(NameCase nameCase) {
        return new DefinitionNames(new TableNamer("${schema}.${table}", List.of(), nameCase), "src");
    }

    /** What differs by dialect: tables, indexes, sequences. */
    static Map<String, String> ddl(Dialect d) {
        Map<String, String> out = new LinkedHashMap<>();
        DefinitionSql sql = new DefinitionSql(d, names(NameCase.KEEP), DEFAULTS);
        for (Definition t : List.of(SampleSchema.CUSTOMERS_TABLE, SampleSchema.ORDERS_TABLE, SampleSchema.BOOKINGS_TABLE,
                SampleSchema.ORDERS_FROM_GREENPLUM, SampleSchema.COUNTRIES_FROM_GREENPLUM)) {
            DefinitionSql.TableSql table = sql.createTable(t.ref(), t.table());
            out.put("definition_create_table_" + t.ref().name(), file(table.sql(), table.skipped()));
        }
        DefinitionSql explicit = new DefinitionSql(d, names(NameCase.KEEP),
                new DestinationSettings(Optional.of(StorageEngine.AO_ROW), List.of("id"), SinkConfig.ConflictMode.IGNORE));
        if (d.supports(StorageEngine.AO_ROW)) {
            DefinitionSql.TableSql aoRow = explicit.createTable(SampleSchema.ORDERS, SampleSchema.ORDERS_TABLE.table());
            out.put("definition_create_table_orders_settings_ao_row", file(aoRow.sql(), aoRow.skipped()));
        }
        DefinitionSql lower = new DefinitionSql(d, names(NameCase.LOWER), DEFAULTS);
        DefinitionSql.TableSql renamed = lower.createTable(SampleSchema.ref(ObjectKind.TABLE, "Items"), MIXED_CASE);
        out.put("definition_create_table_lower_case", file(renamed.sql(), renamed.skipped()));

        Layout orders = sql.layout(ORDERS, SampleSchema.ORDERS_TABLE.table(), new ArrayList<>());
        Layout customers = sql.layout(new TableId("sales", "customers"), SampleSchema.CUSTOMERS_TABLE.table(), new ArrayList<>());
        List<String> orderColumns = SampleSchema.ORDERS_TABLE.table().columns().stream().map(ColumnShape::name).toList();
        index(out, sql, SampleSchema.ORDERS_OPEN_IDX, ORDERS, orders, orderColumns);
        index(out, sql, SampleSchema.CUSTOMERS_LOWER_EMAIL_IDX, new TableId("sales", "customers"), customers,
                SampleSchema.CUSTOMERS_TABLE.table().columns().stream().map(ColumnShape::name).toList());
        index(out, sql, SampleSchema.ORDERS_CUSTOMER_CODE_IDX, ORDERS, orders, orderColumns);

        TableId codeSeq = new TableId("sales", "code_seq");
        out.put("definition_create_sequence", file(sql.createSequence(codeSeq, SampleSchema.CODE_SEQUENCE.sequence()), List.of()));
        out.put("definition_alter_sequence", file(sql.alterSequence(codeSeq, SampleSchema.CODE_SEQUENCE.sequence()), List.of()));
        return out;
    }

    /** A table with names {@code name.case=lower} changes: what names them is left out. */
    static final TableShape MIXED_CASE = new TableShape(List.of(
            new ColumnShape("Id", "integer", true, null, null, null),
            new ColumnShape("Price", "numeric(12,2)", false, "0", null, null),
            new ColumnShape("Net", "numeric(12,2)", false, null, null, "(\"Price\" * 0.8)"),
            new ColumnShape("Gross", "numeric(12,2)", false, "(\"Price\" * 1.2)", null, null),
            new ColumnShape("code", "text", false, null, null, null)),
            List.of("Id"),
            List.of(new ConstraintShape("Items_Price_check", "CHECK", "CHECK ((\"Price\" > (0)::numeric))"),
                    new ConstraintShape("items_code_check", "CHECK", "CHECK ((code <> ''::text))"),
                    new ConstraintShape("Items_code_key", "UNIQUE", "UNIQUE (code)")),
            null, null);

    private static void index(Map<String, String> out, DefinitionSql sql, Definition index, TableId table, Layout layout,
                              List<String> columns) {
        DefinitionSql.Statement s = sql.createIndex(index.ref(), index.index(), table, layout, columns);
        out.put("definition_create_index_" + index.ref().name(), file(s.sql(), s.skipped()));
    }

    /** The same on every product. */
    static Map<String, String> shared() {
        Map<String, String> out = new LinkedHashMap<>();
        ColumnDefinition added = new ColumnDefinition("shipped_at", "timestamp with time zone", true, "DEFAULT now()");
        out.put("definition_add_column", file(DefinitionSql.addColumn(ORDERS, added), List.of()));
        out.put("definition_drop_column", file(DefinitionSql.dropColumn(ORDERS, "shipped_at"), List.of()));
        out.put("definition_alter_type", file(DefinitionSql.alterType(ORDERS, "note", "text", true), List.of()));
        out.put("definition_alter_type_generated", file(DefinitionSql.alterType(ORDERS, "total", "numeric(14,2)", false), List.of()));
        out.put("definition_set_not_null", file(DefinitionSql.setNotNull(ORDERS, "note"), List.of()));
        out.put("definition_drop_not_null", file(DefinitionSql.dropNotNull(ORDERS, "note"), List.of()));
        out.put("definition_set_default", file(DefinitionSql.setDefault(ORDERS, "note", "'none'::character varying"), List.of()));
        out.put("definition_drop_default", file(DefinitionSql.dropDefault(ORDERS, "note"), List.of()));
        out.put("definition_drop_identity", file(DefinitionSql.dropIdentity(ORDERS, "id"), List.of()));
        out.put("definition_add_identity", file(DefinitionSql.addIdentity(ORDERS, "id"), List.of()));
        out.put("definition_add_constraint", file(DefinitionSql.addConstraint(ORDERS,
                "CONSTRAINT \"orders_note_check\" CHECK ((note)::text <> ''::text)"), List.of()));
        out.put("definition_drop_constraint", file(DefinitionSql.dropConstraint(ORDERS, "orders_note_check"), List.of()));
        out.put("definition_lock", file(DefinitionSql.lock(ORDERS), List.of()));
        out.put("definition_owned_by", file(DefinitionSql.ownedBy(new TableId("sales", "code_seq"), ORDERS, "id"), List.of()));
        out.put("definition_setval_forward", file(DefinitionSql.setvalForward(new TableId("sales", "code_seq")), List.of()));
        return out;
    }

    static List<Dialect> dialects() {
        return List.of(new PostgresDialect(), new GreenplumDialect(false, false), new GreenplumDialect(true, true));
    }

    /** The statement (if any) and the skipped parts as comments. */
    static String file(String sql, List<Skip> skipped) {
        StringBuilder out = new StringBuilder();
        if (sql != null) {
            out.append(sql).append(";\n");
        }
        for (Skip s : skipped) {
            out.append("-- skipped: ").append(s.what()).append(": ").append(s.reason()).append('\n');
        }
        return out.toString();
    }

    /** The statement of a golden file without its comments; null where it has none. */
    static String statement(String file) {
        int end = file.indexOf(";\n");
        return file.startsWith("-- ") || end < 0 ? null : file.substring(0, end);
    }
}
