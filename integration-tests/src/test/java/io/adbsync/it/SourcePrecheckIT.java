package io.adbsync.it;

import io.adbsync.stack.postgres.LocalPostgres;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/** validate() through the REST API checks the real source and puts each problem on the key to change. */
class SourcePrecheckIT extends WithLocalStack {

    private static Map<String, List<String>> validate(String url, String user, String... extra) {
        Map<String, String> config = new HashMap<>();
        config.put("connection.url", url);
        config.put("connection.user", user);
        config.put("topic.prefix", "pre");
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return stack.connect().rest().validate(SOURCE, config);
    }

    @Test
    void aGoodSourcePassesAndEachProblemLandsOnItsKey() throws Exception {
        String db = postgres.createDatabase("precheck");
        sql(postgres, db, "CREATE TABLE keyed (id int PRIMARY KEY)", "CREATE TABLE loose (v text)");
        String url = postgres.jdbcUrl(db);

        assertThat(validate(url, postgres.user(), "table.include.list", "public\\.keyed")).isEmpty();

        Map<String, List<String>> noKey = validate(url, postgres.user());
        assertThat(noKey).containsOnlyKeys("table.include.list");
        assertThat(noKey.get("table.include.list").get(0)).contains("public.loose").contains("primary key");
        // REPLICA IDENTITY FULL lets updates through, but the records would have no key for the sink to apply them by.
        Map<String, List<String>> fullIdentity = validate(url, postgres.user(), "replica.identity.full", "true");
        assertThat(fullIdentity).containsOnlyKeys("table.include.list");
        assertThat(fullIdentity.get("table.include.list").get(0)).contains("public.loose").doesNotContain("public.keyed")
                .contains("no key").contains("table.exclude.list");
        sql(postgres, db, "ALTER TABLE loose REPLICA IDENTITY FULL");
        assertThat(validate(url, postgres.user()).get("table.include.list").get(0)).contains("public.loose");

        Map<String, List<String>> nothing = validate(url, postgres.user(), "table.include.list", "sales\\..*");
        assertThat(nothing.get("table.include.list").get(0)).contains("No table").contains("sales\\..*");
    }

    /** A tasks.max that is no number is an error on the key, not a failed validate call (HTTP 500). */
    @Test
    void aTasksMaxThatIsNoNumberIsAnErrorOnItsKey() throws Exception {
        String db = postgres.createDatabase("precheck_tasks");
        sql(postgres, db, "CREATE TABLE keyed (id int PRIMARY KEY)");
        Map<String, List<String>> errors = validate(postgres.jdbcUrl(db), postgres.user(), "tasks.max", "four");
        assertThat(errors).containsOnlyKeys("tasks.max");
        assertThat(errors.get("tasks.max")).contains("tasks.max must be a whole number, got 'four'");
    }

    @Test
    void aUserWithoutReplicationAndAHyphenatedDatabaseAreReported() throws Exception {
        String role = "norepl_" + ProcessHandle.current().pid();
        sql(postgres, "postgres", "CREATE ROLE " + role + " LOGIN", "DROP DATABASE IF EXISTS \"pre-check\"", "CREATE DATABASE \"pre-check\"");
        sql(postgres, "pre-check", "CREATE TABLE t (id int PRIMARY KEY)");
        Map<String, List<String>> errors = validate(postgres.jdbcUrl("pre-check"), role);
        assertThat(errors.get("connection.user").get(0)).contains(role).contains("REPLICATION");
        assertThat(errors.get("connection.url").get(0)).contains("hyphen");
    }

