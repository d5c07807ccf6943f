package io.adbsync.sink.definition;

import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.dialect.GreenplumDialect;
import io.adbsync.sink.dialect.PostgresDialect;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.sink.naming.NameCase;
import io.adbsync.sink.naming.TableNamer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The decisions of {@link DefinitionSql} and the reading of source SQL text behind them. */
class DefinitionSqlTest {

    @Test
    void aStatementIsOneStatementWhateverItsLiteralsAndBodiesHold() {
        assertThat(SqlText.singleStatement("CREATE VIEW v AS SELECT 'a;b' AS x, \"c;d\" FROM t -- ; comment\n")).isTrue();
        assertThat(SqlText.singleStatement("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $f$ BEGIN RETURN 1; END $f$;")).isTrue();
        assertThat(SqlText.singleStatement("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END")).isTrue();
        assertThat(SqlText.singleStatement("CREATE VIEW v AS SELECT 1; DROP TABLE t")).isFalse();
        assertThat(SqlText.singleStatement("CREATE VIEW v AS SELECT 1 /* ; */; DROP TABLE t;")).isFalse();
        assertThat(SqlText.singleStatement("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; DROP TABLE t")).isFalse();
    }

    @Test
    void identifiersAreReadOutsideLiteralsAndUnquotedOnesFolded() {
        assertThat(SqlText.identifiers("(\"Price\" * 1.2e3) || 'Code' || E'it\\'s \"X\"' || $q$ y $q$ || lower(code) -- z"))
                .containsExactly("Price", "lower", "code");
        assertThat(SqlText.identifiers("nextval('public.\"Seq\"'::regclass)")).containsExactly("nextval", "regclass");
        assertThat(SqlText.identifierList("UNIQUE NULLS NOT DISTINCT (a, \"B c\", \"d\"\"e\")", 0))
                .containsExactly("a", "B c", "d\"e");
        assertThat(SqlText.identifierList("EXCLUDE USING gist (during WITH &&)", 0)).isNull();
        assertThat(SqlText.qualifiedName(" \"My Schema\".t(id)", 0).parts()).containsExactly("My Schema", "t");
    }

    @Test
    void uniqueConstraintsAreDeferredOnPostgresWhateverTheSourceSaid() {
        assertThat(DefinitionSql.deferred("UNIQUE (code)")).isEqualTo("UNIQUE (code) DEFERRABLE INITIALLY DEFERRED");
        assertThat(DefinitionSql.deferred("UNIQUE (code) DEFERRABLE")).isEqualTo("UNIQUE (code) DEFERRABLE INITIALLY DEFERRED");
        assertThat(DefinitionSql.deferred("UNIQUE (code) DEFERRABLE INITIALLY DEFERRED"))
                .isEqualTo("UNIQUE (code) DEFERRABLE INITIALLY DEFERRED");
    }

    @Test
    void enumLabelsAreReadFromTheCreateStatement() {
        assertThat(DefinitionApplier.enumLabels("CREATE TYPE public.mood AS ENUM (\n 'sad', 'it''s ok', 'a,b)'\n)"))
                .containsExactly("sad", "it's ok", "a,b)");
        assertThat(DefinitionApplier.enumLabels("CREATE TYPE public.pair AS (a int)")).isNull();
    }

    @Test
    void aForeignKeyIsKeptOnlyWhereItsTableAndColumnsKeepTheirNames() {
        DefinitionSql keep = sql(new TableNamer("${schema}.${table}", List.of(), NameCase.KEEP));
        DefinitionSql mapped = sql(new TableNamer("${schema}.${table}", List.of("sales.customers=crm.clients"), NameCase.KEEP));
        DefinitionSql upper = sql(new TableNamer("${schema}.${table}", List.of(), NameCase.UPPER));
        ConstraintShape fk = new ConstraintShape("orders_customer_id_fkey", "FOREIGN KEY",
                "FOREIGN KEY (customer_id) REFERENCES sales.customers(id) ON DELETE CASCADE");
        Layout heap = new Layout(StorageEngine.HEAP, io.adbsync.sink.dialect.TableDefinition.Placement.KEY, List.of());
        List<Applied.Skip> skipped = new ArrayList<>();
        assertThat(keep.constraint(fk, Set.of(), List.of("id"), heap, skipped))
                .isEqualTo("CONSTRAINT \"orders_customer_id_fkey\" FOREIGN KEY (customer_id) REFERENCES sales.customers(id) ON DELETE CASCADE");
        assertThat(mapped.constraint(fk, Set.of(), List.of("id"), heap, skipped)).isNull();
        assertThat(upper.constraint(fk, Set.of(), List.of("ID"), heap, skipped)).isNull();
        assertThat(skipped).extracting(Applied.Skip::reason).containsExactly(
                "it references sales.customers, which the sink names crm.clients",
                "it references sales.customers, which the sink names SALES.CUSTOMERS");
    }

