package io.adbsync.sink.definition;

import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.IndexShape;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.TableShape;
import io.adbsync.common.sql.TableId;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.definition.Applied.Outcome;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.sink.naming.NameCase;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.adbsync.sink.Sql.scalar;
import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The golden definition SQL of Greenplum 7 runs on a real Greenplum 7 cluster, and the sample schema applied there
 * gets the source's distribution and storage, with what Greenplum cannot have left out and said.
 */
class DefinitionOnGreenplumIT {

    private static PostgresServer gp;
    private static final List<String> databases = new ArrayList<>();

    @BeforeAll
    static void cluster() {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        gp = Greenplum.shared();
    }

    @AfterAll
    static void drop() throws SQLException {
        for (String db : databases) {
            gp.dropDatabase(db);
        }
    }

    private static String database(String prefix) throws SQLException {
        String db = gp.createDatabase(prefix);
        databases.add(db);
        return db;
    }

    @Test
    void everyGoldenDefinitionStatementOfGreenplum7Runs() throws Exception {
        String db = database("defgolden_gp");
        try (Connection c = gp.connect(db)) {
            assertThat(Dialects.detect(c).name()).isEqualTo("greenplum7");
        }
        assertThat(DefinitionGoldenRun.run(gp, db, "greenplum7")).containsExactly("definition_create_index_orders_customer_code_idx");
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('sales.order_lines'::regclass) || ' ' || amname "
                + "FROM pg_class JOIN pg_am ON pg_am.oid = relam WHERE pg_class.oid = 'sales.order_lines'::regclass"))
                .isEqualTo("DISTRIBUTED BY (customer_id) ao_column");
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('sales.countries'::regclass)")).isEqualTo("DISTRIBUTED REPLICATED");
    }

    @Test
    void anAppendOptimizedTableIsReconciledOnTheSegmentsAndARefusedCastStopsWithWhatToDo() throws Exception {
        String db = database("defreconcile_gp");
        sql(gp, db, "CREATE SCHEMA sales");
        Definition v1 = SampleSchema.ORDERS_FROM_GREENPLUM;
        TableShape t1 = v1.table();
        Definition v2 = Definition.ofTable(v1.ref(), v1.dependsOn(), new TableShape(List.of(
                t1.columns().get(0), t1.columns().get(1),
                new ColumnShape("amount", "numeric(14,2)", true, "0", null, null),
                new ColumnShape("note", "text", false, null, null, null)),
                t1.primaryKey(), t1.constraints(), t1.distribution(), t1.storage()));
        Definition v3 = Definition.ofTable(v1.ref(), v1.dependsOn(), new TableShape(List.of(
                t1.columns().get(0), t1.columns().get(1),
                new ColumnShape("amount", "numeric(14,2)", true, "0", null, null),
                new ColumnShape("note", "integer", false, null, null, null)),
                t1.primaryKey(), t1.constraints(), t1.distribution(), t1.storage()));
        try (Connection c = gp.connect(db)) {
            DefinitionApplier applier = new DefinitionApplier(Dialects.detect(c), DefinitionGolden.names(NameCase.KEEP),
                    new DestinationSettings(Optional.empty(), List.of(), SinkConfig.ConflictMode.FAIL));
            assertThat(applier.apply(c, v1).outcome()).isEqualTo(Outcome.CREATED);
            sql(gp, db, "INSERT INTO sales.order_lines VALUES (1, 1, 5), (2, 2, 7), (3, 3, 9)");
            Applied applied = applier.apply(c, v2, AppliedDefinitions.of(v1));
            assertThat(applied.statements()).containsExactly(
                    "ALTER TABLE \"sales\".\"order_lines\" ALTER COLUMN \"amount\" DROP DEFAULT",
                    "ALTER TABLE \"sales\".\"order_lines\" ALTER COLUMN \"amount\" TYPE numeric(14,2) USING \"amount\"::numeric(14,2)",
                    "ALTER TABLE \"sales\".\"order_lines\" ALTER COLUMN \"amount\" SET DEFAULT 0",
                    "ALTER TABLE \"sales\".\"order_lines\" ALTER COLUMN \"amount\" SET NOT NULL",
                    "ALTER TABLE \"sales\".\"order_lines\" ADD COLUMN \"note\" text");
            sql(gp, db, "UPDATE sales.order_lines SET note = 'n' || order_id");
            assertThatThrownBy(() -> applier.apply(c, v3, AppliedDefinitions.of(v2)))
                    .isInstanceOf(DefinitionException.class)
                    .hasMessageStartingWith("Column note of destination table sales.order_lines is text and the source's "
                            + "definition makes it integer.")
                    .hasMessageContaining("invalid input syntax for type integer");
        }
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('sales.order_lines'::regclass) || ' ' "
                + "|| (SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) "
                + "FROM pg_attribute WHERE attrelid = 'sales.order_lines'::regclass AND attnum > 0 AND NOT attisdropped)"))
                .isEqualTo("DISTRIBUTED BY (customer_id) order_id:bigint,customer_id:integer,amount:numeric(14,2),note:text");
        assertThat(scalar(gp, db, "SELECT sum(amount) FROM sales.order_lines")).isEqualTo("21.00");
    }

    @Test
    void theSampleSchemaAppliedOnGreenplumLeavesOutWhatGreenplumCannotHaveAndSaysWhy() throws Exception {
        String db = database("defapply_gp");
        // Greenplum 7 (PostgreSQL 12) has no multiranges: the range type as the user would make it there.
        sql(gp, db, "CREATE SCHEMA sales", "CREATE TYPE sales.price_range AS RANGE (subtype = numeric)");
        Map<ObjectRef, Applied> results = new LinkedHashMap<>();
        try (Connection c = gp.connect(db)) {
            Dialect dialect = Dialects.detect(c);
            DefinitionApplier applier = new DefinitionApplier(dialect, DefinitionGolden.names(NameCase.KEEP),
                    new DestinationSettings(Optional.empty(), List.of(), SinkConfig.ConflictMode.FAIL));
            for (int pass = 0; pass < 2; pass++) {
                for (Definition d : SampleSchema.definitions()) {
                    if (d.ref().kind() == ObjectKind.RANGE) {
                        continue;
                    }
                    results.put(d.ref(), applier.apply(c, d, AppliedDefinitions.of(pass == 0 ? null : d)));
                }
            }
            ObjectRef orderLines = SampleSchema.ORDERS_FROM_GREENPLUM.ref();
            for (Definition d : List.of(SampleSchema.ORDERS_FROM_GREENPLUM, SampleSchema.COUNTRIES_FROM_GREENPLUM,
                    // What Greenplum 7 takes: a unique index holding the distribution key, any index on AO storage.
                    Definition.ofIndex(SampleSchema.ref(ObjectKind.INDEX, "orders_id_code_idx"), List.of(SampleSchema.ORDERS),
                            new IndexShape(SampleSchema.ORDERS, true, "btree", List.of("id", "code"), List.of(), null)),
                    Definition.ofIndex(SampleSchema.ref(ObjectKind.INDEX, "order_lines_customer_idx"), List.of(orderLines),
                            new IndexShape(orderLines, false, "btree", List.of("customer_id"), List.of(), "(amount > (0)::numeric)")),
                    Definition.ofIndex(SampleSchema.ref(ObjectKind.INDEX, "order_lines_order_idx"), List.of(orderLines),
                            new IndexShape(orderLines, true, "btree", List.of("customer_id", "order_id"), List.of(), null)))) {
                results.put(d.ref(), applier.apply(c, d));
            }
        }
        assertThat(results.get(SampleSchema.ORDERS).skipped()).extracting(Applied.Skip::what)
                .contains("unique constraint orders_code_key", "foreign key constraint orders_customer_id_fkey");
        assertThat(results.get(SampleSchema.BOOKINGS).skipped()).extracting(Applied.Skip::what)
                .containsExactly("exclude constraint bookings_during_excl");
        assertThat(results.get(SampleSchema.ORDERS_CUSTOMER_CODE_IDX.ref()).outcome()).isEqualTo(Outcome.SKIPPED);
        assertThat(results.get(SampleSchema.ref(ObjectKind.INDEX, "orders_id_code_idx")).outcome()).isEqualTo(Outcome.CREATED);
        assertThat(results.get(SampleSchema.ref(ObjectKind.INDEX, "order_lines_customer_idx")).outcome()).isEqualTo(Outcome.CREATED);
        assertThat(results.get(SampleSchema.ref(ObjectKind.INDEX, "order_lines_order_idx")).summary())
                .contains("append-optimized (ao_column) tables have no unique constraints or indexes");
        assertThat(results.get(SampleSchema.COUNTRIES_FROM_GREENPLUM.ref()).skipped()).isEmpty();
        assertThat(scalar(gp, db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'countries_name_key'"))
                .isEqualTo("UNIQUE (name) DEFERRABLE INITIALLY DEFERRED");
        assertThat(results.get(SampleSchema.ORDERS_ID_SEQ).outcome()).as(results.get(SampleSchema.ORDERS_ID_SEQ).summary())
                .isEqualTo(Outcome.UNCHANGED);
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('sales.orders'::regclass)")).isEqualTo("DISTRIBUTED BY (id)");
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('sales.bookings'::regclass)")).isEqualTo("DISTRIBUTED RANDOMLY");
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('sales.order_lines'::regclass)"))
                .isEqualTo("DISTRIBUTED BY (customer_id)");
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('sales.countries'::regclass)")).isEqualTo("DISTRIBUTED REPLICATED");
        // The sink writes rows as it does on Greenplum: explicit identity values, the default's function on the coordinator.
        sql(gp, db, "INSERT INTO sales.customers (id, name) VALUES (1, 'a')",
                "INSERT INTO sales.orders (id, customer_id, quantity, price) VALUES (7, 1, 2, 60)",
                "INSERT INTO sales.orders (id, customer_id, quantity, price) VALUES (7, 1, 3, 60) "
                        + "ON CONFLICT (id) DO UPDATE SET quantity = EXCLUDED.quantity");
        assertThat(scalar(gp, db, "SELECT code || ' ' || total FROM sales.orders")).isEqualTo("C-100 180.00");
        assertThat(scalar(gp, db, "SELECT count(*) FROM sales.big_orders")).isEqualTo("1");
        assertThat(new TableId("sales", "orders").toString()).isEqualTo("sales.orders");
    }

    /** The aggregate and operators of {@link DefinitionApplierIT.Stats} are created on Greenplum 7, then found the same. */
    @Test
    void aggregatesAndOperatorsAreCreatedOnGreenplumAndFoundTheSame() throws Exception {
        String db = database("gp_defaggops");
        try (Connection c = gp.connect(db)) {
            DefinitionApplier applier = new DefinitionApplier(Dialects.detect(c), DefinitionGolden.names(NameCase.KEEP),
                    new DestinationSettings(Optional.empty(), List.of(), SinkConfig.ConflictMode.FAIL));
            for (Definition d : DefinitionApplierIT.Stats.definitions()) {
                Applied applied = applier.apply(c, d);
                assertThat(applied.outcome()).as(applied.summary()).isEqualTo(Outcome.CREATED);
            }
            for (Definition d : DefinitionApplierIT.Stats.definitions()) {
                if (d.ref().kind() == ObjectKind.AGGREGATE || d.ref().kind() == ObjectKind.OPERATOR) {
                    Applied applied = applier.apply(c, d);
                    assertThat(applied.outcome()).as(applied.summary()).isEqualTo(Outcome.UNCHANGED);
                }
            }
        }
        sql(gp, db, "INSERT INTO stats.readings VALUES (1, 1, 20), (2, 5, 100)");
        assertThat(scalar(gp, db, "SELECT high_norm || '/' || n FROM stats.norms")).isEqualTo("101.980390/2");
        assertThatThrownBy(() -> sql(gp, db, "INSERT INTO stats.readings VALUES (3, 50, 55)")).hasMessageContaining("spread");
    }
}
