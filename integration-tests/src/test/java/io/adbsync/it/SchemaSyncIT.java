package io.adbsync.it;

import io.adbsync.stack.connect.ConnectRestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An application schema (not just tables) replicated into an empty destination through the schema channel: the
 * source's defaults and the sink's schema.sync=all are all it takes; no DDL and no setval by hand.
 */
class SchemaSyncIT extends WithLocalStack {

    /** Each query returns one text describing objects of the test schema; source and destination must read the same. */
    private static final List<String> SAME_AT_BOTH = List.of(
            // Columns: names, exact types, NOT NULL, defaults, identity (ALWAYS becomes BY DEFAULT: the sink writes the
            // source's values) and generated expressions.
            "SELECT string_agg(c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull"
                    + " || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') || ' ' || (a.attidentity <> '')::text || ' ' || a.attgenerated::text, E'\\n'"
                    + " ORDER BY c.relname, a.attnum) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                    + " WHERE n.nspname = 'shop' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
            // Primary keys, CHECK and FOREIGN KEY constraints as written (UNIQUE is compared below: it becomes deferrable).
            "SELECT string_agg(c.conrelid::regclass || ' ' || pg_get_constraintdef(c.oid), E'\\n'"
                    + " ORDER BY c.conrelid::regclass::text, pg_get_constraintdef(c.oid))"
                    + " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
                    + " WHERE n.nspname = 'shop' AND c.contype IN ('p', 'c', 'f')",
            "SELECT string_agg(pg_get_indexdef(i.indexrelid), E'\\n' ORDER BY pg_get_indexdef(i.indexrelid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop'"
                    + " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            "SELECT string_agg(t.typname || ' ' || e.enumlabel, ',' ORDER BY t.typname, e.enumsortorder) FROM pg_enum e"
                    + " JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'shop'",
            "SELECT string_agg(t.typname || ' ' || format_type(t.typbasetype, t.typtypmod) || ' '"
                    + " || coalesce((SELECT string_agg(pg_get_constraintdef(c.oid), ' ') FROM pg_constraint c WHERE c.contypid = t.oid), ''), ','"
                    + " ORDER BY t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'shop' AND t.typtype = 'd'",
            "SELECT string_agg(t.typname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY t.typname, a.attnum)"
                    + " FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid JOIN pg_attribute a ON a.attrelid = c.oid"
                    + " JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'shop' AND c.relkind = 'c' AND a.attnum > 0",
            "SELECT string_agg(t.typname || ' ' || format_type(r.rngsubtype, NULL), ',' ORDER BY t.typname) FROM pg_range r"
                    + " JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'shop'",
            "SELECT string_agg(pg_get_functiondef(p.oid), E'\\n' ORDER BY p.proname) FROM pg_proc p"
                    + " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'shop'",
            "SELECT string_agg(c.relname || ' ' || pg_get_viewdef(c.oid, true), E'\\n' ORDER BY c.relname) FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop' AND c.relkind = 'v'");

