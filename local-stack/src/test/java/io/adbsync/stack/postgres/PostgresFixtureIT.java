package io.adbsync.stack.postgres;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;

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

    @Test
    void aTlsServerLetsTheTestsRolesInOnlyOverVerifiedTlsWithTheirCertificate() throws Exception {
        assumeTrue(LocalPostgres.available() && CertificateAuthority.available(), "no PostgreSQL binaries or openssl");
        Path dir = Files.createTempDirectory("adbsync-fixture-tls-");
        CertificateAuthority ca = CertificateAuthority.create(dir, "fixture");
        CertificateAuthority.Issued server = ca.issueServer("server", List.of("localhost"));
        CertificateAuthority.Issued client = ca.issueClient("client", "app");
        try (LocalPostgres pg = LocalPostgres.launch(Map.of(), new ServerTls(server.certificate(), server.pemKey(),
                ca.certificate(), List.of("hostssl all app 127.0.0.1/32 cert")))) {
            try (Connection c = pg.connect("postgres"); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE app LOGIN");
            }
            String url = "jdbc:postgresql://localhost:" + pg.port() + "/postgres?sslmode=verify-full&sslrootcert="
                    + ca.certificate() + "&sslcert=" + client.certificate() + "&sslkey=" + client.pk8Key();
            Properties app = new Properties();
            app.setProperty("user", "app");
            try (Connection c = DriverManager.getConnection(url, app); Statement s = c.createStatement()) {
                assertThat(scalar(s, "SELECT ssl || ' ' || client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
                        .isEqualTo("true /CN=app");
            }
            String plain = "jdbc:postgresql://localhost:" + pg.port() + "/postgres?sslmode=disable";
            assertThatThrownBy(() -> DriverManager.getConnection(plain, app)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("no encryption");
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
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
