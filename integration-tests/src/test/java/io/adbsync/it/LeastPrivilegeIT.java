package io.adbsync.it;

import io.adbsync.stack.connect.ConnectRestClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Source (in each setup.mode) and sink through a Connect worker with roles that have exactly the grants
 * docs/security.md shows: each block is read from the docs and run as written, with this test's names, in databases
 * where PUBLIC's default rights are revoked. Under setup.mode=check the source's role may not run any DDL at all, so
 * a task that tried would fail: that it runs and the data arrives shows it never did.
 */
class LeastPrivilegeIT extends WithLocalStack {

    private static final String SINK = "io.adbsync.sink.AdbPgSinkConnector";
    private static final String PASSWORD = "change-me";
    private static final String PUBLICATION = "adbsync_publication";
    private static final Path SECURITY_DOCS = Path.of("../docs/security.md");
    /** This test JVM's log (config/log4j2-test.xml). */
    private static final Path TEST_LOG = Path.of(System.getProperty("adbsync.test.log", "target/test.log"));
    private static final String SOURCE_TABLES = """
            CREATE SCHEMA app;
            CREATE TABLE app.orders (id int PRIMARY KEY, customer int NOT NULL, note text);
            CREATE TABLE app.customers (id int PRIMARY KEY, name text NOT NULL);
            """;
    private static final List<String> databases = new ArrayList<>();
    private static final List<String> roles = new ArrayList<>();
    private static final List<String> connectors = new ArrayList<>();
    private static int counter;

    /** The names one test gives the docs' roles and databases. */
    private record Names(String src, String dst, String source, String sink, String owner, String prefix) {

        static Names create(String prefix) throws SQLException {
            String unique = ProcessHandle.current().pid() + "_" + ++counter;
            Names names = new Names(postgres.createDatabase(prefix + "_src"), postgres.createDatabase(prefix + "_dst"),
                    "adbsync_source_" + unique, "adbsync_sink_" + unique, "app_owner_" + unique, prefix);
            databases.add(names.src);
            databases.add(names.dst);
            roles.addAll(List.of(names.source, names.sink, names.owner));
            return names;
        }

        /** The docs' block {@code block} with this test's names, for database {@code database}. */
        String docs(String block, String database) throws IOException {
            return docsSql(block).replaceAll("\\badbsync_source\\b", source).replaceAll("\\badbsync_sink\\b", sink)
                    .replaceAll("\\bapp_owner\\b", owner).replaceAll("\\bDATABASE app\\b", "DATABASE \"" + database + "\"");
        }
    }

    /**
     * The SQL block of docs/security.md that follows the marker {@code <!-- LeastPrivilegeIT: name -->}, without its
     * comments, as a list of statements.
     */
    private static String docsSql(String name) throws IOException {
        String docs = Files.readString(SECURITY_DOCS);
        Matcher m = Pattern.compile("<!-- LeastPrivilegeIT: " + Pattern.quote(name) + " -->\\s*```sql\\n(.*?)```", Pattern.DOTALL)
                .matcher(docs);
        assertThat(m.find()).as("docs/security.md has the block " + name).isTrue();
        return m.group(1).replaceAll("--[^\\n]*", "");
    }

    /** Runs a script of ';'-separated statements as the superuser. */
    private static void script(String database, String statements) throws SQLException {
        List<String> each = new ArrayList<>();
        for (String statement : statements.split(";")) {
            if (!statement.isBlank()) {
                each.add(statement.trim());
            }
        }
        sql(postgres, database, each.toArray(String[]::new));
    }

    /** A database where no role but the superuser has any right until granted one. */
    private static void lockDown(String database) throws SQLException {
        sql(postgres, database, "REVOKE ALL ON DATABASE \"" + database + "\" FROM PUBLIC", "REVOKE ALL ON SCHEMA public FROM PUBLIC");
    }

