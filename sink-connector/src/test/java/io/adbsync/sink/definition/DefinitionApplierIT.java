package io.adbsync.sink.definition;

import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SequenceShape;
import io.adbsync.common.definition.TableShape;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.definition.Applied.Outcome;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.sink.naming.NameCase;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.adbsync.sink.Sql.scalar;
import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link DefinitionApplier} on a real PostgreSQL: an application schema with every kind of object, created at the
 * source by plain SQL and applied from its definitions into an empty destination, dumps the same (after the
 * documented rewrites); existing tables are reconciled; sequences only ever move forward.
 */
class DefinitionApplierIT {

    private static PostgresServer pg;
    private static final List<String> databases = new ArrayList<>();

    @BeforeAll
    static void server() {
        pg = Postgres.shared();
    }

    @AfterAll
    static void dropDatabases() throws SQLException {
        for (String db : databases) {
            pg.dropDatabase(db);
        }
    }

    private static String database(String prefix) throws SQLException {
        String db = pg.createDatabase(prefix);
        databases.add(db);
        return db;
    }

    private static DefinitionApplier applier(Connection c, NameCase nameCase, SinkConfig.ConflictMode mode) throws SQLException {
        Dialect dialect = Dialects.detect(c);
        return new DefinitionApplier(dialect, DefinitionGolden.names(nameCase),
                new DestinationSettings(Optional.empty(), List.of(), mode));
    }

    @Test
    void anApplicationSchemaAppliedIntoAnEmptyDatabaseDumpsAsTheSourceAfterTheDocumentedRewrites() throws Exception {
        String source = database("defsrc");
        String destination = database("defdst");
        sql(pg, source, SampleSchema.SOURCE_SQL.toArray(String[]::new));
        // A workload moves the sequences: a serial, an identity and the one the default's function uses.
        sql(pg, source, "INSERT INTO sales.customers (name) SELECT 'c' || g FROM generate_series(1, 3) g",
                "INSERT INTO sales.orders (customer_id, quantity) SELECT 1 + g % 3, g FROM generate_series(1, 5) g",
                "DELETE FROM sales.orders WHERE id > 3");
        List<Definition> definitions = withPositions(source, SampleSchema.definitions());
        Map<ObjectRef, Definition> applied = new HashMap<>();
        List<Applied> first;
        List<Applied> second;
        List<Applied> third;
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            first = applyAll(applier, c, definitions, applied);
            // The source sends sequences again with their positions: the ones that waited for their tables now apply.
            second = applyAll(applier, c, definitions, applied);
            third = applyAll(applier, c, definitions, applied);
        }
        assertThat(first).extracting(Applied::outcome).as(first.stream().map(Applied::summary).toList().toString())
                .doesNotContain(Outcome.UNCHANGED);
        assertThat(outcome(first, SampleSchema.ORDERS_ID_SEQ)).isEqualTo(Outcome.SKIPPED);
        assertThat(summary(first, SampleSchema.ORDERS_ID_SEQ)).contains("identity column", "not at the destination yet");
        assertThat(summary(first, SampleSchema.ORDERS)).contains("created", "GENERATED ALWAYS of column id");
        assertThat(summary(first, SampleSchema.CUSTOMERS_ID_SEQ)).contains("OWNED BY sales.customers.id");
        assertThat(summary(second, SampleSchema.CUSTOMERS_ID_SEQ)).startsWith("sequence sales.customers_id_seq: changed");
        assertThat(third).as(third.stream().map(Applied::summary).toList().toString())
                .allSatisfy(a -> assertThat(a.statements()).as(a.summary()).isEmpty());

