package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.source.AdbPgSourceConnector;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.precheck.SourcePrecheck;
import org.apache.kafka.common.config.Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static io.adbsync.source.greenplum.Validated.errors;
import static io.adbsync.source.greenplum.Validated.value;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code validate()} (the REST precheck) tells a user about the source mode against a real Greenplum 7 cluster:
 * the mode it would use and why, a mode that does not fit, and each primary segment it cannot read, named with its
 * content id and host:port and what to do.
 */
class GreenplumPrecheckIT {

    private static GreenplumSource source;

    @BeforeAll
    static void cluster() throws SQLException {
        source = GreenplumSource.create("gp_precheck");
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)");
    }

    @AfterAll
    static void drop() throws SQLException {
        if (source != null) {
            source.close();
        }
    }

    private static Map<String, String> config(String url, String user, String... more) {
        Map<String, String> config = new HashMap<>();
        config.put(ConnectionConfig.URL, url);
        config.put(ConnectionConfig.USER, user);
        config.put(SourceConfig.TOPIC_PREFIX, "gp");
        config.put(SourceConfig.TABLE_INCLUDE_LIST, "public\\.orders");
        // Slots are named per instance: the database's unique name keeps parallel runs apart.
        config.put(SourceConfig.SLOT_NAME, source.database);
        for (int i = 0; i < more.length; i += 2) {
            config.put(more[i], more[i + 1]);
        }
        return config;
    }

    private static Map<String, String> gpConfig(String... more) {
        return config(source.coordinator.url(), source.coordinator.user(), more);
    }

    @Test
    void aGreenplumCoordinatorIsValidatedForThePerSegmentModeWhichIsNamedAsTheRecommendedValueWithATaskPerSegment() {
        int segments = source.topology.segments().size();
        Config validated = new AdbPgSourceConnector().validate(gpConfig(TaskSegments.TASKS_MAX, Integer.toString(segments)));
        assertThat(errors(validated)).isEmpty();
        assertThat(value(validated, SourceConfig.SOURCE_MODE).recommendedValues()).containsExactly("greenplum_segments");
        Config explicit = new AdbPgSourceConnector().validate(gpConfig(SourceConfig.SOURCE_MODE, "greenplum_segments"));
        // Connect runs one task unless told more: one per segment is needed.
        assertThat(errors(explicit)).containsOnlyKeys(TaskSegments.TASKS_MAX);
        assertThat(errors(explicit).get(TaskSegments.TASKS_MAX)).singleElement().asString()
                .startsWith("Source mode greenplum_segments (set by source.mode=greenplum_segments) reads each of the "
                        + segments + " primary segments with a task of its own, but tasks.max=1: set tasks.max to at least "
                        + segments);
        assertThat(value(explicit, SourceConfig.SOURCE_MODE).recommendedValues()).containsExactly("greenplum_segments");
    }

    @Test
    void theConnectorMakesOneTaskPerSegmentAndRefusesTooFew() {
        int segments = source.topology.segments().size();
        AdbPgSourceConnector connector = new AdbPgSourceConnector();
        connector.start(withPassword(gpConfig()));
        assertThat(connector.taskConfigs(segments + 3)).extracting(t -> t.get(TaskSegments.TASK_SEGMENT))
                .containsExactlyElementsOf(source.topology.segments().stream().map(s -> Integer.toString(s.content())).toList());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connector.taskConfigs(segments - 1))
                .isInstanceOf(org.apache.kafka.connect.errors.ConnectException.class)
                .hasMessageEndingWith("set tasks.max to at least " + segments);
    }

    @Test
    void aTaskMadeWithoutASegmentOnACoordinatorStopsAtOnceSayingWhatToDo() {
        Map<String, String> props = withPassword(gpConfig());
        props.put("name", "gp-source");
        io.adbsync.source.AdbPgSourceTask task = new io.adbsync.source.AdbPgSourceTask();
        task.initialize(new io.adbsync.source.InMemoryTaskContext(props));
        task.start(props);
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(task::poll)
                    .isInstanceOf(org.apache.kafka.connect.errors.ConnectException.class)
                    .hasMessageStartingWith("Source mode greenplum_segments (auto: ")
                    .hasMessageEndingWith("but this task was made without one (the connector could not reach the source "
                            + "when it made its tasks; it makes them again once it can, or restart it: POST "
                            + "/connectors/<name>/restart?includeTasks=true)");
        } finally {
            task.stop();
        }
    }

    private static Map<String, String> withPassword(Map<String, String> props) {
        if (source.coordinator.password() != null) {
            props.put(ConnectionConfig.PASSWORD, source.coordinator.password().value());
        }
        return props;
    }

    @Test
    void underSetupModeCheckTheHeartbeatTableIsNeededPerSegmentEvenWithHeartbeatsOff() {
        // Per segment it is also where the segments' tasks meet at truncates.
        Map<String, String> config = gpConfig(TaskSegments.TASKS_MAX, Integer.toString(source.topology.segments().size()),
                "setup.mode", "check", SourceConfig.HEARTBEAT_TABLE, "public.no_such_heartbeat", "heartbeat.interval.ms", "0");
        assertThat(errors(new AdbPgSourceConnector().validate(config)).get(SourceConfig.HEARTBEAT_TABLE))
                .singleElement().asString().startsWith("Heartbeat table public.no_such_heartbeat does not exist");
    }

    @Test
    void postgresModeOnACoordinatorIsRefusedWithTheModesThatFit() {
        Map<String, List<String>> errors = errors(new AdbPgSourceConnector().validate(gpConfig(SourceConfig.SOURCE_MODE, "postgres")));
        assertThat(errors).containsOnlyKeys(SourceConfig.SOURCE_MODE);
        assertThat(errors.get(SourceConfig.SOURCE_MODE)).singleElement().asString()
                .startsWith("source.mode=postgres reads connection.url as one PostgreSQL server, but it is a Greenplum-family "
                        + "coordinator (Greenplum Database 7")
                .endsWith("primary segment(s): set source.mode=greenplum_segments (decode on each segment), coordinator "
                        + "(decode at the coordinator, as AnalyticDB 7.2.1.4+ does) or auto");
    }

    @Test
    void aHashDistributedHeartbeatTableIsNamedWithTheStatementThatMakesItReachEverySegment() throws SQLException {
        source.sql("CREATE SCHEMA beat", "CREATE TABLE beat.hb (slot_name text PRIMARY KEY, ts timestamptz NOT NULL)");
        Map<String, String> config = gpConfig(SourceConfig.HEARTBEAT_TABLE, "beat.hb");
        assertThat(errors(new AdbPgSourceConnector().validate(config)).get(SourceConfig.HEARTBEAT_TABLE)).isEqualTo(List.of(
                "Heartbeat table beat.hb is DISTRIBUTED BY (slot_name), so each heartbeat reaches one segment and the slots of "
                        + "the others do not advance while the captured tables are idle; make it replicated: ALTER TABLE "
                        + "\"beat\".\"hb\" SET DISTRIBUTED REPLICATED"));
        source.sql("ALTER TABLE \"beat\".\"hb\" SET DISTRIBUTED REPLICATED");
        config.put(TaskSegments.TASKS_MAX, Integer.toString(source.topology.segments().size()));
        assertThat(errors(new AdbPgSourceConnector().validate(config))).isEmpty();
    }

    /**
     * The cluster's coordinator lets only its superuser in (pg_hba.conf), its segments any user from this host: the
     * segment checks run as a role without REPLICATION, which each segment lets in but refuses a walsender.
     */
    @Test
    void aUserWithoutReplicationIsNamedOnEverySegment() throws SQLException {
        String role = "norepl_" + source.database;
        source.sql("CREATE ROLE " + role + " LOGIN");
        try {
            SourceConfig config = new SourceConfig(config(source.coordinator.url(), role));
            List<TopologyProblem> problems;
            try (Connection c = Jdbc.open(source.coordinator)) {
                problems = SegmentPrecheck.check(c, source.topology, SourcePrecheck.segmentSettings(config), new Properties());
            }
            assertThat(problems).extracting(TopologyProblem::configKey).containsOnly(SourceConfig.SOURCE_MODE);
            assertThat(problems).hasSize(source.topology.segments().size());
            for (int i = 0; i < problems.size(); i++) {
                Segment s = source.topology.segments().get(i);
                assertThat(problems.get(i).message()).startsWith("Source mode greenplum_segments (auto: version() names a "
                                + "Greenplum-family server (Greenplum Database 7")
                        .contains("reads every primary segment in utility mode, but user " + role + " cannot open a "
                                + "replication connection to segment " + s.content() + " at " + s.host() + ":" + s.port() + ": ")
                        .contains("must be superuser or replication role")
                        .endsWith("Grant it on the coordinator (ALTER ROLE \"" + role + "\" REPLICATION; roles are cluster-wide) "
                                + "and allow its replication connections in that segment's pg_hba.conf");
            }
        } finally {
            source.sql("DROP ROLE " + role);
        }
    }

    @Test
    void aUserTheCoordinatorRefusesIsReportedOnThePassword() throws SQLException {
        String role = "refused_" + source.database;
        source.sql("CREATE ROLE " + role + " LOGIN");
        try {
            Map<String, List<String>> errors = errors(new AdbPgSourceConnector().validate(config(source.coordinator.url(), role)));
            assertThat(errors).containsOnlyKeys(ConnectionConfig.PASSWORD);
            assertThat(errors.get(ConnectionConfig.PASSWORD)).singleElement().asString()
                    .startsWith("Authentication of user " + role + " failed: ").contains("pg_hba.conf");
        } finally {
            source.sql("DROP ROLE " + role);
        }
    }

    @Test
    void eachSegmentThatCannotBeReadIsNamedWithItsContentIdAndAddressAndWhatToDo() throws Exception {
        SourceTopology real = source.topology;
        Segment first = real.segments().get(0);
        int n = real.segments().size();
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        List<Segment> segments = new ArrayList<>(real.segments());
        segments.add(new Segment(n, 90, "127.0.0.1", closed, true));
        segments.add(new Segment(n + 1, 91, "no-such-segment.invalid", first.port(), true));
        segments.add(new Segment(n + 2, 92, first.host(), first.port(), true));
        segments.add(new Segment(n + 3, 93, "sdw9", 6009, false));
        SourceTopology topology = new SourceTopology(SourceMode.AUTO, SourceMode.GREENPLUM_SEGMENTS, real.reason(), null,
                real.version(), segments);
        SourceConfig config = new SourceConfig(gpConfig());
        Properties timeouts = new Properties();
        timeouts.setProperty("connectTimeout", "5");
        List<TopologyProblem> problems;
        try (Connection c = Jdbc.open(source.coordinator)) {
            problems = SegmentPrecheck.check(c, topology, SourcePrecheck.segmentSettings(config), timeouts);
        }
        String prefix = "Source mode " + topology.describe() + " reads every primary segment in utility mode, but ";
        assertThat(problems).extracting(TopologyProblem::configKey).containsOnly(SourceConfig.SOURCE_MODE);
        assertThat(problems).extracting(TopologyProblem::message).hasSize(4).satisfiesExactly(
                refused -> assertThat(refused).startsWith(prefix + "segment " + n + " at 127.0.0.1:" + closed
                                + " cannot be reached from this worker: Connection to 127.0.0.1:" + closed + " refused")
                        .endsWith("make 127.0.0.1 resolvable and port " + closed + " reachable from the workers (DNS, "
                                + "/etc/hosts, firewall); on AnalyticDB's managed service, which does not expose segments, "
                                + "set source.mode=coordinator"),
                unknown -> assertThat(unknown).startsWith(prefix + "segment " + (n + 1) + " at no-such-segment.invalid:"
                                + first.port() + " cannot be reached from this worker: ")
                        .contains("make no-such-segment.invalid resolvable"),
                other -> assertThat(other).isEqualTo(prefix + first.host() + ":" + first.port() + " answers as content 0, not "
                        + "as segment " + (n + 2) + " at " + first.host() + ":" + first.port() + ": from this worker that "
                        + "address reaches another instance (port forwarding, NAT or a reused host name); make every "
                        + "segment's address in gp_segment_configuration reach that segment from the Connect workers"),
                down -> assertThat(down).isEqualTo(prefix + "segment " + (n + 3) + " at sdw9:6009 is marked down in "
                        + "gp_segment_configuration and no primary of content " + (n + 3) + " is up, so its rows cannot be "
                        + "read: recover it (gprecoverseg) and validate again"));
    }
}