    /** The source database with its tables owned by the owner role, and some rows. */
    private static void sourceTables(Names n) throws SQLException {
        lockDown(n.src);
        script(n.src, "CREATE ROLE " + n.owner + " NOLOGIN;" + SOURCE_TABLES
                + "GRANT USAGE, CREATE ON SCHEMA app TO " + n.owner + ";"
                + "ALTER TABLE app.orders OWNER TO " + n.owner + ";"
                + "ALTER TABLE app.customers OWNER TO " + n.owner + ";"
                + "INSERT INTO app.customers SELECT g, 'customer ' || g FROM generate_series(1, 5) g;"
                + "INSERT INTO app.orders SELECT g, g % 5 + 1, 'first ' || g FROM generate_series(1, 40) g;");
    }

    /** The destination database with its schemas, an administrator's, and the sink's role as the docs grant it. */
    private static void sinkRole(Names n, String extraDdl) throws Exception {
        lockDown(n.dst);
        script(n.dst, "CREATE SCHEMA app; CREATE SCHEMA adbsync;" + extraDdl);
        script(n.dst, n.docs("sink", n.dst));
    }

    private static Map<String, String> sourceConfig(Names n, String setupMode) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", SOURCE);
        config.put("connection.url", postgres.jdbcUrl(n.src));
        config.put("connection.user", n.source);
        config.put("connection.password", PASSWORD);
        config.put("topic.prefix", n.prefix);
        config.put("slot.name", n.prefix + "_" + n.source.substring("adbsync_source_".length()));
        config.put("table.include.list", "app\\..*");
        config.put("setup.mode", setupMode);
        config.put("replica.identity.full", "true");
        config.put("heartbeat.interval.ms", "1000");
        return config;
    }

    private static Map<String, String> sinkConfig(Names n) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", SINK);
        config.put("tasks.max", "1");
        config.put("connection.url", postgres.jdbcUrl(n.dst));
        config.put("connection.user", n.sink);
        config.put("connection.password", PASSWORD);
        config.put("topics.regex", n.prefix + "\\.app\\..*");
        config.put("exactly.once.offsets.table", "adbsync.offsets");
        // A regex subscription sees topics created later only at its next metadata refresh (5 minutes by default).
        config.put("consumer.override.metadata.max.age.ms", "500");
        return config;
    }

    private static void deploy(ConnectRestClient rest, String name, Map<String, String> config) {
        connectors.add(name);
        rest.deploy(name, config);
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
    }

    private static void awaitEqual(Names n, String... tables) {
        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    for (String table : tables) {
                        assertThat(rows(postgres, n.dst, table)).as(table).isNotEmpty().isEqualTo(rows(postgres, n.src, table));
                    }
                });
    }

    private static void changeRows(Names n) throws SQLException {
        sql(postgres, n.src, "UPDATE app.orders SET note = repeat('long note ', 500) WHERE id % 4 = 0",
                "UPDATE app.orders SET customer = 2 WHERE id % 7 = 0", "DELETE FROM app.orders WHERE id % 9 = 0",
                "INSERT INTO app.orders SELECT g, 3, 'later ' || g FROM generate_series(41, 60) g",
                "UPDATE app.customers SET name = 'renamed' WHERE id = 2");
    }

    /** A table created by its owner while the connectors stream. */
    private static void createLateTable(Names n) throws SQLException {
        sql(postgres, n.src, "SET ROLE " + n.owner, "CREATE TABLE app.late (id int PRIMARY KEY, v text)",
                "INSERT INTO app.late SELECT g, 'late ' || g FROM generate_series(1, 10) g", "RESET ROLE");
    }

    private static String taskTrace(ConnectRestClient rest, String name) {
        return Awaitility.await("task of " + name + " FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status(name).get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText())
                            ? tasks.get(0).get("trace").asText() : null;
                }, t -> t != null);
    }

    /** The statements a message tells the administrator to run (everything after "superuser): "). */
    private static String statementsIn(String message) {
        int at = message.indexOf("superuser): ");
        assertThat(at).as(message).isPositive();
        return message.substring(at + "superuser): ".length());
    }

    private static long logLinesWith(String text) throws IOException {
        try (var lines = Files.lines(TEST_LOG)) {
            return lines.filter(line -> line.contains(text)).count();
        }
    }

    @Test
    void createModeSourceAndSinkWorkWithTheDocumentedGrants() throws Exception {
        Names n = Names.create("lp_create");
        sourceTables(n);
        script(n.src, n.docs("source-create", n.src));
        sinkRole(n, "");
        ConnectRestClient rest = stack.connect().rest();

        deploy(rest, "lp-create-source", sourceConfig(n, "create"));
        deploy(rest, "lp-create-sink", sinkConfig(n));
        awaitSlotActive(n.src, sourceConfig(n, "create").get("slot.name"));
        changeRows(n);
        createLateTable(n);
        awaitEqual(n, "app.orders", "app.customers", "app.late");

        // The role made all of it, as the owner of the tables: the publication, the heartbeat table, the identities.
        assertThat(scalar(postgres, n.src, "SELECT pubowner::regrole::text FROM pg_publication WHERE pubname = '" + PUBLICATION + "'"))
                .isEqualTo(n.source);
        assertThat(scalar(postgres, n.src, "SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY schemaname, tablename) "
                + "FROM pg_publication_tables WHERE pubname = '" + PUBLICATION + "'"))
                .isEqualTo("app.customers,app.late,app.orders,public.adbsync_heartbeat");
        assertThat(scalar(postgres, n.src, "SELECT string_agg(relreplident::text, '') FROM pg_class WHERE oid IN "
                + "('app.orders'::regclass, 'app.customers'::regclass, 'app.late'::regclass)")).isEqualTo("fff");
        assertThat(scalar(postgres, n.dst, "SELECT string_agg(tableowner, ',') FROM pg_tables WHERE schemaname IN ('app', 'adbsync')"))
                .isEqualTo(String.join(",", List.of(n.sink, n.sink, n.sink, n.sink)));
        rest.remove("lp-create-sink");
        rest.remove("lp-create-source");
    }

    @Test
    void checkModeRunsNoDdlAndPicksUpATableOnceAnAdministratorPublishedIt() throws Exception {
        Names n = Names.create("lp_check");
        sourceTables(n);
        script(n.src, n.docs("source-check-objects", n.src));
        script(n.src, n.docs("source-check-role", n.src));
        // Tables an administrator made at the destination: the sink writes them with its table grants alone.
        sinkRole(n, SOURCE_TABLES.replace("CREATE SCHEMA app;", ""));
        // Any DDL would fail for this role: it owns nothing and may create nothing, anywhere.
        assertThat(scalar(postgres, n.src, "SELECT has_database_privilege('" + n.source + "', current_database(), 'CREATE') "
                + "OR has_schema_privilege('" + n.source + "', 'app', 'CREATE') OR has_schema_privilege('" + n.source
                + "', 'public', 'CREATE') OR pg_has_role('" + n.source + "', '" + n.owner + "', 'USAGE') "
                + "OR EXISTS (SELECT 1 FROM pg_class WHERE relowner = '" + n.source + "'::regrole)")).isEqualTo("f");
        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(n, "check");
        assertThat(rest.validate(SOURCE, source)).isEmpty();
        // The sink's validate() checks the same grants on the tables of listed topics, and names a missing one.
        Map<String, String> listed = sinkConfig(n);
        listed.remove("topics.regex");
        listed.put("topics", n.prefix + ".app.orders," + n.prefix + ".app.customers");
        assertThat(rest.validate(SINK, listed)).isEmpty();
        sql(postgres, n.dst, "REVOKE SELECT ON app.orders FROM " + n.sink, "REVOKE TEMPORARY ON DATABASE \"" + n.dst + "\" FROM " + n.sink);
        Map<String, List<String>> sinkErrors = rest.validate(SINK, listed);
        assertThat(sinkErrors).containsOnlyKeys("connection.user");
        assertThat(sinkErrors.get("connection.user")).hasSize(2)
                .anySatisfy(e -> assertThat(e).isEqualTo("User " + n.sink + " may not create temporary tables, which hold each "
                        + "batch before it is merged; run GRANT TEMPORARY ON DATABASE \"" + n.dst + "\" TO \"" + n.sink + "\""))
                .anySatisfy(e -> assertThat(e).startsWith("User " + n.sink + " lacks SELECT on destination table ").contains("orders"));
        sql(postgres, n.dst, "GRANT SELECT ON app.orders TO " + n.sink, "GRANT TEMPORARY ON DATABASE \"" + n.dst + "\" TO " + n.sink);

        deploy(rest, "lp-check-source", source);
        deploy(rest, "lp-check-sink", sinkConfig(n));
        awaitSlotActive(n.src, source.get("slot.name"));
        changeRows(n);
        awaitEqual(n, "app.orders", "app.customers");

        createLateTable(n);
        String publish = "ALTER PUBLICATION \"" + PUBLICATION + "\" ADD TABLE \"app\".\"late\";";
        String identity = "ALTER TABLE \"app\".\"late\" REPLICA IDENTITY FULL;";
        String warning = "Table app.late matches table.include.list and is new to the connector, but setup.mode=check";
        Awaitility.await("warning naming the SQL").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> logLinesWith(warning) > 0);
        // Two more looks for new tables (every 3 s) find it still unpublished: the warning is not repeated.
        Thread.sleep(7_000);
        assertThat(logLinesWith(warning)).isEqualTo(1);
        String line;
        try (var lines = Files.lines(TEST_LOG)) {
            line = lines.filter(l -> l.contains(warning)).findFirst().orElseThrow();
        }
        // One transaction that locks the table first: a writer open across the publication change would have its
        // changes decoded as unpublished for good on servers without PostgreSQL's fix of May 2025.
        String transaction = "BEGIN; SET LOCAL lock_timeout = '5s'; LOCK TABLE \"app\".\"late\" IN SHARE ROW EXCLUSIVE MODE; "
                + identity + " " + publish + " COMMIT;";
        assertThat(line).contains("WARN").contains(transaction);
        assertThat(rows(postgres, n.dst, "app.late")).isEmpty();
        rest.checkNotFailed("lp-check-source");

        // The administrator runs what the warning says; the table is copied, and its changes streamed, from then on.
        script(n.src, line.substring(line.indexOf(transaction), line.indexOf(transaction) + transaction.length()));
        sql(postgres, n.src, "INSERT INTO app.late VALUES (11, 'after publishing')", "UPDATE app.late SET v = 'changed' WHERE id = 3");
        awaitEqual(n, "app.orders", "app.customers", "app.late");
        assertThat(rows(postgres, n.dst, "app.late")).hasSize(11);
        // Nothing at the source is the role's: it made no object, and the publication lists what the administrator put in it.
        assertThat(scalar(postgres, n.src, "SELECT count(*) FROM pg_class WHERE relowner = '" + n.source + "'::regrole")).isEqualTo("0");
        assertThat(scalar(postgres, n.src, "SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY schemaname, tablename) "
                + "FROM pg_publication_tables WHERE pubname = '" + PUBLICATION + "'"))
                .isEqualTo("app.customers,app.late,app.orders,public.adbsync_heartbeat");
        rest.remove("lp-check-sink");
        rest.remove("lp-check-source");
    }

    @Test
    void checkModeNamesTheSqlAnAdministratorMustRunAndStartsOnceItRan() throws Exception {
        Names n = Names.create("lp_missing");
        sourceTables(n);
        // The documented role, before the administrator made anything: there is no heartbeat table to grant on yet.
        String role = n.docs("source-check-role", n.src);
        script(n.src, role.substring(0, role.indexOf("GRANT SELECT, INSERT, UPDATE ON public.adbsync_heartbeat")));
        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(n, "check");

        Map<String, List<String>> errors = rest.validate(SOURCE, source);
        assertThat(errors).containsOnlyKeys("heartbeat.table", "replica.identity.full", "publication.name");
        assertThat(errors.get("heartbeat.table")).singleElement().asString().contains("Heartbeat table public.adbsync_heartbeat "
                + "does not exist; setup.mode=check runs no DDL at the source, so run (as the tables' owner or a superuser): "
                + "CREATE TABLE \"public\".\"adbsync_heartbeat\" (slot_name text PRIMARY KEY, ts timestamptz NOT NULL); "
                + "GRANT SELECT, INSERT, UPDATE ON \"public\".\"adbsync_heartbeat\" TO \"" + n.source + "\";");
        assertThat(errors.get("replica.identity.full")).singleElement().asString()
                .contains("ALTER TABLE \"app\".\"customers\" REPLICA IDENTITY FULL; ALTER TABLE \"app\".\"orders\" REPLICA IDENTITY FULL;");
        String create = "CREATE PUBLICATION \"" + PUBLICATION + "\" FOR TABLE \"app\".\"customers\", \"app\".\"orders\", "
                + "\"public\".\"adbsync_heartbeat\" WITH (publish_via_partition_root = true);";
        assertThat(errors.get("publication.name")).singleElement().asString()
                .contains("Publication " + PUBLICATION + " does not exist").contains(create);

        // Connect validates a config before it stores it: the deployment is refused with the same SQL.
        ConnectRestClient.Response refused = rest.put("connectors/lp-missing/config", source);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("message").asText()).contains(create).contains("REPLICA IDENTITY FULL")
                .contains("CREATE TABLE \"public\".\"adbsync_heartbeat\"");

        // The administrator makes all but one table's part: the message names just that.
        script(n.src, statementsIn(errors.get("heartbeat.table").get(0)) + statementsIn(errors.get("replica.identity.full").get(0))
                + "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE app.orders, public.adbsync_heartbeat");
        String add = "ALTER PUBLICATION \"" + PUBLICATION + "\" ADD TABLE \"app\".\"customers\";";
        String addLocked = "BEGIN; SET LOCAL lock_timeout = '5s'; LOCK TABLE \"app\".\"customers\" IN SHARE ROW EXCLUSIVE MODE; "
                + add + " COMMIT;";
        errors = rest.validate(SOURCE, source);
        assertThat(errors).containsOnlyKeys("publication.name");
        assertThat(errors.get("publication.name")).singleElement().asString()
                .contains("Publication " + PUBLICATION + " does not list table(s) app.customers").endsWith(addLocked);
        script(n.src, statementsIn(errors.get("publication.name").get(0)));
        assertThat(rest.validate(SOURCE, source)).isEmpty();
        deploy(rest, "lp-missing", source);
        awaitSlotActive(n.src, source.get("slot.name"));

        // A task starting finds a captured table gone from the publication: it stops, naming the SQL, and changes nothing.
        sql(postgres, n.src, "ALTER PUBLICATION " + PUBLICATION + " DROP TABLE app.customers");
        rest.restart("lp-missing", true);
        assertThat(taskTrace(rest, "lp-missing")).contains("setup.mode=check runs no DDL")
                .contains("Publication " + PUBLICATION + " does not list table(s) app.customers (publication.name): " + addLocked);
        assertThat(scalar(postgres, n.src, "SELECT count(*) FROM pg_publication_tables WHERE pubname = '" + PUBLICATION
                + "' AND tablename = 'customers'")).isEqualTo("0");
        sql(postgres, n.src, add);
        rest.restart("lp-missing", true);
        rest.awaitRunning("lp-missing", 1, Duration.ofSeconds(60));
        awaitSlotActive(n.src, source.get("slot.name"));
        rest.remove("lp-missing");
    }

    /** Roles belong to the whole server, which other test classes share: they go with this class's databases. */
    @AfterAll
    static void dropDatabasesAndRoles() throws SQLException {
        // A test that failed midway leaves its connectors, whose slots keep the databases busy.
        ConnectRestClient rest = stack.connect().rest();
        for (String connector : connectors) {
            if (rest.get("connectors/" + connector).ok()) {
                rest.remove(connector);
            }
        }
        for (String database : databases) {
            Awaitility.await("slots of " + database + " released").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> "0".equals(scalar(postgres, "postgres",
                            "SELECT count(*) FROM pg_replication_slots WHERE active AND database = '" + database + "'")));
            postgres.dropDatabase(database);
        }
        for (String role : roles) {
            // A parameter's grant (the sink's, see docs/security.md) belongs to the server and would keep the role.
            sql(postgres, "postgres", "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN "
                    + "EXECUTE 'REVOKE SET ON PARAMETER session_replication_role FROM " + role + "'; END IF; END $$",
                    "DROP ROLE IF EXISTS " + role);
        }
        databases.clear();
        roles.clear();
        connectors.clear();
    }
}
