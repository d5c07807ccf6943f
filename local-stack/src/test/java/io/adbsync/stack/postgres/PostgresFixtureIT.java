package io.adbsync.stack.postgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PostgresFixtureIT {

    @Test
    void sharedServerServesLogicalReplicationAndIsolatedDatabases() throws SQLException {
        PostgresServer server = Postgres.shared();
        String source = server.createDatabase("source");
        String destination = server.createDatabase("destination");
        assertThat(source).isNotEqualTo(destination);

        try (Connection c = server.connect(source); Statement s = c.createStatement()) {
            assertThat(scalar(s, "SHOW wal_level")).isEqualTo("logical");
            assertThat(scalar(s, "SELECT rolreplication::text FROM pg_roles WHERE rolname = current_user")).isEqualTo("true");
            s.execute("CREATE TABLE t (id int PRIMARY KEY)");
            s.execute("SELECT pg_create_logical_replication_slot('fixture_slot', 'pgoutput')");
            s.execute("SELECT pg_drop_replication_slot('fixture_slot')");
        }
        try (Connection c = server.connect(destination); Statement s = c.createStatement()) {
            assertThat(scalar(s, "SELECT count(*)::text FROM pg_tables WHERE tablename = 't'")).isEqualTo("0");
        }
    }

    @Test
    void twoLocalServersRunAtOnceAndSurviveAnImmediateRestart() throws SQLException {
        assumeTrue(LocalPostgres.available(), "no PostgreSQL binaries on this machine");
        try (LocalPostgres first = LocalPostgres.launch(Map.of());
             LocalPostgres second = LocalPostgres.launch(Map.of())) {
            assertThat(first.port()).isNotEqualTo(second.port());
            String db = first.createDatabase("restart");
            try (Connection c = first.connect(db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (v text)");
                s.execute("INSERT INTO kept VALUES ('before crash')");
            }
            first.stop(true);
            assertThatThrownBy(() -> first.connect(db)).isInstanceOf(SQLException.class);
            try (Connection c = second.connect("postgres"); Statement s = c.createStatement()) {
                assertThat(scalar(s, "SELECT 1::text")).isEqualTo("1");
            }
            first.start();
            try (Connection c = first.connect(db); Statement s = c.createStatement()) {
                assertThat(scalar(s, "SELECT v FROM kept")).isEqualTo("before crash");
            }
        }
    }

    private static String scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
