package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.jdbc.JdbcUrls;
import io.adbsync.source.config.SourceConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * On a real Greenplum 7 cluster: the coordinator is recognised and its primary segments listed, and each segment is
 * reached in utility mode with the user's URL parameters, read-only, holding exactly its share of the rows.
 */
class SourceTopologyIT {

    private static GreenplumSource source;

    @BeforeAll
    static void cluster() throws SQLException {
        source = GreenplumSource.create("gp_topology");
    }

    @AfterAll
    static void drop() throws SQLException {
        if (source != null) {
            source.close();
        }
    }

    @Test
    void theCoordinatorIsReadPerSegmentAndEachListedSegmentIsTheInstanceOfItsContentId() throws SQLException {
        SourceTopology topology = source.topology;
        assertThat(topology.mode()).isEqualTo(SourceMode.GREENPLUM_SEGMENTS);
        assertThat(topology.problem()).isEmpty();
        assertThat(topology.describe()).startsWith("greenplum_segments (auto: version() names a Greenplum-family server (Greenplum "
                + "Database 7").contains("gp_segment_configuration lists " + topology.segments().size() + " primary segment(s)");
        assertThat(topology.segments()).isNotEmpty().allSatisfy(s -> assertThat(s.up()).isTrue());
        assertThat(topology.segments()).extracting(Segment::content)
                .containsExactlyElementsOf(IntStream.range(0, topology.segments().size()).boxed().toList());
        for (Segment segment : topology.segments()) {
            try (Connection c = Jdbc.open(source.utility(segment)); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT gp_execution_segment(), current_setting('port')::int, "
                         + "current_setting('gp_role'), current_setting('transaction_read_only'), current_database()")) {
                rs.next();
                assertThat(rs.getInt(1)).as(segment.describe()).isEqualTo(segment.content());
                assertThat(rs.getInt(2)).as(segment.describe()).isEqualTo(segment.port());
                assertThat(rs.getString(3)).isEqualTo("utility");
                assertThat(rs.getString(4)).isEqualTo("on");
                assertThat(rs.getString(5)).isEqualTo(source.database);
            }
        }
        assertThat(topology.replicatedTableReader().content()).isZero();
    }

    @Test
    void aSegmentRefusesAConnectionOutsideUtilityModeAndAUtilitySessionCannotWrite() throws SQLException {
        Segment segment = source.topology.segments().get(0);
        ConnectionConfig plain = new ConnectionConfig(JdbcUrls.withHost(source.coordinator.url(), segment.host(), segment.port()),
                source.coordinator.user(), source.coordinator.password());
        assertThatThrownBy(() -> Jdbc.open(plain).close()).isInstanceOf(SQLException.class)
                .hasMessageContaining("connections to primary segments are not allowed");
        source.sql("CREATE TABLE guarded (id int PRIMARY KEY) DISTRIBUTED BY (id)");
        try (Connection c = Jdbc.open(source.utility(segment)); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("INSERT INTO guarded VALUES (1)")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("read-only transaction");
        }
    }

    @Test
    void theUsersOwnSessionOptionsReachTheSegmentTooAndReadOnlyWinsOverTheirs() throws SQLException {
        ConnectionConfig withOptions = new ConnectionConfig(JdbcUrls.withParameter(source.coordinator.url() + "?connectTimeout=7",
                "options", "-c search_path=sales,public -c default_transaction_read_only=off -c statement_timeout=12345"),
                source.coordinator.user(), source.coordinator.password());
        Segment segment = source.topology.segments().get(source.topology.segments().size() - 1);
        try (Connection c = Jdbc.open(segment.utilityConnection(withOptions)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('search_path'), current_setting('gp_role'), "
                     + "current_setting('statement_timeout'), gp_execution_segment(), current_setting('transaction_read_only')")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("sales,public");
            assertThat(rs.getString(2)).isEqualTo("utility");
            assertThat(rs.getString(5)).isEqualTo("on");
            assertThat(rs.getString(3)).isEqualTo("12345ms");
            assertThat(rs.getInt(4)).isEqualTo(segment.content());
        }
    }

    @Test
    void eachSegmentHoldsExactlyItsShareOfADistributedTableAndAllOfAReplicatedOne() throws SQLException {
        source.sql("CREATE TABLE spread (id int PRIMARY KEY, v text) DISTRIBUTED BY (id)",
                "CREATE TABLE everywhere (id int PRIMARY KEY, v text) DISTRIBUTED REPLICATED",
                "INSERT INTO spread SELECT g, 'v' || g FROM generate_series(1, 200) g",
                "INSERT INTO everywhere SELECT g, 'v' || g FROM generate_series(1, 30) g");
        Map<Integer, Long> perSegment = new HashMap<>();
        try (Connection c = Jdbc.open(source.coordinator); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT gp_segment_id, count(*) FROM spread GROUP BY 1")) {
            while (rs.next()) {
                perSegment.put(rs.getInt(1), rs.getLong(2));
            }
        }
        assertThat(perSegment.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(200);
        for (Segment segment : source.topology.segments()) {
            try (Connection c = Jdbc.open(source.utility(segment)); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM spread), (SELECT count(*) FROM everywhere)")) {
                rs.next();
                assertThat(rs.getLong(1)).as(segment.describe()).isEqualTo(perSegment.getOrDefault(segment.content(), 0L));
                assertThat(rs.getLong(2)).as(segment.describe()).isEqualTo(30);
            }
        }
    }

    @Test
    void anExplicitModeIsKeptOrRefusedWithTheReasonOnTheCoordinator() throws SQLException {
        try (Connection c = Jdbc.open(source.coordinator)) {
            SourceTopology coordinator = SourceTopology.detect(c, SourceMode.COORDINATOR);
            assertThat(coordinator.mode()).isEqualTo(SourceMode.COORDINATOR);
            assertThat(coordinator.problem()).isEmpty();
            SourceTopology postgres = SourceTopology.detect(c, SourceMode.POSTGRES);
            assertThat(postgres.problem()).hasValueSatisfying(p -> {
                assertThat(p.configKey()).isEqualTo(SourceConfig.SOURCE_MODE);
                assertThat(p.message()).startsWith("source.mode=postgres reads connection.url as one PostgreSQL server, but it "
                        + "is a Greenplum-family coordinator (Greenplum Database 7");
            });
        }
        Segment segment = source.topology.segments().get(0);
        try (Connection c = Jdbc.open(source.utility(segment))) {
            SourceTopology direct = SourceTopology.detect(c, SourceMode.AUTO);
            assertThat(direct.segments()).isEmpty();
            assertThat(direct.problem().map(TopologyProblem::configKey)).contains(ConnectionConfig.URL);
            assertThat(direct.problem().orElseThrow().message()).contains("in gp_role=utility");
        }
        assertThat(List.of(SourceMode.values())).hasSize(4);
    }
}