    @Test
    void anApplicationSchemaArrivesWholeWithItsSequencesAheadAndNewTablesAndChangesFollow() throws Exception {
        String src = postgres.createDatabase("ss_src");
        String dst = postgres.createDatabase("ss_dst");
        sql(postgres, src,
                "CREATE SCHEMA shop",
                "CREATE TYPE shop.status AS ENUM ('new', 'paid', 'done')",
                "CREATE DOMAIN shop.price AS numeric(12,2) CHECK (VALUE >= 0)",
                "CREATE TYPE shop.address AS (street text, city text)",
                "CREATE TYPE shop.floatrange AS RANGE (subtype = float8)",
                "CREATE SEQUENCE shop.invoice_no START 1000 INCREMENT 10",
                """
                CREATE FUNCTION shop.next_code() RETURNS text LANGUAGE plpgsql AS $$
                BEGIN
                  RETURN 'C-' || nextval('shop.invoice_no');
                END $$""",
                "CREATE FUNCTION shop.is_positive(numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0'",
                "CREATE TABLE shop.customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, addr shop.address, "
                        + "created timestamptz NOT NULL DEFAULT now())",
                "CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                        + "customer_id int NOT NULL REFERENCES shop.customers (id), status shop.status NOT NULL DEFAULT 'new', "
                        + "total shop.price, code text DEFAULT shop.next_code(), during shop.floatrange, "
                        + "CONSTRAINT total_positive CHECK (shop.is_positive(total)))",
                "CREATE INDEX orders_open ON shop.orders (customer_id) WHERE status <> 'done'",
                "CREATE INDEX customers_email_lower ON shop.customers (lower(email))",
                "CREATE VIEW shop.open_orders AS SELECT id, customer_id FROM shop.orders WHERE status <> 'done'",
                "INSERT INTO shop.customers (email, addr) SELECT 'c' || g || '@example.com', ROW('Main St ' || g, 'Town')::shop.address "
                        + "FROM generate_series(1, 50) g",
                "INSERT INTO shop.orders (customer_id, total, during) SELECT 1 + g % 50, g * 1.5, '[1.5,2.5)' FROM generate_series(1, 200) g");

        ConnectRestClient rest = deployPair(src, dst, "ss", Map.of("schema.refresh.interval.ms", "1000"),
                // Three tasks: the one that reads the schema topic applies the definitions; the others wait for them.
                Map.of("topics.regex", "ss\\..*", "schema.sync", "all", "tasks.max", "3"));

        sql(postgres, src,
                "UPDATE shop.orders SET status = 'paid' WHERE id % 3 = 0",
                "DELETE FROM shop.orders WHERE id % 7 = 0",
                "INSERT INTO shop.customers (email) VALUES ('late@example.com')");
        awaitEqual(src, dst, "shop.customers", "shop.orders");
        for (String query : SAME_AT_BOTH) {
            assertThat(scalar(postgres, dst, query)).as(query).isEqualTo(scalar(postgres, src, query));
        }
        assertThat(scalar(postgres, dst, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'customers_email_key'"))
                .isEqualTo("UNIQUE (email) DEFERRABLE INITIALLY DEFERRED");
        awaitSequencesAhead(src, dst);

        // Changed mid-stream: a new type and a new table using it, a column with a check, an index, sequence use alone.
        sql(postgres, src,
                "CREATE TYPE shop.tier AS ENUM ('bronze', 'gold')",
                "CREATE TABLE shop.loyalty (customer_id int PRIMARY KEY REFERENCES shop.customers (id), tier shop.tier NOT NULL)",
                "INSERT INTO shop.loyalty SELECT id, CASE WHEN id % 2 = 0 THEN 'gold' ELSE 'bronze' END::shop.tier FROM shop.customers",
                "ALTER TABLE shop.orders ADD COLUMN note text CHECK (length(note) < 100)",
                "UPDATE shop.orders SET note = 'n' || id WHERE id < 20",
                "CREATE INDEX orders_note ON shop.orders (note)",
                "SELECT nextval('shop.invoice_no') FROM generate_series(1, 25)");
        awaitEqual(src, dst, "shop.customers", "shop.orders", "shop.loyalty");
        Awaitility.await("index and sequence follow").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    for (String query : SAME_AT_BOTH) {
                        assertThat(scalar(postgres, dst, query)).as(query).isEqualTo(scalar(postgres, src, query));
                    }
                });
        awaitSequencesAhead(src, dst);
        rest.remove("ss-sink");
        rest.remove("ss-source");
    }

