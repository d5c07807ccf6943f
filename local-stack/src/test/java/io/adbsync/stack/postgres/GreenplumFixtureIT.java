package io.adbsync.stack.postgres;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class GreenplumFixtureIT {

    @BeforeAll
    static void greenplum() {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
    }

    @Test
    void sharedClusterHasSegmentsAndGivesIsolatedDatabasesThatDropEvenWhileInUse() throws SQLException {
        PostgresServer gp = Greenplum.shared();
        String first = gp.createDatabase("gp_fixture");
        String second = gp.createDatabase("gp_fixture");
        assertThat(first).isNotEqualTo(second);
        try (Connection c = gp.connect(first); Statement s = c.createStatement()) {
            assertThat(scalar(s, "SELECT version()")).contains("Greenplum");
            assertThat(Integer.parseInt(scalar(s, "SELECT count(*) FROM gp_segment_configuration WHERE content >= 0 AND role = 'p'")))
                    .isGreaterThanOrEqualTo(1);
            s.execute("CREATE TABLE t (id int PRIMARY KEY) DISTRIBUTED BY (id)");
            s.execute("INSERT INTO t SELECT generate_series(1, 10)");
        }
        try (Connection c = gp.connect(second); Statement s = c.createStatement()) {
            assertThat(scalar(s, "SELECT count(*)::text FROM pg_tables WHERE tablename = 't'")).isEqualTo("0");
        }
        // A session left open (as a worker's task would) must not keep the database from being dropped.
        try (Connection open = gp.connect(first); Statement s = open.createStatement()) {
            assertThat(scalar(s, "SELECT count(*)::text FROM t")).isEqualTo("10");
            gp.dropDatabase(first);
        }
        gp.dropDatabase(second);
        try (Connection c = gp.connect("postgres"); Statement s = c.createStatement()) {
            assertThat(scalar(s, "SELECT count(*)::text FROM pg_database WHERE datname IN ('" + first + "', '" + second + "')"))
                    .isEqualTo("0");
        }
    }

    @Test
    void theScriptIsFoundFromTheRepositoryRoot() {
        assertThat(Greenplum.repositoryRoot()).isPresent();
        assertThat(Greenplum.repositoryRoot().orElseThrow().resolve(".mvn")).isDirectory();
    }

    private static String scalar(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