    /**
     * A UNIQUE constraint with INCLUDE columns: Greenplum 6 (PostgreSQL 9.4 inside) has no INCLUDE, so the constraint is
     * left out with a skip saying so, as an index with INCLUDE columns is, instead of a statement that fails there.
     */
    @Test
    void aUniqueConstraintWithIncludeColumnsIsSkippedWhereTheDestinationHasNone() {
        DefinitionNames names = DefinitionGolden.names(NameCase.KEEP);
        ConstraintShape unique = new ConstraintShape("orders_code_key", "UNIQUE", "UNIQUE (customer_id, code) INCLUDE (price)");
        Layout byCustomer = new Layout(StorageEngine.HEAP, io.adbsync.sink.dialect.TableDefinition.Placement.KEY,
                List.of("customer_id"));
        List<Applied.Skip> skipped = new ArrayList<>();
        DefinitionSql greenplum6 = new DefinitionSql(new GreenplumDialect(false, false), names, DefinitionGolden.DEFAULTS);
        assertThat(greenplum6.constraint(unique, Set.of(), List.of("id"), byCustomer, skipped)).isNull();
        assertThat(skipped).extracting(Applied.Skip::what, Applied.Skip::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("unique constraint orders_code_key",
                        "greenplum6 has no INCLUDE columns in indexes"));
        DefinitionSql greenplum7 = new DefinitionSql(new GreenplumDialect(true, false), names, DefinitionGolden.DEFAULTS);
        assertThat(greenplum7.constraint(unique, Set.of(), List.of("id"), byCustomer, new ArrayList<>()))
                .contains("UNIQUE (customer_id, code) INCLUDE (price)");
        assertThat(SqlText.hasIncludeList("UNIQUE (\"a) INCLUDE (\", b)")).isFalse();
        assertThat(SqlText.hasIncludeList("UNIQUE (include, b) DEFERRABLE")).isFalse();
        assertThat(SqlText.hasIncludeList("UNIQUE (\"x)\") include (y)")).isTrue();
    }

    @Test
    void distributionKeyMustFitTheTableAndStorageMustExistAtTheDestination() {
        DefinitionNames names = DefinitionGolden.names(NameCase.KEEP);
        DefinitionSql byCode = new DefinitionSql(new GreenplumDialect(true, false), names,
                new DestinationSettings(Optional.empty(), List.of("code"), SinkConfig.ConflictMode.IGNORE));
        assertThatThrownBy(() -> byCode.createTable(SampleSchema.ORDERS, SampleSchema.ORDERS_TABLE.table()))
                .isInstanceOf(DefinitionException.class)
                .hasMessage("distribution.key column code is not part of the primary key [id] of table sales.orders; a unique "
                        + "key must contain every distribution-key column");
        DefinitionSql beam = new DefinitionSql(new GreenplumDialect(true, false), names,
                new DestinationSettings(Optional.of(StorageEngine.BEAM), List.of(), SinkConfig.ConflictMode.IGNORE));
        assertThatThrownBy(() -> beam.createTable(SampleSchema.ORDERS, SampleSchema.ORDERS_TABLE.table()))
                .hasMessageContaining("storage.engine=beam is not available on the destination (greenplum7)");
        DefinitionSql table = sql(new TableNamer("${schema}.${table}", List.of(), NameCase.KEEP));
        assertThat(table.createTable(new ObjectRef(ObjectKind.TABLE, "sales", "order_lines"),
                SampleSchema.ORDERS_FROM_GREENPLUM.table()).skipped()).extracting(Applied.Skip::what)
                .containsExactly("storage ao_column", "distribution hash [customer_id]");
        assertThat(new TableId("sales", "orders")).isEqualTo(DefinitionGolden.ORDERS);
    }

    @Test
    void storageEngineCountsAsSetOnlyWhereTheUserGaveIt() {
        java.util.Map<String, String> props = new java.util.HashMap<>(java.util.Map.of("connection.url",
                "jdbc:postgresql://localhost/db", "connection.user", "u", "distribution.key", "id",
                "table.conflict.mode", "fail"));
        DestinationSettings defaults = DestinationSettings.of(new SinkConfig(props));
        assertThat(defaults.storage()).isEmpty();
        assertThat(defaults.distributionKey()).containsExactly("id");
        assertThat(defaults.conflictMode()).isEqualTo(SinkConfig.ConflictMode.FAIL);
        props.put("storage.engine", "heap");
        assertThat(DestinationSettings.of(new SinkConfig(props)).storage()).contains(StorageEngine.HEAP);
    }

    private static DefinitionSql sql(TableNamer namer) {
        return new DefinitionSql(new PostgresDialect(), new DefinitionNames(namer, "src"), DefinitionGolden.DEFAULTS);
    }
}