    /**
     * A user-defined aggregate a view uses and an operator (with its commutator) a CHECK uses travel source → schema
     * topic → sink: at the destination the view gives the source's results and the CHECK refuses what the source's does.
     */
    @Test
    void aggregatesAndOperatorsArriveAndTheDestinationsViewAndCheckWorkAsTheSources() throws Exception {
        String src = postgres.createDatabase("ssa_src");
        String dst = postgres.createDatabase("ssa_dst");
        sql(postgres, src,
                "CREATE SCHEMA stats",
                "CREATE FUNCTION stats.add_square(state numeric, x numeric) RETURNS numeric LANGUAGE plpgsql IMMUTABLE "
                        + "AS $$BEGIN RETURN state + x * x; END$$",
                "CREATE FUNCTION stats.root(state numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$SELECT round(sqrt(state), 6)$$",
                "CREATE AGGREGATE stats.norm(numeric) (SFUNC = stats.add_square, STYPE = numeric, FINALFUNC = stats.root, "
                        + "INITCOND = '0', PARALLEL = SAFE)",
                "CREATE FUNCTION stats.well_below(a numeric, b numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT a < b - 10$$",
                "CREATE FUNCTION stats.well_above(a numeric, b numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$SELECT a > b + 10$$",
                "CREATE OPERATOR stats.<<< (FUNCTION = stats.well_below, LEFTARG = numeric, RIGHTARG = numeric, "
                        + "COMMUTATOR = OPERATOR(stats.>>>), RESTRICT = scalarltsel, JOIN = scalarltjoinsel)",
                "CREATE OPERATOR stats.>>> (FUNCTION = stats.well_above, LEFTARG = numeric, RIGHTARG = numeric, "
                        + "RESTRICT = scalargtsel, JOIN = scalargtjoinsel)",
                "CREATE TABLE stats.readings (id integer PRIMARY KEY, low numeric NOT NULL, high numeric NOT NULL, "
                        + "CONSTRAINT spread CHECK (low OPERATOR(stats.<<<) high))",
                "CREATE VIEW stats.norms AS SELECT stats.norm(high) AS high_norm, stats.norm(low) AS low_norm, count(*) AS n "
                        + "FROM stats.readings",
                "INSERT INTO stats.readings SELECT g, g, g * 20 FROM generate_series(1, 30) g");

        ConnectRestClient rest = deployPair(src, dst, "ssa", Map.of("schema.refresh.interval.ms", "1000"),
                Map.of("topics.regex", "ssa\\..*", "schema.sync", "all"));
        sql(postgres, src, "INSERT INTO stats.readings VALUES (31, 1, 1000)", "DELETE FROM stats.readings WHERE id = 2");
        awaitEqual(src, dst, "stats.readings");

        String view = "SELECT high_norm || '/' || low_norm || '/' || n FROM stats.norms";
        assertThat(scalar(postgres, dst, view)).isEqualTo(scalar(postgres, src, view));
        String constraint = "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'spread'";
        assertThat(scalar(postgres, dst, constraint)).isEqualTo(scalar(postgres, src, constraint))
                .isEqualTo("CHECK ((low OPERATOR(stats.<<<) high))");
        String operators = "SELECT string_agg(o.oprname || ' ' || o.oprcode::text || ' ' || c.oprname || ' ' || o.oprrest::text, ',' "
                + "ORDER BY o.oprname) FROM pg_operator o JOIN pg_operator c ON c.oid = o.oprcom "
                + "WHERE o.oprnamespace = 'stats'::regnamespace";
        assertThat(scalar(postgres, dst, operators)).isEqualTo(scalar(postgres, src, operators));
        String aggregate = "SELECT aggtransfn::text || ' ' || aggfinalfn::text || ' ' || agginitval FROM pg_aggregate "
                + "WHERE aggfnoid = 'stats.norm(numeric)'::regprocedure";
        assertThat(scalar(postgres, dst, aggregate)).isEqualTo(scalar(postgres, src, aggregate));
        for (String db : List.of(src, dst)) {
            assertThatThrownBy(() -> sql(postgres, db, "INSERT INTO stats.readings VALUES (100, 50, 55)"))
                    .as(db).hasMessageContaining("spread");
        }
        rest.remove("ssa-sink");
        rest.remove("ssa-source");
    }

