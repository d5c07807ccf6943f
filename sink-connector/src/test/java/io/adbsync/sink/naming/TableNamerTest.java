package io.adbsync.sink.naming;

import io.adbsync.common.sql.TableId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link TableNamer}: {@code table.name.format}, {@code table.name.map} and {@code name.case}. */
class TableNamerTest {

    private static final String DEFAULT = "${schema}.${table}";

    private static SourceTable source(String schema, String table) {
        return new SourceTable(schema, table, "p." + schema + "." + table);
    }

    private static TableId name(String format, NameCase nameCase, SourceTable source) {
        return new TableNamer(format, List.of(), nameCase).tableFor(source);
    }

    @Test
    void theDefaultFormatKeepsTheSourceSchemaAndTable() {
        assertThat(name(DEFAULT, NameCase.KEEP, source("sales", "Orders"))).isEqualTo(new TableId("sales", "Orders"));
    }

    @Test
    void placeholdersAndConstantTextFormTheName() {
        assertThat(name("staging.${table}", NameCase.KEEP, source("sales", "orders"))).isEqualTo(new TableId("staging", "orders"));
        assertThat(name("${schema}.src_${table}_v1", NameCase.KEEP, source("sales", "orders")))
                .isEqualTo(new TableId("sales", "src_orders_v1"));
        assertThat(name("${schema}_copy.${schema}_${table}", NameCase.KEEP, source("sales", "orders")))
                .isEqualTo(new TableId("sales_copy", "sales_orders"));
        // Spaces around the parts are trimmed.
        assertThat(name(" ${schema} . ${table} ", NameCase.KEEP, source("sales", "orders")))
                .isEqualTo(new TableId("sales", "orders"));
    }

    @Test
    void aFormatWithoutItsOwnDotIsATableInSchemaPublicUnlessTheNameItFormsHasOne() {
        assertThat(name("${table}", NameCase.KEEP, source("sales", "orders"))).isEqualTo(new TableId("public", "orders"));
        // ${topic} names prefix.schema.table: its first dot separates schema and table.
        assertThat(name("${topic}", NameCase.KEEP, source("sales", "orders"))).isEqualTo(new TableId("p", "sales.orders"));
        assertThat(name("${schema}_${table}", NameCase.KEEP, new SourceTable("s", "t", "orders")))
                .isEqualTo(new TableId("public", "s_t"));
        // A dot inside a source name is part of the name, not a separator: a.b must not land in schema a.
        assertThat(name("${table}", NameCase.KEEP, source("s", "a.b"))).isEqualTo(new TableId("public", "a.b"));
        assertThat(name("${schema}_${table}", NameCase.KEEP, source("my.schema", "t"))).isEqualTo(new TableId("public", "my.schema_t"));
    }

    @Test
    void dotsAndSpecialCharactersInSourceNamesStayInTheirPart() {
        // The format's own dot separates: a source name may hold dots.
        assertThat(name(DEFAULT, NameCase.KEEP, source("my.schema", "t"))).isEqualTo(new TableId("my.schema", "t"));
        assertThat(name(DEFAULT, NameCase.KEEP, source("s", "a.b"))).isEqualTo(new TableId("s", "a.b"));
        TableId odd = name(DEFAULT, NameCase.KEEP, source("Sales Dept", "we\"ird;--"));
        assertThat(odd).isEqualTo(new TableId("Sales Dept", "we\"ird;--"));
        assertThat(odd.quoted()).isEqualTo("\"Sales Dept\".\"we\"\"ird;--\"");
        assertThat(name(DEFAULT, NameCase.KEEP, source("订单", "客户"))).isEqualTo(new TableId("订单", "客户"));
    }

    @Test
    void aSourceNameThatLooksLikeAPlaceholderIsNotSubstitutedAgain() {
        assertThat(name(DEFAULT, NameCase.KEEP, source("${table}", "t"))).isEqualTo(new TableId("${table}", "t"));
        assertThat(name(DEFAULT, NameCase.KEEP, source("s", "${schema}"))).isEqualTo(new TableId("s", "${schema}"));
        assertThat(name("x.${table}_${schema}", NameCase.KEEP, source("${topic}", "${schema}")))
                .isEqualTo(new TableId("x", "${schema}_${topic}"));
    }

