package io.adbsync.it;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** validate() through the REST API checks the real source and puts each problem on the key to change. */
class SourcePrecheckIT {

    private static final String SOURCE = "io.adbsync.source.AdbPgSourceConnector";
    private static LocalStack stack;
    private static PostgresServer postgres;

    @BeforeAll
    static void start() {
        postgres = Postgres.shared();
        stack = LocalStack.start(1);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static void sql(String db, String... statements) throws SQLException {
        try (Connection c = postgres.connect(db); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

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
        sql(db, "CREATE TABLE keyed (id int PRIMARY KEY)", "CREATE TABLE loose (v text)");
        String url = postgres.jdbcUrl(db);

        assertThat(validate(url, postgres.user(), "table.include.list", "public\\.keyed")).isEmpty();

        Map<String, List<String>> noKey = validate(url, postgres.user());
        assertThat(noKey).containsOnlyKeys("table.include.list");
        assertThat(noKey.get("table.include.list").get(0)).contains("public.loose").contains("replica.identity.full");
        assertThat(validate(url, postgres.user(), "replica.identity.full", "true")).isEmpty();

        Map<String, List<String>> nothing = validate(url, postgres.user(), "table.include.list", "sales\\..*");
        assertThat(nothing.get("table.include.list").get(0)).contains("No table").contains("sales\\..*");
    }

    @Test
    void aUserWithoutReplicationAndAHyphenatedDatabaseAreReported() throws Exception {
        String role = "norepl_" + ProcessHandle.current().pid();
        sql("postgres", "CREATE ROLE " + role + " LOGIN", "DROP DATABASE IF EXISTS \"pre-check\"", "CREATE DATABASE \"pre-check\"");
        sql("pre-check", "CREATE TABLE t (id int PRIMARY KEY)");
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
}