    /**
     * A sink whose records name definitions it has not applied waits for them (its partitions paused), writes once
     * another connector applied them at the same destination, and fails with a message saying where they come from
     * when they never do.
     */
    @Test
    void recordsWaitForTheirDefinitionAndFailWithAMessageWhenItNeverComes() throws Exception {
        String src = postgres.createDatabase("ssw_src");
        String dst = postgres.createDatabase("ssw_dst");
        String lone = postgres.createDatabase("ssw_lone");
        sql(postgres, src, "CREATE TYPE level AS ENUM ('low', 'high')",
                "CREATE TABLE items (id int PRIMARY KEY, lvl level NOT NULL, note text CHECK (note <> ''))",
                "INSERT INTO items SELECT g, 'low', 'n' || g FROM generate_series(1, 100) g");
        // Data only: the schema topic is not among its topics, so nothing it reads creates the table.
        ConnectRestClient rest = deployPair(src, dst, "ssw", Map.of(),
                Map.of("topics.regex", "ssw\\.public\\..*", "schema.sync", "all", "auto.create", "false"));
        Awaitility.await("data partition waiting").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30))
                .until(() -> rows(postgres, dst, "public.items").isEmpty());
        assertThat(rest.status("ssw-sink").get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");

        // Another connector at the same destination reads the schema topic and applies the definitions.
        Map<String, String> schemaOnly = sinkConfigInto(dst, "tasks.max", "1", "topics", "ssw.schema-changes", "schema.sync", "all");
        rest.deploy("ssw-schema", schemaOnly);
        rest.awaitRunning("ssw-schema", 1, Duration.ofSeconds(60));
        sql(postgres, src, "UPDATE items SET lvl = 'high' WHERE id % 2 = 0");
        awaitEqual(src, dst, "public.items");
        assertThat(scalar(postgres, dst, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'public.items'::regclass "
                + "AND contype = 'c'")).isEqualTo("CHECK ((note <> ''::text))");

        // Never applied anywhere: the task fails with where the definition should come from.
        Map<String, String> waiting = sinkConfigInto(lone, "tasks.max", "1", "topics", "ssw.public.items", "schema.sync", "all",
                "schema.sync.wait.ms", "3000");
        rest.deploy("ssw-lone", waiting);
        Awaitility.await("task failed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(rest.status("ssw-lone").get("tasks").get(0).get("state").asText()).isEqualTo("FAILED"));
        assertThat(rest.status("ssw-lone").get("tasks").get(0).get("trace").asText())
                .contains("Records of source table public.items at ssw.public.items-0, offset 0 name definition version")
                .contains("It comes on ssw.schema-changes: make that topic one of this connector's topics");
        assertThat(rows(postgres, lone, "public.items")).isEmpty();
        rest.remove("ssw-lone");
        rest.remove("ssw-schema");
        rest.remove("ssw-sink");
        rest.remove("ssw-source");
    }

    private static void awaitEqual(String src, String dst, String... tables) {
        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    for (String table : tables) {
                        assertThat(rows(postgres, dst, table)).as(table).isEqualTo(rows(postgres, src, table));
                    }
                });
    }

    /** Every sequence of the schema at the destination at or past the source's value: inserts there after a switchover are safe. */
    private static void awaitSequencesAhead(String src, String dst) {
        String positions = "SELECT string_agg(sequencename || '=' || coalesce(last_value::text, '-'), ',' ORDER BY 1) "
                + "FROM pg_sequences WHERE schemaname = 'shop'";
        Awaitility.await("sequences ahead").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    String at = scalar(postgres, src, positions);
                    String there = scalar(postgres, dst, positions);
                    assertThat(there).as("destination sequences " + there + " vs source " + at).isNotNull();
                    for (String entry : at.split(",")) {
                        String[] kv = entry.split("=");
                        String theirs = java.util.Arrays.stream(there.split(",")).filter(e -> e.startsWith(kv[0] + "="))
                                .map(e -> e.substring(kv[0].length() + 1)).findFirst().orElse("missing");
                        if (!kv[1].equals("-")) {
                            assertThat(theirs).as(kv[0]).isNotIn("missing", "-");
                            assertThat(Long.parseLong(theirs)).as(kv[0]).isGreaterThanOrEqualTo(Long.parseLong(kv[1]));
                        }
                    }
                });
    }
}