    @Test
    void nameCaseFoldsTableAndColumnNamesDerivedFromTheSource() {
        assertThat(name(DEFAULT, NameCase.LOWER, source("Sales", "OrderItems"))).isEqualTo(new TableId("sales", "orderitems"));
        assertThat(name(DEFAULT, NameCase.UPPER, source("Sales", "OrderItems"))).isEqualTo(new TableId("SALES", "ORDERITEMS"));
        assertThat(name("Staging.${table}", NameCase.LOWER, source("s", "T"))).isEqualTo(new TableId("staging", "t"));
        // Locale-independent: no dotted capital I under a Turkish default locale.
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr-TR"));
            assertThat(name(DEFAULT, NameCase.UPPER, source("s", "items"))).isEqualTo(new TableId("S", "ITEMS"));
            assertThat(name(DEFAULT, NameCase.LOWER, source("S", "ITEMS"))).isEqualTo(new TableId("s", "items"));
        } finally {
            Locale.setDefault(before);
        }
        assertThat(new TableNamer(DEFAULT, List.of(), NameCase.LOWER).columnName("CustomerID")).isEqualTo("customerid");
        assertThat(new TableNamer(DEFAULT, List.of(), NameCase.UPPER).columnName("id")).isEqualTo("ID");
        assertThat(new TableNamer(DEFAULT, List.of(), NameCase.KEEP).columnName("CustomerID")).isEqualTo("CustomerID");
    }

    @Test
    void aMappedTableTakesItsNameAsWrittenAndOthersFollowTheFormat() {
        TableNamer namer = new TableNamer("staging.${table}", List.of("public.Order Items=Dst.Orders", "public.t = archive.t_old",
                "my.schema.t=flat"), NameCase.LOWER);
        assertThat(namer.tableFor(source("public", "Order Items"))).isEqualTo(new TableId("Dst", "Orders"));
        assertThat(namer.tableFor(source("public", "t"))).isEqualTo(new TableId("archive", "t_old"));
        // The source is matched as table.name.format's ${schema}.${table}; a target without schema is in public.
        assertThat(namer.tableFor(source("my.schema", "t"))).isEqualTo(new TableId("public", "flat"));
        assertThat(namer.tableFor(source("public", "Other"))).isEqualTo(new TableId("staging", "other"));
        // Matched exactly, case included.
        assertThat(namer.tableFor(source("public", "order items"))).isEqualTo(new TableId("staging", "order items"));
    }

    @Test
    void malformedMapEntriesAreRefusedNamingTheEntry() {
        assertThatThrownBy(() -> TableNamer.parseMap(List.of("public.t")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Entry 'public.t' must look like source_schema.source_table=dest_schema.dest_table");
        assertThatThrownBy(() -> TableNamer.parseMap(List.of("public.t=")))
                .hasMessage("Entry 'public.t=' must look like source_schema.source_table=dest_schema.dest_table");
        assertThatThrownBy(() -> TableNamer.parseMap(List.of("=dst.t")))
                .hasMessage("Entry '=dst.t' must look like source_schema.source_table=dest_schema.dest_table");
        assertThatThrownBy(() -> TableNamer.parseMap(List.of("t=dst.t")))
                .hasMessage("Entry 't=dst.t': the source must be schema.table");
        assertThatThrownBy(() -> TableNamer.parseMap(List.of("public.t=dst.")))
                .hasMessage("Entry 'public.t=dst.': 'dst.' is not a valid schema.table name");
        assertThatThrownBy(() -> TableNamer.parseMap(List.of("public.t=.t")))
                .hasMessage("Entry 'public.t=.t': '.t' is not a valid schema.table name");
    }

    @Test
    void aFormatThatLeavesSchemaOrTableEmptyIsRefusedNamingTheTopic() {
        assertThatThrownBy(() -> name(".${table}", NameCase.KEEP, source("s", "t")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TableNamer format '.${table}' for topic p.s.t: '.t' is not a valid schema.table name");
        assertThatThrownBy(() -> name("${schema}.", NameCase.KEEP, source("s", "t")))
                .hasMessage("TableNamer format '${schema}.' for topic p.s.t: 's.' is not a valid schema.table name");
        assertThatThrownBy(() -> name("${topic}", NameCase.KEEP, new SourceTable("s", "t", "p.")))
                .hasMessage("TableNamer format '${topic}' for topic p.: 'p.' is not a valid schema.table name");
    }
}
