package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.replication.ReplicationStream;
import io.adbsync.source.snapshot.SnapshotMode;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The checks {@code validate()} runs for {@code source.mode=greenplum_segments}: each primary segment reachable in
 * utility mode from this worker with the connector's credentials and TLS settings, with {@code wal_level=logical}, a
 * replication connection allowed, and room for (or a usable) slot; and a heartbeat table whose writes reach every
 * segment. Each problem names the segment (content id, host:port) and what to do.
 */
public final class SegmentPrecheck {

    /** Segments checked at once: one unreachable segment costs a connect timeout, so a large cluster is not checked in line. */
    private static final int PARALLEL = 8;

    private SegmentPrecheck() {
    }

    /** What the connector is set to read: the settings the segments are checked against. */
    public record Settings(ConnectionConfig connection, SnapshotMode snapshotMode, String slotName, long heartbeatIntervalMs,
                           TableId heartbeatTable) {
    }

    /**
     * The problems of reading {@code topology}'s segments for {@code config}; {@code coordinator} is a connection to
     * the coordinator, {@code driverProperties} the timeouts every check's connection uses. Empty unless the mode is
     * {@code greenplum_segments} and usable on this server.
     */
    public static List<TopologyProblem> check(Connection coordinator, SourceTopology topology, Settings config,
                                              Properties driverProperties) throws SQLException {
        List<TopologyProblem> problems = new ArrayList<>();
        if (topology.mode() != SourceMode.GREENPLUM_SEGMENTS || topology.problem().isPresent()) {
            return problems;
        }
        String prefix = "Source mode " + topology.describe() + " reads every primary segment in utility mode, but ";
        List<Segment> segments = topology.segments();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLEL, segments.size()), r -> {
            Thread t = new Thread(r, "adbsync-segment-precheck");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<List<TopologyProblem>>> checks = new ArrayList<>();
            for (Segment segment : segments) {
                checks.add(pool.submit(() -> checkSegment(segment, config, driverProperties, prefix)));
            }
            for (Future<List<TopologyProblem>> check : checks) {
                problems.addAll(check.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("Interrupted while checking the segments", "57014", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SQLException sql ? sql : new SQLException("Checking a segment failed: " + e.getCause(),
                    "XX000", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        TopologyProblem heartbeat = heartbeatProblem(coordinator, config);
        if (heartbeat != null) {
            problems.add(heartbeat);
        }
        return problems;
    }

    private static List<TopologyProblem> checkSegment(Segment segment, Settings config, Properties driverProperties,
                                                      String prefix) {
        List<TopologyProblem> problems = new ArrayList<>();
        if (!segment.up()) {
            problems.add(mode(downMessage(prefix, segment)));
            return problems;
        }
        ConnectionConfig connection = segment.utilityConnection(config.connection());
        try (Connection c = Jdbc.open(connection, driverProperties)) {
            checkInstance(c, segment, config, prefix, problems);
        } catch (SQLException e) {
            problems.add(mode(SqlErrors.isAuthenticationFailure(e)
                    ? refusedMessage(prefix, segment, config.connection().user(), e.getMessage())
                    : unreachableMessage(prefix, segment, e.getMessage())));
            return problems;
        }
        if (config.snapshotMode() != SnapshotMode.INITIAL_ONLY) {
            try (Connection r = ReplicationStream.openReplicationConnection(connection, "", driverProperties);
                 Statement s = r.createStatement();
                 ResultSet rs = s.executeQuery("IDENTIFY_SYSTEM")) {
                rs.next();
            } catch (SQLException e) {
                problems.add(mode(replicationMessage(prefix, segment, config.connection().user(), e.getMessage())));
            }
        }
        return problems;
    }

    private static void checkInstance(Connection c, Segment segment, Settings config, String prefix,
                                      List<TopologyProblem> problems) throws SQLException {
        int content;
        String walLevel;
        int maxSlots;
        int usedSlots;
        String database;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT gp_execution_segment(), current_setting('wal_level'), "
                     + "current_setting('max_replication_slots')::int, (SELECT count(*) FROM pg_replication_slots)::int, "
                     + "current_database()")) {
            rs.next();
            content = rs.getInt(1);
            walLevel = rs.getString(2);
            maxSlots = rs.getInt(3);
            usedSlots = rs.getInt(4);
            database = rs.getString(5);
        }
        if (content != segment.content()) {
            problems.add(mode(prefix + segment.host() + ":" + segment.port() + " answers as content " + content + ", not as "
                    + segment.describe() + ": from this worker that address reaches another instance (port forwarding, "
                    + "NAT or a reused host name); make every segment's address in gp_segment_configuration reach that "
                    + "segment from the Connect workers"));
            return;
        }
        if (!"logical".equals(walLevel)) {
            problems.add(mode(walLevelMessage(prefix, segment, walLevel)));
        }
        if (config.snapshotMode() == SnapshotMode.INITIAL_ONLY) {
            return;
        }
        String slot = config.slotName();
        ReplicationSetup.ExistingSlot existing = ReplicationSetup.existingSlot(c, slot);
        if (existing != null) {
            String problem = existing.problem(database);
            if (problem != null) {
                problems.add(new TopologyProblem("slot.name", "On " + segment.describe() + ": " + problem));
            } else {
                String reader = otherReader(c, slot);
                if (reader != null) {
                    problems.add(new TopologyProblem("slot.name", "Slot " + slot + " on " + segment.describe()
                            + " is being read by " + reader + "; a slot serves one reader at a time. Stop that consumer "
                            + "or choose another slot.name"));
                }
            }
        } else if (usedSlots >= maxSlots) {
            problems.add(new TopologyProblem("slot.name", noFreeSlotMessage(segment, slot, database, usedSlots, maxSlots)));
        }
    }

    /** Another program reading {@code slot} (application and server process), or null; adbsync's own task may read it. */
    private static String otherReader(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT s.active_pid, a.application_name FROM pg_replication_slots s "
                + "LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid WHERE s.slot_name = ? AND s.active")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(2) != null && !rs.getString(2).equals(ConnectionConfig.APPLICATION_NAME)) {
                    return "application '" + rs.getString(2) + "' (server process " + rs.getInt(1) + ")";
                }
            }
        }
        return null;
    }

    /**
     * A heartbeat table that exists and is hash-distributed: its one row lives on one segment, so on an idle database
     * the other segments' slots would never advance. A missing one is made by the task (or named by setup.mode=check).
     */
    private static TopologyProblem heartbeatProblem(Connection coordinator, Settings config) throws SQLException {
        if (config.heartbeatIntervalMs() == 0 || config.snapshotMode() == SnapshotMode.INITIAL_ONLY) {
            return null;
        }
        TableId table = config.heartbeatTable();
        String qualified = table.quoted();
        try (PreparedStatement ps = coordinator.prepareStatement("SELECT p.policytype, pg_get_table_distributedby(p.localoid) "
                + "FROM gp_distribution_policy p WHERE p.localoid = to_regclass(?)")) {
            ps.setString(1, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || "r".equals(rs.getString(1))) {
                    return null;
                }
                return new TopologyProblem("heartbeat.table", heartbeatMessage(table.toString(),
                        rs.getString(2), qualified));
            }
        }
    }

    static String downMessage(String prefix, Segment segment) {
        return prefix + segment.describe() + " is marked down in gp_segment_configuration and no primary of content "
                + segment.content() + " is up, so its rows cannot be read: recover it (gprecoverseg) and validate again";
    }

    static String unreachableMessage(String prefix, Segment segment, String error) {
        return prefix + segment.describe() + " cannot be reached from this worker: " + error + ". Every Connect worker "
                + "needs a route to every primary segment at the address and port gp_segment_configuration lists: make "
                + segment.host() + " resolvable and port " + segment.port() + " reachable from the workers (DNS, /etc/hosts, "
                + "firewall); on AnalyticDB's managed service, which does not expose segments, set "
                + "source.mode=coordinator";
    }

    static String refusedMessage(String prefix, Segment segment, String user, String error) {
        return prefix + segment.describe() + " refuses user " + user + ": " + error + ". Each segment checks its own "
                + "pg_hba.conf (in its data directory): allow this user from the Connect workers there as on the "
                + "coordinator, then reload the configuration (gpstop -u)";
    }

    static String walLevelMessage(String prefix, Segment segment, String walLevel) {
        return prefix + segment.describe() + " has wal_level=" + walLevel + ", and decoding needs logical: set it on "
                + "every instance (gpconfig -c wal_level -v logical) and restart the cluster (gpstop -ar)";
    }

    static String replicationMessage(String prefix, Segment segment, String user, String error) {
        return prefix + "user " + user + " cannot open a replication connection to " + segment.describe() + ": " + error
                + ". Grant it on the coordinator (ALTER ROLE " + SqlIdentifiers.quote(user) + " REPLICATION; roles are "
                + "cluster-wide) and allow its replication connections in that segment's pg_hba.conf";
    }

    static String noFreeSlotMessage(Segment segment, String slot, String database, int used, int max) {
        return used + " of max_replication_slots=" + max + " replication slots of " + segment.describe() + " are in use, so "
                + "slot " + slot + " cannot be created there; drop unused slots on that segment in utility mode "
                + "(PGOPTIONS='-c gp_role=utility' psql -h " + segment.host() + " -p " + segment.port() + " -d " + database
                + " -c \"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active\") or "
                + "raise max_replication_slots on every instance (gpconfig) and restart the cluster";
    }

    static String heartbeatMessage(String table, String distributedBy, String quoted) {
        return "Heartbeat table " + table + " is " + distributedBy + ", so each heartbeat reaches one segment and the "
                + "slots of the others do not advance while the captured tables are idle; make it replicated: ALTER TABLE "
                + quoted + " SET DISTRIBUTED REPLICATED";
    }

    private static TopologyProblem mode(String message) {
        return new TopologyProblem("source.mode", message);
    }
}