    @Test
    void anUnreachableSourceIsReportedOnTheUrl() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, List<String>> errors = validate("jdbc:postgresql://127.0.0.1:" + closedPort + "/db", "postgres");
        assertThat(errors).containsOnlyKeys("connection.url");
        assertThat(errors.get("connection.url").get(0)).contains("Cannot connect");
    }

    @Test
    void aSlotOfAnotherPluginOrReadByAnotherProgramIsReportedOnTheSlotName() throws Exception {
        String db = postgres.createDatabase("precheck");
        String foreign = "pre_foreign_" + ProcessHandle.current().pid();
        // Named as the slot of key shard 1 of 2, so that it is also one of a source split by key among two tasks.
        String busyBase = "pre_busy_" + ProcessHandle.current().pid();
        String busy = busyBase + "_1of2";
        sql(postgres, db, "CREATE TABLE keyed (id int PRIMARY KEY)", "CREATE PUBLICATION other_pub FOR TABLE keyed",
                "SELECT pg_create_logical_replication_slot('" + foreign + "', 'test_decoding')");
        String url = postgres.jdbcUrl(db);
        Properties props = new Properties();
        PGProperty.USER.set(props, postgres.user());
        if (postgres.password() != null) {
            PGProperty.PASSWORD.set(props, postgres.password());
        }
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "12");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.APPLICATION_NAME.set(props, "other-reader");
        try (Connection replication = DriverManager.getConnection(url, props)) {
            PGConnection pg = replication.unwrap(PGConnection.class);
            pg.getReplicationAPI().createReplicationSlot().logical().withSlotName(busy).withOutputPlugin("pgoutput").make();
            try (PGReplicationStream stream = pg.getReplicationAPI().replicationStream().logical().withSlotName(busy)
                    .withSlotOption("proto_version", "1").withSlotOption("publication_names", "other_pub").start()) {
                Awaitility.await("slot " + busy + " active").atMost(Duration.ofSeconds(30)).until(() ->
                        "true".equals(scalar(postgres, db, "SELECT active::text FROM pg_replication_slots WHERE slot_name = '" + busy + "'")));

                Map<String, List<String>> wrongPlugin = validate(url, postgres.user(), "slot.name", foreign);
                assertThat(wrongPlugin).containsOnlyKeys("slot.name");
                assertThat(wrongPlugin.get("slot.name").get(0)).contains(foreign).contains("test_decoding");

                Map<String, List<String>> inUse = validate(url, postgres.user(), "slot.name", busy);
                assertThat(inUse).containsOnlyKeys("slot.name");
                assertThat(inUse.get("slot.name").get(0)).contains(busy).contains("other-reader")
                        .contains("pg_terminate_backend");

                Map<String, List<String>> shardInUse = validate(url, postgres.user(), "slot.name", busyBase, "tasks.max", "2");
                assertThat(shardInUse).containsOnlyKeys("slot.name");
                assertThat(shardInUse.get("slot.name").get(0)).contains(busy).contains("other-reader");
            }
        } finally {
            // The shared server's slots are few and other tests need them.
            sql(postgres, db, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('"
                    + foreign + "', '" + busy + "') AND NOT active");
        }
    }

    @Test
    void aRunningConnectorsOwnSlotDoesNotBlockAnUpdateOfItsConfig() throws Exception {
        String db = postgres.createDatabase("precheck");
        sql(postgres, db, "CREATE TABLE keyed (id int PRIMARY KEY)");
        String name = "precheck_self_" + ProcessHandle.current().pid();
        Map<String, String> config = sourceConfig(db, name, "snapshot.mode", "never");
        var rest = stack.connect().rest();
        rest.deploy(name, config);
        try {
            rest.awaitRunning(name, 1, Duration.ofSeconds(60));
            awaitSlotActive(db, name);
            config.put("heartbeat.interval.ms", "2000");
            // PUT of a new config runs validate() while the old task still reads the slot.
            rest.deploy(name, config);
            // The PUT passed validate(); the worker's view of the config follows once it has read the config topic.
            Awaitility.await("the new config").atMost(Duration.ofSeconds(30)).until(() ->
                    rest.get("connectors/" + name + "/config").body().path("heartbeat.interval.ms").asText().equals("2000"));
        } finally {
            rest.remove(name);
            // A task restarted by the config update may hold the slot again for a moment after it looked free.
            Awaitility.await("slot dropped").atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    sql(postgres, db, "SELECT pg_drop_replication_slot('" + name + "')"));
        }
    }

    @Test
    void aServerWithoutLogicalWalAndWithoutFreeSlotsIsReported() throws Exception {
        Assumptions.assumeTrue(LocalPostgres.available(), "needs PostgreSQL server binaries to start a misconfigured server");
        try (LocalPostgres replicaLevel = LocalPostgres.launch(Map.of("wal_level", "replica", "max_replication_slots", "1",
                "max_wal_senders", "2"))) {
            try (Connection c = replicaLevel.connect("postgres"); Statement s = c.createStatement()) {
                s.execute("SELECT pg_create_physical_replication_slot('standby')");
                s.execute("CREATE TABLE keyed (id int PRIMARY KEY)");
            }
            Map<String, List<String>> errors = validate(replicaLevel.jdbcUrl("postgres"), replicaLevel.user(), "slot.name", "mine");
            assertThat(errors).containsOnlyKeys("connection.url", "slot.name");
            assertThat(errors.get("connection.url").get(0)).contains("wal_level=replica").contains("wal_level = logical");
            assertThat(errors.get("slot.name").get(0)).contains("1 of max_replication_slots=1").contains("mine");
        }
    }

    /**
     * A row filter whose ')' would end its parentheses in the publication's table list and publish another table:
     * refused by validate() on table.filters naming the table, refused by the REST API when deployed, and the
     * publication keeps its tables. A condition the source cannot evaluate on the table is reported the same way.
     */
    @Test
    void aRowFilterThatWouldEscapeItsParenthesesIsRefusedAndThePublicationIsUntouched() throws Exception {
        String db = postgres.createDatabase("filters");
        sql(postgres, db, "CREATE TABLE orders (id int PRIMARY KEY, status text)", "CREATE TABLE other_table (id int PRIMARY KEY, v text)",
                "ALTER TABLE orders REPLICA IDENTITY FULL", "CREATE PUBLICATION filtered FOR TABLE orders");
        String name = "filters_" + ProcessHandle.current().pid();
        String escape = "public.orders: id > 0), public.other_table WHERE (true";
        Map<String, String> config = sourceConfig(db, name, "table.include.list", "public\\.orders", "publication.name",
                "filtered", "table.filters", escape, "table.filters.mode", "publication");
        var rest = stack.connect().rest();
        try {
            var deployed = rest.put("connectors/" + name + "/config", config);
            assertThat(deployed.ok()).as("deploy answered %s", deployed.body()).isFalse();
            assertThat(deployed.body().toString()).contains("table.filters").contains("public.orders");
            Thread.sleep(2000);
            assertThat(scalar(postgres, db, "SELECT string_agg(schemaname || '.' || tablename, ',') FROM pg_publication_tables "
                    + "WHERE pubname = 'filtered'")).isEqualTo("public.orders");

            Map<String, List<String>> errors = stack.connect().rest().validate(SOURCE, config);
            assertThat(errors).containsOnlyKeys("table.filters");
            assertThat(errors.get("table.filters").get(0)).contains("public.orders").contains("')'");

            config.put("table.filters", "public.orders: no_such_column > 0");
            errors = stack.connect().rest().validate(SOURCE, config);
            assertThat(errors).containsOnlyKeys("table.filters");
            assertThat(errors.get("table.filters").get(0)).contains("public.orders").contains("no_such_column");

            config.put("table.filters", "public.orders: status <> 'draft'");
            assertThat(stack.connect().rest().validate(SOURCE, config)).isEmpty();
        } finally {
            if (rest.get("connectors/" + name).ok()) {
                rest.remove(name);
            }
        }
    }
}