        String sourceDump = dump(source);
        assertThat(sourceDump).contains("CREATE TABLE sales.orders", "CREATE VIEW sales.big_orders", "CREATE RULE bookings_keep",
                "CREATE FUNCTION sales.next_code()", "CREATE TYPE sales.mood AS ENUM", "CREATE DOMAIN sales.positive_int",
                "CREATE TYPE sales.price_range AS RANGE", "CREATE TYPE sales.address AS", "CREATE INDEX orders_open_idx",
                "CREATE UNIQUE INDEX orders_customer_code_idx", "CREATE SEQUENCE sales.code_seq", "EXCLUDE USING gist",
                "ALTER SEQUENCE sales.customers_id_seq OWNED BY sales.customers.id", "FOREIGN KEY (customer_id)",
                "UNIQUE (code);", "UNIQUE (email);", "ADD GENERATED ALWAYS AS IDENTITY");
        // A rule on a replicated table waits for the switchover (it would act on the sink's writes): said, not created.
        assertThat(first.stream().filter(a -> a.ref().kind() == ObjectKind.RULE).map(Applied::summary).toList())
                .singleElement().asString().contains("skipped", "create it at switchover", "ON DELETE TO sales.bookings");
        sql(pg, source, "DROP RULE bookings_keep ON sales.bookings");
        String expected = dump(source)
                .replace("UNIQUE (code);", "UNIQUE (code) DEFERRABLE INITIALLY DEFERRED;")
                .replace("UNIQUE (email);", "UNIQUE (email) DEFERRABLE INITIALLY DEFERRED;")
                .replace("ADD GENERATED ALWAYS AS IDENTITY", "ADD GENERATED BY DEFAULT AS IDENTITY");
        assertThat(dump(destination)).isEqualTo(expected);
        for (String sequence : List.of("sales.code_seq", "sales.customers_id_seq", "sales.orders_id_seq")) {
            String position = "SELECT last_value || '/' || is_called FROM " + sequence;
            assertThat(scalar(pg, destination, position)).as(sequence).isEqualTo(scalar(pg, source, position));
        }
        assertThat(scalar(pg, destination, "SELECT last_value FROM sales.orders_id_seq")).isEqualTo("5");
    }

    @Test
    void twoTasksApplyingTheSameDefinitionsAtOnceEndWithTheSameSchemaAsOne() throws Exception {
        // Races are a matter of timing: several rounds make each kind of object meet its twin at every step.
        for (int round = 0; round < 10; round++) {
            twoTasksAtOnce();
        }
    }

    private void twoTasksAtOnce() throws Exception {
        String alone = database("defalone");
        String together = database("deftogether");
        // Twice, as the sink gets them: the source sends sequences again with their positions.
        try (Connection c = pg.connect(alone)) {
            Map<ObjectRef, Definition> applied = new HashMap<>();
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            applyAll(applier, c, SampleSchema.definitions(), applied);
            applyAll(applier, c, SampleSchema.definitions(), applied);
        }
        // The sink's record, shared by its tasks; written before each commit, as a table in the destination would be.
        Map<ObjectRef, Definition> record = new java.util.concurrent.ConcurrentHashMap<>();
        AppliedDefinitions shared = new AppliedDefinitions() {
            @Override
            public Definition previous(Connection c, ObjectRef ref) {
                return record.get(ref);
            }

            @Override
            public void record(Connection c, Definition applied) {
                record.put(applied.ref(), applied);
            }
        };
        ExecutorService tasks = Executors.newFixedThreadPool(2);
        CyclicBarrier together2 = new CyclicBarrier(2);
        List<String> summaries = new ArrayList<>();
        try {
            List<Future<List<Applied>>> results = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                results.add(tasks.submit(() -> {
                    List<Applied> out = new ArrayList<>();
                    try (Connection c = pg.connect(together)) {
                        DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
                        for (int pass = 0; pass < 2; pass++) {
                            for (Definition d : SampleSchema.definitions()) {
                                together2.await(30, TimeUnit.SECONDS);
                                out.add(applier.apply(c, d, shared));
                            }
                        }
                    }
                    return out;
                }));
            }
            List<Throwable> failures = new ArrayList<>();
            for (Future<List<Applied>> result : results) {
                try {
                    List<Applied> applied = result.get(120, TimeUnit.SECONDS);
                    assertThat(applied).hasSize(2 * SampleSchema.definitions().size());
                    summaries.addAll(applied.stream().map(Applied::summary).toList());
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            // A task that failed leaves the other waiting at the barrier: the first cause is the one that matters.
            assertThat(failures).as(failures.stream().map(Throwable::toString).toList().toString())
                    .allMatch(f -> f instanceof java.util.concurrent.TimeoutException || f instanceof java.util.concurrent.BrokenBarrierException)
                    .isEmpty();
        } finally {
            tasks.shutdownNow();
        }
        assertThat(dump(together)).as(String.join("\n", summaries)).isEqualTo(dump(alone));
    }

    /** The definitions with each sequence's position as the source has it now (as the source reads it). */
    private static List<Definition> withPositions(String source, List<Definition> definitions) throws SQLException {
        List<Definition> out = new ArrayList<>();
        for (Definition d : definitions) {
            if (d.sequence() == null) {
                out.add(d);
                continue;
            }
            String position = scalar(pg, source, "SELECT last_value || '/' || is_called FROM " + d.ref().schema() + "." + d.ref().name());
            String[] parts = position.split("/");
            SequenceShape s = d.sequence();
            out.add(Definition.ofSequence(d.ref(), d.dependsOn(), new SequenceShape(s.dataType(), s.start(), s.increment(),
                    s.min(), s.max(), s.cache(), s.cycle(), s.ownedBy(), Long.parseLong(parts[0]), Boolean.parseBoolean(parts[1]))));
        }
        return out;
    }

    @Test
    void theDestinationWorksLikeTheSourceForTheRowsTheSinkWrites() throws Exception {
        String destination = database("defrows");
        try (Connection c = pg.connect(destination)) {
            applyAll(applier(c, NameCase.KEEP, SinkConfig.ConflictMode.IGNORE), c, SampleSchema.definitions(), new HashMap<>());
        }
        // As the sink merges: explicit identity values, the unique code swapped between two rows in one statement.
        sql(pg, destination,
                "INSERT INTO sales.customers (id, name, email) VALUES (1, 'a', 'a@x'), (2, 'b', 'b@x')",
                "INSERT INTO sales.orders (id, code, customer_id, quantity, price) VALUES (10, 'A', 1, 2, 60), (11, 'B', 2, 1, 5)",
                "INSERT INTO sales.orders (id, code, customer_id, quantity, price) VALUES (10, 'B', 1, 2, 60), (11, 'A', 2, 1, 5) "
                        + "ON CONFLICT (id) DO UPDATE SET code = EXCLUDED.code");
        assertThat(scalar(pg, destination, "SELECT string_agg(id || code || total, ',' ORDER BY id) FROM sales.orders"))
                .isEqualTo("10B120.00,11A5.00");
        assertThat(scalar(pg, destination, "SELECT string_agg(code, ',') FROM sales.big_orders")).isEqualTo("B");
        // The default calls the function, which uses the sequence.
        sql(pg, destination, "INSERT INTO sales.orders (customer_id, quantity) VALUES (1, 1)");
        assertThat(scalar(pg, destination, "SELECT code FROM sales.orders WHERE id = 1")).isEqualTo("C-100");
        assertThatThrownBy(() -> sql(pg, destination, "INSERT INTO sales.orders (customer_id, quantity, price) VALUES (1, 0, 1)"))
                .hasMessageContaining("positive_int_check");
    }

    @Test
    void aTableThatExistsStopsTheSinkUnderFailUnlessTheSinkMadeItAndKeepsColumnsOfItsOwnUnderIgnore() throws Exception {
        String destination = database("defconflict");
        sql(pg, destination, "CREATE SCHEMA sales",
                "CREATE TABLE sales.bookings (room integer NOT NULL, during tstzrange NOT NULL, mine text NOT NULL)");
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier fail = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            assertThatThrownBy(() -> fail.apply(c, SampleSchema.BOOKINGS_TABLE))
                    .isInstanceOf(DefinitionException.class)
                    .hasMessage("Destination table sales.bookings for source table sales.bookings already exists and the sink "
                            + "has applied no definition of it (table.conflict.mode=fail); drop or rename it, map the table "
                            + "elsewhere (table.name.map), or set table.conflict.mode=ignore");
            // A definition it applied before: the table is the sink's.
            assertThat(fail.apply(c, SampleSchema.BOOKINGS_TABLE, AppliedDefinitions.of(SampleSchema.BOOKINGS_TABLE)).outcome()).isEqualTo(Outcome.CHANGED);

            sql(pg, destination, "ALTER TABLE sales.bookings DROP CONSTRAINT bookings_during_excl");
            DefinitionApplier ignore = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.IGNORE);
            Applied applied = ignore.apply(c, SampleSchema.BOOKINGS_TABLE);
            assertThat(applied.outcome()).isEqualTo(Outcome.CHANGED);
            assertThat(applied.summary()).contains("column mine (not in the source's definition and not put there by the sink: kept)");
            assertThat(applied.statements()).containsExactly("ALTER TABLE \"sales\".\"bookings\" ADD CONSTRAINT "
                    + "\"bookings_during_excl\" EXCLUDE USING gist (during WITH &&)");
        }
        assertThat(scalar(pg, destination, "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 'sales.bookings'::regclass AND attnum > 0")).isEqualTo("room,during,mine");
    }

    @Test
    void aFunctionOrViewOfTheDestinationsOwnIsNotReplacedUnderFail() throws Exception {
        String destination = database("defownfn");
        sql(pg, destination, "CREATE SCHEMA app", "CREATE FUNCTION app.tax(numeric) RETURNS numeric LANGUAGE sql AS 'SELECT $1 * 0.2'");
        Definition sources = Definition.ofStatements(new ObjectRef(ObjectKind.FUNCTION, "app", "tax(numeric)"), List.of(), List.of(
                "CREATE OR REPLACE FUNCTION app.tax(numeric)\n RETURNS numeric\n LANGUAGE sql\nAS $function$SELECT $1 * 0.1$function$\n"));
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier fail = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            assertThatThrownBy(() -> fail.apply(c, sources)).isInstanceOf(DefinitionException.class)
                    .hasMessageContaining("function app.tax(numeric) already exists at the destination, differs from the source's")
                    .hasMessageContaining("table.conflict.mode=ignore");
            assertThat(scalar(pg, destination, "SELECT app.tax(10)")).isEqualTo("2.0");
            // One the sink applied before is its own: replaced.
            assertThat(fail.apply(c, sources, AppliedDefinitions.of(sources)).outcome()).isEqualTo(Outcome.CHANGED);
            assertThat(scalar(pg, destination, "SELECT app.tax(10)")).isEqualTo("1.0");
        }
    }

    /** Definitions of an aggregate a view uses and of operators a CHECK uses, as the source's reader sends them. */
    static final class Stats {
        static final ObjectRef SCHEMA = new ObjectRef(ObjectKind.SCHEMA, "stats", "stats");
        static final ObjectRef ADD_SQUARE = new ObjectRef(ObjectKind.FUNCTION, "stats", "add_square(state numeric, x numeric)");
        static final ObjectRef ROOT = new ObjectRef(ObjectKind.FUNCTION, "stats", "root(state numeric)");
        static final ObjectRef WELL_ABOVE = new ObjectRef(ObjectKind.FUNCTION, "stats", "well_above(a numeric, b numeric)");
        static final ObjectRef WELL_BELOW = new ObjectRef(ObjectKind.FUNCTION, "stats", "well_below(a numeric, b numeric)");
        static final ObjectRef NORM = new ObjectRef(ObjectKind.AGGREGATE, "stats", "norm(numeric)");
        static final ObjectRef BELOW = new ObjectRef(ObjectKind.OPERATOR, "stats", "<<<(numeric, numeric)");
        static final ObjectRef ABOVE = new ObjectRef(ObjectKind.OPERATOR, "stats", ">>>(numeric, numeric)");
        static final ObjectRef READINGS = new ObjectRef(ObjectKind.TABLE, "stats", "readings");
        static final ObjectRef NORMS = new ObjectRef(ObjectKind.VIEW, "stats", "norms");
        static final String NORM_SQL = "CREATE AGGREGATE \"stats\".\"norm\"(numeric) (SFUNC = \"stats\".\"add_square\", "
                + "STYPE = numeric, FINALFUNC = \"stats\".\"root\", FINALFUNC_MODIFY = READ_ONLY, INITCOND = '0', PARALLEL = SAFE)";

        static List<Definition> definitions() {
            return List.of(
                    Definition.ofStatements(SCHEMA, List.of(), List.of("CREATE SCHEMA IF NOT EXISTS \"stats\"")),
                    Definition.ofStatements(ADD_SQUARE, List.of(SCHEMA), List.of("CREATE OR REPLACE FUNCTION "
                            + "stats.add_square(state numeric, x numeric)\n RETURNS numeric\n LANGUAGE plpgsql\n IMMUTABLE\n"
                            + "AS $function$BEGIN RETURN state + x * x; END$function$")),
                    Definition.ofStatements(ROOT, List.of(SCHEMA), List.of("CREATE OR REPLACE FUNCTION stats.root(state numeric)\n"
                            + " RETURNS numeric\n LANGUAGE sql\n IMMUTABLE\nAS $function$SELECT round(sqrt(state), 6)$function$")),
                    Definition.ofStatements(WELL_ABOVE, List.of(SCHEMA), List.of("CREATE OR REPLACE FUNCTION "
                            + "stats.well_above(a numeric, b numeric)\n RETURNS boolean\n LANGUAGE sql\n IMMUTABLE\n"
                            + "AS $function$SELECT a > b + 10$function$")),
                    Definition.ofStatements(WELL_BELOW, List.of(SCHEMA), List.of("CREATE OR REPLACE FUNCTION "
                            + "stats.well_below(a numeric, b numeric)\n RETURNS boolean\n LANGUAGE sql\n IMMUTABLE\n"
                            + "AS $function$SELECT a < b - 10$function$")),
                    Definition.ofStatements(NORM, List.of(SCHEMA, ADD_SQUARE, ROOT), List.of(NORM_SQL)),
                    Definition.ofStatements(BELOW, List.of(SCHEMA, WELL_BELOW), List.of("CREATE OPERATOR \"stats\".<<< ("
                            + "FUNCTION = \"stats\".\"well_below\", LEFTARG = numeric, RIGHTARG = numeric, "
                            + "COMMUTATOR = OPERATOR(\"stats\".>>>), RESTRICT = \"pg_catalog\".\"scalarltsel\", "
                            + "JOIN = \"pg_catalog\".\"scalarltjoinsel\")")),
                    Definition.ofStatements(ABOVE, List.of(SCHEMA, WELL_ABOVE), List.of("CREATE OPERATOR \"stats\".>>> ("
                            + "FUNCTION = \"stats\".\"well_above\", LEFTARG = numeric, RIGHTARG = numeric, "
                            + "COMMUTATOR = OPERATOR(\"stats\".<<<), RESTRICT = \"pg_catalog\".\"scalargtsel\", "
                            + "JOIN = \"pg_catalog\".\"scalargtjoinsel\")")),
                    Definition.ofTable(READINGS, List.of(SCHEMA, BELOW), new TableShape(List.of(
                            new ColumnShape("id", "integer", true, null, null, null),
                            new ColumnShape("low", "numeric", true, null, null, null),
                            new ColumnShape("high", "numeric", true, null, null, null)), List.of("id"),
                            List.of(new ConstraintShape("spread", "CHECK", "CHECK ((low OPERATOR(stats.<<<) high))")), null, null)),
                    Definition.ofStatements(NORMS, List.of(SCHEMA, NORM, READINGS), List.of("CREATE OR REPLACE VIEW "
                            + "\"stats\".\"norms\" AS\n SELECT stats.norm(high) AS high_norm,\n    count(*) AS n\n   FROM stats.readings")));
        }
    }

    @Test
    void aggregatesAndOperatorsAreCreatedThenFoundTheSameAndTheDestinationUsesThem() throws Exception {
        String destination = database("defaggops");
        List<Definition> definitions = Stats.definitions();
        Map<ObjectRef, Definition> applied = new HashMap<>();
        List<Applied> first;
        List<Applied> again;
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            first = applyAll(applier, c, definitions, applied);
            again = applyAll(applier, c, definitions, applied);
            // With no record of having applied them (fail would refuse one that differs): found the same as the source's.
            List<Definition> aggregatesAndOperators = definitions.stream()
                    .filter(d -> d.ref().kind() == ObjectKind.AGGREGATE || d.ref().kind() == ObjectKind.OPERATOR).toList();
            assertThat(applyAll(applier, c, aggregatesAndOperators, new HashMap<>())).hasSize(3)
                    .extracting(Applied::outcome).containsOnly(Outcome.UNCHANGED);
        }
        assertThat(first).extracting(Applied::outcome).as(first.stream().map(Applied::summary).toList().toString())
                .containsOnly(Outcome.CREATED);
        // The shell of >>> that <<<'s COMMUTATOR made is not taken for the operator: >>> is created over it.
        assertThat(summary(first, Stats.ABOVE)).startsWith("operator stats.>>>(numeric, numeric): created");
        // The view is run again (CREATE OR REPLACE, no change): the sink reads views back unpretty, the source pretty.
        assertThat(again.stream().filter(a -> a.ref().kind() != ObjectKind.VIEW)).extracting(Applied::outcome)
                .as(again.stream().map(Applied::summary).toList().toString()).containsOnly(Outcome.UNCHANGED);

        sql(pg, destination, "INSERT INTO stats.readings VALUES (1, 1, 20), (2, 5, 100)");
        assertThatThrownBy(() -> sql(pg, destination, "INSERT INTO stats.readings VALUES (3, 50, 55)"))
                .hasMessageContaining("spread");
        assertThat(scalar(pg, destination, "SELECT high_norm || '/' || n FROM stats.norms")).isEqualTo("101.980390/2");
        assertThat(scalar(pg, destination, "SELECT count(*) FROM stats.readings WHERE 100::numeric OPERATOR(stats.>>>) low")).isEqualTo("2");
    }

    /**
     * An aggregate's or operator's statement is built from the catalog, so the sink runs only one that creates the very
     * object its record names: a topic writer cannot smuggle another statement under either kind, nor a postfix
     * operator onto a server without them.
     */
    @Test
    void anAggregateOrOperatorRecordWhoseStatementCreatesSomethingElseIsNotRun() throws Exception {
        String destination = database("defhostile");
        sql(pg, destination, "CREATE SCHEMA stats", "CREATE ROLE defhostile_victim NOLOGIN");
        List<Definition> hostile = List.of(
                Definition.ofStatements(new ObjectRef(ObjectKind.OPERATOR, "stats", "<<<(numeric, numeric)"), List.of(),
                        List.of("ALTER ROLE defhostile_victim SUPERUSER")),
                Definition.ofStatements(new ObjectRef(ObjectKind.AGGREGATE, "stats", "norm(numeric)"), List.of(),
                        List.of("CREATE AGGREGATE \"stats\".\"other\"(numeric) (SFUNC = numeric_add, STYPE = numeric)")),
                Definition.ofStatements(new ObjectRef(ObjectKind.OPERATOR, "stats", "plus(numeric, numeric)"), List.of(),
                        List.of("CREATE OPERATOR \"stats\".plus (FUNCTION = numeric_add, LEFTARG = numeric, RIGHTARG = numeric)")),
                Definition.ofStatements(new ObjectRef(ObjectKind.OPERATOR, "stats", "!!!(numeric, NONE)"), List.of(),
                        List.of("CREATE OPERATOR \"stats\".!!! (FUNCTION = pg_catalog.numeric_fac, LEFTARG = numeric)")));
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.IGNORE);
            for (Definition d : hostile.subList(0, 3)) {
                Applied applied = applier.apply(c, d);
                assertThat(applied.outcome()).as(applied.summary()).isEqualTo(Outcome.SKIPPED);
                assertThat(applied.summary()).contains("does not create the " + d.ref().kind().label() + " its record names");
            }
            if (c.getMetaData().getDatabaseMajorVersion() >= 14) {
                Applied postfix = applier.apply(c, hostile.get(3));
                assertThat(postfix.outcome()).isEqualTo(Outcome.SKIPPED);
                assertThat(postfix.summary()).contains("PostgreSQL 14 and later have no postfix operators");
            }
        }
        assertThat(scalar(pg, destination, "SELECT rolsuper FROM pg_roles WHERE rolname = 'defhostile_victim'")).isEqualTo("f");
        assertThat(scalar(pg, destination, "SELECT count(*) FROM pg_proc WHERE proname = 'other'")).isEqualTo("0");
        sql(pg, destination, "DROP ROLE defhostile_victim");
    }

    @Test
    void anAggregateOfTheDestinationsOwnThatDiffersStopsUnderFailAndIsLeftAsItIsUnderIgnore() throws Exception {
        String destination = database("defownagg");
        sql(pg, destination, "CREATE SCHEMA stats",
                "CREATE FUNCTION stats.add_square(state numeric, x numeric) RETURNS numeric LANGUAGE plpgsql IMMUTABLE "
                        + "AS $$BEGIN RETURN state + x * x; END$$",
                "CREATE AGGREGATE stats.norm(numeric) (SFUNC = stats.add_square, STYPE = numeric, INITCOND = '1')");
        Definition norm = Stats.definitions().stream().filter(d -> d.ref().equals(Stats.NORM)).findFirst().orElseThrow();
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier fail = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            assertThatThrownBy(() -> fail.apply(c, norm)).isInstanceOf(DefinitionException.class)
                    .hasMessage("aggregate stats.norm(numeric) already exists at the destination, differs from the source's, "
                            + "and the sink has applied no definition of it (table.conflict.mode=fail); drop it (or make it "
                            + "the same), or set table.conflict.mode=ignore to leave it as it is");
            DefinitionApplier ignore = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.IGNORE);
            Applied applied = ignore.apply(c, norm);
            assertThat(applied.outcome()).isEqualTo(Outcome.SKIPPED);
            assertThat(applied.summary()).contains("exists at the destination with another definition, which is left as it is "
                    + "(aggregates cannot be replaced in place); to take the source's, drop it at the destination (with what "
                    + "uses it) and the sink creates it again: CREATE AGGREGATE \"stats\".\"norm\"(numeric)");
        }
        assertThat(scalar(pg, destination, "SELECT agginitval FROM pg_aggregate WHERE aggfnoid = 'stats.norm(numeric)'::regprocedure"))
                .isEqualTo("1");
    }

    @Test
    void columnsAreReconciledAndATypeChangeTheValuesRefuseStopsWithWhatToDo() throws Exception {
        String destination = database("defreconcile");
        ObjectRef ref = new ObjectRef(ObjectKind.TABLE, "public", "items");
        Definition v1 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("name", "text", false, null, null, null),
                new ColumnShape("qty", "integer", false, "1", null, null),
                new ColumnShape("old", "text", false, null, null, null),
                new ColumnShape("code", "text", false, null, null, null)),
                List.of("id"), List.of(), null, null));
        Definition v2 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("name", "text", true, "'none'::text", null, null),
                new ColumnShape("qty", "bigint", true, null, null, null),
                new ColumnShape("code", "text", false, null, null, null),
                new ColumnShape("added", "numeric(5,1)", true, "0", null, null),
                new ColumnShape("later", "date", true, null, null, null)),
                List.of("id"), List.of(new ConstraintShape("items_qty_check", "CHECK", "CHECK ((qty > 0))")), null, null));
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            assertThat(applier.apply(c, v1).outcome()).isEqualTo(Outcome.CREATED);
            sql(pg, destination, "INSERT INTO items (id, name, qty, old, code) VALUES (1, 'a', 5, 'x', '12'), (2, NULL, 7, 'y', 'z')");
            Applied applied = applier.apply(c, v2, AppliedDefinitions.of(v1));
            assertThat(applied.outcome()).isEqualTo(Outcome.CHANGED);
            assertThat(applied.statements()).containsExactly(
                    "ALTER TABLE \"public\".\"items\" DROP COLUMN \"old\"",
                    "ALTER TABLE \"public\".\"items\" ALTER COLUMN \"name\" SET DEFAULT 'none'::text",
                    "ALTER TABLE \"public\".\"items\" ALTER COLUMN \"qty\" DROP DEFAULT",
                    "ALTER TABLE \"public\".\"items\" ALTER COLUMN \"qty\" TYPE bigint USING \"qty\"::bigint",
                    "ALTER TABLE \"public\".\"items\" ALTER COLUMN \"qty\" SET NOT NULL",
                    "ALTER TABLE \"public\".\"items\" ADD COLUMN \"added\" numeric(5,1) DEFAULT 0 NOT NULL",
                    "ALTER TABLE \"public\".\"items\" ADD COLUMN \"later\" date",
                    "ALTER TABLE \"public\".\"items\" ADD CONSTRAINT \"items_qty_check\" CHECK ((qty > 0))");
            // Row 2 has no name and no row has a date yet: those NOT NULLs wait, the rest holds.
            assertThat(applied.skipped()).extracting(Applied.Skip::what)
                    .containsExactly("NOT NULL of column name", "NOT NULL of column later");
            assertThat(applied.skipped().get(0).reason()).contains("column \"name\"", "23502");
            assertThat(applier.apply(c, v2, AppliedDefinitions.of(v2)).statements()).as("the NOT NULLs are tried again, nothing else")
                    .isEmpty();

            Definition v3 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                    new ColumnShape("id", "integer", true, null, null, null),
                    new ColumnShape("code", "integer", false, null, null, null)),
                    List.of("id"), List.of(), null, null));
            assertThatThrownBy(() -> applier.apply(c, v3, AppliedDefinitions.of(v2)))
                    .isInstanceOf(DefinitionException.class)
                    .hasMessageStartingWith("Column code of destination table public.items is text and the source's "
                            + "definition makes it integer. Change the column at the destination yourself (ALTER TABLE "
                            + "\"public\".\"items\" ALTER COLUMN \"code\" TYPE integer USING <expression>, dropping what "
                            + "depends on it first) and the sink goes on. The destination refused it: ERROR: invalid input "
                            + "syntax for type integer: \"z\"");
        }
        // Nothing of the refused definition stayed.
        assertThat(scalar(pg, destination, "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod) || ':' "
                + "|| attnotnull || ':' || coalesce(pg_get_expr(adbin, adrelid), '-'), ',' ORDER BY attnum) FROM pg_attribute "
                + "LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum WHERE attrelid = 'items'::regclass AND attnum > 0 "
                + "AND NOT attisdropped"))
                .isEqualTo("id:integer:true:-,name:text:false:'none'::text,qty:bigint:true:-,code:text:false:-,"
                        + "added:numeric(5,1):true:0,later:date:false:-");
    }

    /**
     * A nullable column with a default but no stored value for older rows (added without one and given it after, or with
     * a volatile default that wrote a value per row, which no change carries): the source's older rows hold NULL or
     * values of their own, never the default. Added with the default, every row already at the destination took it.
     */
    @Test
    void aColumnWhoseOlderRowsHoldNoStoredValueIsAddedWithoutFillingThemWithItsDefault() throws Exception {
        String destination = database("defnofill");
        ObjectRef ref = new ObjectRef(ObjectKind.TABLE, "public", "items");
        Definition v1 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null)), List.of("id"), List.of(), null, null));
        Definition v2 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("c", "integer", false, "5", null, null),
                new ColumnShape("at", "timestamp with time zone", false, "clock_timestamp()", null, null),
                new ColumnShape("dom", "public.seven", false, "9", null, null)),
                List.of("id"), List.of(), null, null));
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            assertThat(applier.apply(c, v1).outcome()).isEqualTo(Outcome.CREATED);
            // A domain with a default of its own, which a column added without one would take.
            sql(pg, destination, "INSERT INTO items VALUES (1), (2)", "CREATE DOMAIN public.seven AS integer DEFAULT 7");
            assertThat(applier.apply(c, v2, AppliedDefinitions.of(v1)).outcome()).isEqualTo(Outcome.CHANGED);
        }
        assertThat(scalar(pg, destination, "SELECT count(*) FROM items WHERE c IS NOT NULL OR at IS NOT NULL OR dom IS NOT NULL"))
                .isEqualTo("0");
        // The defaults hold for rows to come.
        sql(pg, destination, "INSERT INTO items (id) VALUES (3)");
        assertThat(scalar(pg, destination, "SELECT c || ':' || (at IS NOT NULL) || ':' || dom FROM items WHERE id = 3"))
                .isEqualTo("5:true:9");
    }

    /**
     * A column dropped at the source that a view at the destination still uses (the source dropped the view with it,
     * CASCADE, or made it again without the column after): the sink failed with the destination's bare error, the same
     * at every restart. It stops saying what to do, and goes on once that is done.
     */
    @Test
    void aDroppedColumnAViewStillUsesStopsWithWhatToDo() throws Exception {
        String destination = database("defdropview");
        ObjectRef ref = new ObjectRef(ObjectKind.TABLE, "public", "items");
        Definition v1 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("b", "text", false, null, null, null)), List.of("id"), List.of(), null, null));
        Definition v2 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null)), List.of("id"), List.of(), null, null));
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            assertThat(applier.apply(c, v1).outcome()).isEqualTo(Outcome.CREATED);
            sql(pg, destination, "CREATE VIEW v AS SELECT id, b FROM items");
            assertThatThrownBy(() -> applier.apply(c, v2, AppliedDefinitions.of(v1)))
                    .isInstanceOf(DefinitionException.class)
                    .hasMessageStartingWith("Column b of destination table public.items is no longer in the source's "
                            + "definition, and objects at the destination depend on it")
                    .hasMessageContaining("ALTER TABLE \"public\".\"items\" DROP COLUMN \"b\" CASCADE")
                    .hasMessageContaining("2BP01");
            sql(pg, destination, "DROP VIEW v");
            assertThat(applier.apply(c, v2, AppliedDefinitions.of(v1)).outcome()).isEqualTo(Outcome.CHANGED);
        }
    }

    @Test
    void sequencesOnlyEverMoveForwardInTheDirectionOfTheirIncrement() throws Exception {
        String destination = database("defseq");
        ObjectRef up = new ObjectRef(ObjectKind.SEQUENCE, "public", "up");
        ObjectRef down = new ObjectRef(ObjectKind.SEQUENCE, "public", "down");
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            assertThat(applier.apply(c, sequence(up, 1, 1, Long.MAX_VALUE, 1, null, false)).outcome()).isEqualTo(Outcome.CREATED);
            assertThat(position(destination, "up")).isEqualTo("1/false");
            assertThat(applier.apply(c, sequence(up, 1, 1, Long.MAX_VALUE, 1, 41L, true)).outcome()).isEqualTo(Outcome.CHANGED);
            assertThat(position(destination, "up")).isEqualTo("41/true");
            // Behind, or the same next value written the other way: nothing moves.
            assertThat(applier.apply(c, sequence(up, 1, 1, Long.MAX_VALUE, 1, 30L, true)).outcome()).isEqualTo(Outcome.UNCHANGED);
            assertThat(applier.apply(c, sequence(up, 1, 1, Long.MAX_VALUE, 1, 42L, false)).outcome()).isEqualTo(Outcome.UNCHANGED);
            assertThat(position(destination, "up")).isEqualTo("41/true");
            sql(pg, destination, "SELECT nextval('up')", "SELECT nextval('up')");
            assertThat(applier.apply(c, sequence(up, 1, 1, Long.MAX_VALUE, 1, 42L, true)).outcome()).isEqualTo(Outcome.UNCHANGED);
            assertThat(position(destination, "up")).isEqualTo("43/true");

            Definition fresh = sequence(down, -1, Long.MIN_VALUE, -1, -1, null, false);
            assertThat(applier.apply(c, fresh).outcome()).isEqualTo(Outcome.CREATED);
            assertThat(applier.apply(c, sequence(down, -1, Long.MIN_VALUE, -1, -1, -50L, true)).statements())
                    .containsExactly("SELECT setval('\"public\".\"down\"', -50, true)");
            assertThat(applier.apply(c, sequence(down, -1, Long.MIN_VALUE, -1, -1, -10L, true)).outcome())
                    .isEqualTo(Outcome.UNCHANGED);
            assertThat(position(destination, "down")).isEqualTo("-50/true");
            assertThat(applier.apply(c, sequence(down, -1, Long.MIN_VALUE, -1, -1, -51L, false)).outcome())
                    .as("-51 not handed out yet is the next value after -50: no move").isEqualTo(Outcome.UNCHANGED);
            // At the end of its range: no overflow in the comparison.
            assertThat(applier.apply(c, sequence(down, -1, Long.MIN_VALUE, -1, -1, Long.MIN_VALUE, true)).outcome())
                    .isEqualTo(Outcome.CHANGED);
            assertThat(position(destination, "down")).isEqualTo(Long.MIN_VALUE + "/true");

            // Parameters follow the source's; the position stays.
            Applied altered = applier.apply(c, sequence(up, 10, 1, Long.MAX_VALUE, 1, 30L, true));
            assertThat(altered.statements()).containsExactly("ALTER SEQUENCE \"public\".\"up\" AS bigint INCREMENT BY 10 "
                    + "MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1 NO CYCLE");
            assertThat(position(destination, "up")).isEqualTo("43/true");
        }
    }

    @Test
    void anIdentitySequenceTheDestinationNamedOtherwiseGetsTheSourcesNameAndPosition() throws Exception {
        String destination = database("defidentity");
        ObjectRef t = new ObjectRef(ObjectKind.TABLE, "public", "t");
        Definition table = Definition.ofTable(t, List.of(), new TableShape(List.of(
                new ColumnShape("id", "bigint", true, null, "ALWAYS", null)), List.of("id"), List.of(), null, null));
        Definition sequence = Definition.ofSequence(new ObjectRef(ObjectKind.SEQUENCE, "public", "t_id_seq"), List.of(t),
                new SequenceShape("bigint", 1, 1, 1, Long.MAX_VALUE, 1, false, "\"public\".\"t\".\"id\"", 41L, true));
        // Its default name taken when the table was made (another object of that name, gone since).
        sql(pg, destination, "CREATE SEQUENCE t_id_seq");
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.KEEP, SinkConfig.ConflictMode.FAIL);
            applier.apply(c, table);
            sql(pg, destination, "DROP SEQUENCE t_id_seq");
            assertThat(scalar(pg, destination, "SELECT pg_get_serial_sequence('t', 'id')")).isEqualTo("public.t_id_seq1");
            Applied applied = applier.apply(c, sequence);
            assertThat(applied.statements()).containsExactly("ALTER SEQUENCE \"public\".\"t_id_seq1\" RENAME TO \"t_id_seq\"",
                    "SELECT setval('\"public\".\"t_id_seq\"', 41, true)");
            assertThat(applier.apply(c, sequence).outcome()).isEqualTo(Outcome.UNCHANGED);
        }
        assertThat(scalar(pg, destination, "SELECT pg_get_serial_sequence('t', 'id')")).isEqualTo("public.t_id_seq");
        assertThat(position(destination, "t_id_seq")).isEqualTo("41/true");
        sql(pg, destination, "INSERT INTO t DEFAULT VALUES");
        assertThat(scalar(pg, destination, "SELECT max(id) FROM t")).isEqualTo("42");
    }

    @Test
    void withNameCaseLowerWhatNamesRenamedColumnsIsLeftOutAndTheRestIsCreated() throws Exception {
        String destination = database("deflower");
        ObjectRef items = new ObjectRef(ObjectKind.TABLE, "public", "Items");
        try (Connection c = pg.connect(destination)) {
            DefinitionApplier applier = applier(c, NameCase.LOWER, SinkConfig.ConflictMode.FAIL);
            Applied applied = applier.apply(c, Definition.ofTable(items, List.of(), DefinitionGolden.MIXED_CASE));
            assertThat(applied.destination()).isEqualTo("public.items");
            assertThat(applied.skipped()).extracting(Applied.Skip::what).containsExactly("generation of column net",
                    "default of column gross", "check constraint Items_Price_check");
            Applied view = applier.apply(c, Definition.ofStatements(new ObjectRef(ObjectKind.VIEW, "public", "v"), List.of(items),
                    List.of("CREATE VIEW public.v AS SELECT 1 AS one")));
            assertThat(view.outcome()).isEqualTo(Outcome.SKIPPED);
            assertThat(view.summary()).contains("it depends on table public.Items, which the sink names public.items");
        }
        assertThat(scalar(pg, destination, "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint "
                + "WHERE conrelid = 'public.items'::regclass")).isEqualTo("Items_code_key,items_code_check,items_pkey");
    }

    private static Definition sequence(ObjectRef ref, long increment, long min, long max, long start, Long last, boolean called) {
        return Definition.ofSequence(ref, List.of(), new SequenceShape("bigint", start, increment, min, max, 1, false, null,
                last, called));
    }

    private static String position(String db, String sequence) throws SQLException {
        return scalar(pg, db, "SELECT last_value || '/' || is_called FROM " + sequence);
    }

    private static List<Applied> applyAll(DefinitionApplier applier, Connection c, List<Definition> definitions,
                                          Map<ObjectRef, Definition> applied) throws SQLException {
        List<Applied> out = new ArrayList<>();
        for (Definition d : definitions) {
            out.add(applier.apply(c, d, AppliedDefinitions.of(applied.get(d.ref()))));
            applied.put(d.ref(), d);
        }
        return out;
    }

    private static Outcome outcome(List<Applied> results, ObjectRef ref) {
        return results.stream().filter(a -> a.ref().equals(ref)).findFirst().orElseThrow().outcome();
    }

    private static String summary(List<Applied> results, ObjectRef ref) {
        return results.stream().filter(a -> a.ref().equals(ref)).findFirst().orElseThrow().summary();
    }

    /** {@code pg_dump --schema-only} of schema sales, without owners and privileges. */
    private static String dump(String db) throws IOException, InterruptedException {
        Path pgDump = pgDump();
        List<String> command = List.of(pgDump.toString(), "--schema-only", "--no-owner", "--no-privileges", "--schema=sales",
                "-h", pg.host(), "-p", Integer.toString(pg.port()), "-U", pg.user(), "-d", db);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (pg.password() != null) {
            builder.environment().put("PGPASSWORD", pg.password());
        }
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        // pg_dump 15.14+ brackets the script with a random \restrict key: not part of the schema.
        return out.lines().filter(l -> !l.startsWith("\\restrict ") && !l.startsWith("\\unrestrict "))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    private static Path pgDump() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        assumeTrue(Files.isDirectory(root), "no PostgreSQL installation under /usr/lib/postgresql for pg_dump");
        try (Stream<Path> versions = Files.list(root)) {
            Optional<Path> newest = versions.map(v -> v.resolve("bin/pg_dump")).filter(Files::isExecutable)
                    .max(Comparator.comparing(p -> Integer.parseInt(p.getParent().getParent().getFileName().toString())));
            assumeTrue(newest.isPresent(), "no pg_dump under /usr/lib/postgresql");
            return newest.get();
        }
    }
}
