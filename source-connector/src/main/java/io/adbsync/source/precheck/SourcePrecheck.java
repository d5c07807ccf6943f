package io.adbsync.source.precheck;

import io.adbsync.common.sql.TableId;
import io.adbsync.source.greenplum.SourceMode;
import io.adbsync.source.replication.SetupMode;
import io.adbsync.source.snapshot.SnapshotMode;
import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.UncapturableTables;
import io.adbsync.source.greenplum.SegmentPrecheck;
import io.adbsync.source.greenplum.SegmentSlots;
import io.adbsync.source.greenplum.SourceTopology;
import io.adbsync.source.greenplum.TaskSegments;
import io.adbsync.source.greenplum.TopologyProblem;
import io.adbsync.source.partition.Partitions;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.shard.ShardSlots;
import io.adbsync.source.replication.SetupProblem;
import io.adbsync.source.catalog.TableFilter;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;

import static io.adbsync.common.jdbc.PgCatalog.scalar;

/**
 * The live checks {@code validate()} runs against the source (what the managed service calls its precheck), each
 * failure reported on the config key the user has to change, with what to do about it.
 */
public final class SourcePrecheck {

    private static final Logger log = LoggerFactory.getLogger(SourcePrecheck.class);

    private SourcePrecheck() {
    }

    public static void check(SourceConfig config, Map<String, ConfigValue> values) {
        ConnectionConfig connection = config.connection();
        Properties timeouts = Jdbc.timeouts(10, 30);
        try (Connection c = Jdbc.open(connection, timeouts)) {
            SourceTopology topology = SourceTopology.detect(c, config.sourceMode());
            reportMode(topology, values);
            // A mode that does not fit the server is reported above; the server is then checked as one server.
            boolean perSegment = topology.mode() == SourceMode.GREENPLUM_SEGMENTS && topology.problem().isEmpty();
            checkServer(c, config, values, perSegment);
            checkTables(c, config, values);
            checkFilters(c, config, values);
            if (perSegment) {
                // The slots live on the segments; the coordinator's own are not used.
                for (TopologyProblem problem : SegmentPrecheck.check(c, topology, segmentSettings(config), timeouts)) {
                    error(values, problem.configKey(), problem.message());
                }
            } else {
                // Split by key, the tasks read slots of their own (checked with the count); one task reads slot.name.
                if (taskCount(values) <= 1) {
                    checkSlot(c, config, values);
                }
                checkShardCount(c, config, values);
            }
            checkSetup(c, config, values, perSegment);
            if (perSegment) {
                String lock = SegmentSlots.lockProblem(c, config.connection(), topology.segments(), config.slotName(),
                        SourceCatalog.capturedTables(c, new TableFilter(config.tableIncludeList(), config.tableExcludeList())));
                if (lock != null) {
                    error(values, ConnectionConfig.USER, lock);
                }
            }
        } catch (SQLException e) {
            reportConnectionFailure(e, connection, values);
        }
    }

    /**
     * Names the mode the connector would use: Connect's validation response has no field for a notice, so it is the
     * recommended value of {@code source.mode}, and the reason is in the log and in every message about the mode.
     */
    private static void reportMode(SourceTopology topology, Map<String, ConfigValue> values) {
        log.info("Source mode {}", topology.describe());
        values.get(SourceConfig.SOURCE_MODE).recommendedValues(List.of(topology.mode().configValue()));
        topology.problem().ifPresent(p -> error(values, p.configKey(), p.message()));
        ConfigValue tasksMax = values.get(TaskSegments.TASKS_MAX);
        OptionalInt tasks = tasksMax == null ? OptionalInt.empty() : wholeNumber(tasksMax.value());
        if (tasksMax != null && tasks.isEmpty()) {
            tasksMax.addErrorMessage(TaskSegments.TASKS_MAX + " must be a whole number, got '" + tasksMax.value() + "'");
        } else if (tasks.isPresent() && topology.problem().isEmpty()) {
            TaskSegments.tooFewTasks(topology, tasks.getAsInt()).ifPresent(tasksMax::addErrorMessage);
        }
    }

    /** How many tasks {@code tasks.max} asks for: 1 where unset or not a number (reported on the key). */
    private static int taskCount(Map<String, ConfigValue> values) {
        ConfigValue tasksMax = values.get(TaskSegments.TASKS_MAX);
        OptionalInt tasks = tasksMax == null ? OptionalInt.of(1) : wholeNumber(tasksMax.value());
        return Math.max(1, tasks.orElse(1));
    }

    /** {@code tasks.max} as a number (1 where unset); none where it is not one. */
    private static OptionalInt wholeNumber(Object value) {
        if (value == null) {
            return OptionalInt.of(1);
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.toString().trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private static void checkServer(Connection c, SourceConfig config, Map<String, ConfigValue> values, boolean perSegment)
            throws SQLException {
        ServerCapabilities server = ServerCapabilities.of(c);
        if (!server.supported()) {
            error(values, ConnectionConfig.URL, "The source runs PostgreSQL " + scalar(c, "SHOW server_version")
                    + "; logical replication with pgoutput needs 12 or later (AnalyticDB for PostgreSQL 7.2.1.4+)");
        }
        // Per segment, the coordinator decodes nothing: each segment's wal_level is checked on the segment.
        String walLevel = scalar(c, "SHOW wal_level");
        if (!perSegment && !"logical".equals(walLevel)) {
            error(values, ConnectionConfig.URL, "The source has wal_level=" + walLevel
                    + "; set wal_level = logical (ALTER SYSTEM SET wal_level = logical) and restart the server");
        }
        String user = scalar(c, "SELECT current_user");
        if (!"true".equals(scalar(c, "SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname = current_user"))) {
            error(values, ConnectionConfig.USER, "User " + user + " lacks the REPLICATION privilege; run ALTER ROLE "
                    + SqlIdentifiers.quote(user) + " REPLICATION");
        }
        String database = scalar(c, "SELECT current_database()");
        if (database.contains("-")) {
            error(values, ConnectionConfig.URL, hyphenMessage(database));
        }
        if (config.publicationPartitions().equals("root") && !server.publishViaPartitionRoot()) {
            error(values, SourceConfig.PUBLICATION_PARTITIONS, SourceConfig.PUBLICATION_PARTITIONS + "=root needs PostgreSQL 13 "
                    + "or later at the source (publish_via_partition_root); this server is " + scalar(c, "SHOW server_version")
                    + ": use leaves or auto");
        }
        if (!config.tableFilters().isEmpty() && !server.publicationRowFilters() && !config.filtersInConnector(server)) {
            error(values, SourceConfig.TABLE_FILTERS_MODE, "Publication row filters need PostgreSQL 15 or later at the source; "
                    + "this server is " + scalar(c, "SHOW server_version") + ": use table.filters.mode=connector or auto");
        }
    }

    private static void checkTables(Connection c, SourceConfig config, Map<String, ConfigValue> values) throws SQLException {
        TableFilter filter = new TableFilter(config.tableIncludeList(), config.tableExcludeList());
        TableId heartbeat = config.heartbeatTable();
        boolean captured = SourceCatalog.capturedTables(c, filter).stream().anyMatch(t -> !t.equals(heartbeat));
        try {
            Partitions.requireRootsNamed(c, filter);
        } catch (ConnectException e) {
            error(values, SourceConfig.TABLE_INCLUDE_LIST, e.getMessage());
            return;
        }
        if (!captured) {
            error(values, SourceConfig.TABLE_INCLUDE_LIST, "No table of database " + scalar(c, "SELECT current_database()")
                    + " matches " + SourceConfig.TABLE_INCLUDE_LIST + "=" + String.join(",", config.tableIncludeList())
                    + (config.tableExcludeList().isEmpty() ? "" : " minus " + SourceConfig.TABLE_EXCLUDE_LIST + "="
                    + String.join(",", config.tableExcludeList())) + " (patterns match schema.table whole)");
        }
        List<UncapturableTables.Uncapturable> uncapturable = UncapturableTables.find(c, filter, heartbeat,
                config.replicaIdentityFull());
        if (!uncapturable.isEmpty()) {
            error(values, SourceConfig.TABLE_INCLUDE_LIST, UncapturableTables.message(uncapturable));
        }
    }

    /**
     * Lets the source judge each row filter as a condition on its table: names it resolves, types, the result being
     * boolean. Each runs as {@code SELECT 1 FROM table WHERE (condition) LIMIT 0}, which evaluates the condition on no
     * row, in a read-only transaction that is rolled back. The condition reaches this statement only after
     * {@link io.adbsync.source.catalog.RowFilterConditions} found that it stays inside its parentheses.
     */
    private static void checkFilters(Connection c, SourceConfig config, Map<String, ConfigValue> values) throws SQLException {
        Map<String, String> filters = config.tableFilters();
        if (filters.isEmpty()) {
            return;
        }
        c.setAutoCommit(false);
        c.setReadOnly(true);
        try {
            for (Map.Entry<String, String> filter : filters.entrySet()) {
                TableId table = TableId.parse(filter.getKey());
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT 1 FROM " + table.quoted() + " WHERE (" + filter.getValue()
                            + ") LIMIT 0");
                } catch (SQLException e) {
                    if (SqlErrors.classify(e) == SqlErrors.Kind.TRANSIENT) {
                        throw e;
                    }
                    error(values, SourceConfig.TABLE_FILTERS, "The row filter of " + filter.getKey() + " is not a condition "
                            + "the source can evaluate on that table: " + e.getMessage() + " (SQLState " + e.getSQLState() + ")");
                } finally {
                    c.rollback();
                }
            }
        } finally {
            c.setReadOnly(false);
            c.setAutoCommit(true);
        }
    }

    /**
     * Under {@code setup.mode=check}: the publication, heartbeat table and replica identities an administrator must
     * have made, each problem on its key with the SQL to run. Only once everything else passed: the SQL it names
     * depends on the tables and settings the other checks accept.
     */
    private static void checkSetup(Connection c, SourceConfig config, Map<String, ConfigValue> values, boolean perSegment)
            throws SQLException {
        if (config.setupMode() != SetupMode.CHECK
                || values.values().stream().anyMatch(v -> !v.errorMessages().isEmpty())) {
            return;
        }
        TableFilter filter = new TableFilter(config.tableIncludeList(), config.tableExcludeList());
        List<String> uncapturable = UncapturableTables.find(c, filter, config.heartbeatTable(), config.replicaIdentityFull())
                .stream().map(UncapturableTables.Uncapturable::table).toList();
        try {
            for (SetupProblem problem : SetupCheck.problems(c, config, filter.without(uncapturable), perSegment)) {
                error(values, problem.configKey(), problem.message());
            }
        } catch (ConnectException e) {
            error(values, SourceConfig.PUBLICATION_NAME, e.getMessage());
        }
    }

    static String hyphenMessage(String database) {
        return "Database name " + database + " contains a hyphen ('-'), which the managed synchronization service does "
                + "not accept as a source; rename it (ALTER DATABASE " + SqlIdentifiers.quote(database) + " RENAME TO "
                + SqlIdentifiers.quote(database.replace('-', '_')) + ") or replicate from a database whose name has none";
    }

    static String noFreeSlotMessage(String slot, int used, int max) {
        return used + " of max_replication_slots=" + max + " replication slots of the source are in use, so slot " + slot
                + " cannot be created; drop unused slots (SELECT pg_drop_replication_slot(slot_name) FROM "
                + "pg_replication_slots WHERE NOT active) or raise max_replication_slots and restart the server";
    }

    static String slotInUseMessage(String slot, int pid, String application, String client) {
        return "Slot " + slot + " is being read by another consumer (server process " + pid + ", application '"
                + application + "'" + (client == null ? "" : ", client " + client) + "); a slot serves one reader at a "
                + "time. Stop that consumer (SELECT pg_terminate_backend(" + pid + ")) or choose another "
                + SourceConfig.SLOT_NAME;
    }

    /**
     * A source read as one stream is split by key among tasks.max tasks, each with its slot: slots made for another count
     * (or the one slot of an unsharded source) mean the count changed, which the tasks refuse; said here, on tasks.max.
     */
    private static void checkShardCount(Connection c, SourceConfig config, Map<String, ConfigValue> values) throws SQLException {
        if (config.snapshotMode() == SnapshotMode.INITIAL_ONLY) {
            return;
        }
        int count = taskCount(values);
        Optional<String> tooLong = ShardSlots.nameTooLong(config.slotName(), count);
        if (tooLong.isPresent()) {
            error(values, SourceConfig.SLOT_NAME, tooLong.get());
            return;
        }
        Map<String, ReplicationSetup.ExistingSlot> found = ShardSlots.existing(c, config.slotName());
        Optional<String> another = ShardSlots.madeForAnotherCount(found, config.slotName(), count,
                String.valueOf(config.originals().getOrDefault("name", "<name>")));
        if (another.isPresent()) {
            error(values, TaskSegments.TASKS_MAX, another.get());
            return;
        }
        if (count > 1) {
            String database = scalar(c, "SELECT current_database()");
            for (Map.Entry<String, ReplicationSetup.ExistingSlot> slot : found.entrySet()) {
                String problem = slot.getValue().problem(database);
                if (problem != null) {
                    error(values, SourceConfig.SLOT_NAME, problem);
                } else {
                    checkSlotReader(c, slot.getKey(), values);
                }
            }
        }
        int needed = count > 1 ? ShardSlots.missing(found, config.slotName(), count).size() : 0;
        int used = Integer.parseInt(scalar(c, "SELECT count(*) FROM pg_replication_slots"));
        int max = Integer.parseInt(scalar(c, "SHOW max_replication_slots"));
        if (needed > 0 && used + needed > max) {
            error(values, TaskSegments.TASKS_MAX, TaskSegments.TASKS_MAX + "=" + count + " splits the source by key among " + count
                    + " tasks, each with a slot of its own, but the server has room for " + Math.max(0, max - used)
                    + " more replication slot(s) (max_replication_slots=" + max + ", " + used + " in use): raise "
                    + "max_replication_slots (and max_wal_senders) or lower tasks.max");
        }
    }

    private static void checkSlot(Connection c, SourceConfig config, Map<String, ConfigValue> values) throws SQLException {
        if (config.snapshotMode() == SnapshotMode.INITIAL_ONLY) {
            return;
        }
        ReplicationSetup.ExistingSlot existing = ReplicationSetup.existingSlot(c, config.slotName());
        if (existing != null) {
            String problem = existing.problem(scalar(c, "SELECT current_database()"));
            if (problem != null) {
                error(values, SourceConfig.SLOT_NAME, problem);
            } else {
                checkSlotReader(c, config.slotName(), values);
            }
            return;
        }
        int used = Integer.parseInt(scalar(c, "SELECT count(*) FROM pg_replication_slots"));
        int max = Integer.parseInt(scalar(c, "SHOW max_replication_slots"));
        if (used >= max) {
            error(values, SourceConfig.SLOT_NAME, noFreeSlotMessage(config.slotName(), used, max));
        }
    }

    /**
     * An active slot read by a program other than adbsync means two consumers for one slot. A reader named adbsync is
     * let through: it is most likely this connector's own task, and validate() also runs when a running connector's
     * config is updated.
     */
    private static void checkSlotReader(Connection c, String slotName, Map<String, ConfigValue> values) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT s.active_pid, a.application_name, a.client_addr::text FROM pg_replication_slots s "
                        + "LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid WHERE s.slot_name = ? AND s.active")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    String application = rs.getString(2);
                    if (application != null && !application.equals(ConnectionConfig.APPLICATION_NAME)) {
                        error(values, SourceConfig.SLOT_NAME, slotInUseMessage(slotName, rs.getInt(1), application,
                                rs.getString(3)));
                    }
                }
            }
        }
    }

    private static void reportConnectionFailure(SQLException e, ConnectionConfig connection, Map<String, ConfigValue> values) {
        if (SqlErrors.isAuthenticationFailure(e)) {
            error(values, ConnectionConfig.PASSWORD, "Authentication of user " + connection.user() + " failed: " + e.getMessage());
        } else if (SqlErrors.isUndefinedDatabase(e)) {
            error(values, ConnectionConfig.URL, "The database does not exist: " + e.getMessage());
        } else {
            error(values, ConnectionConfig.URL, "Cannot connect to " + connection.redactedUrl() + ": " + e.getMessage());
        }
    }

    private static void error(Map<String, ConfigValue> values, String key, String message) {
        values.get(key).addErrorMessage(message);
    }

    /** The settings {@link SegmentPrecheck} checks the segments against. */
    public static SegmentPrecheck.Settings segmentSettings(SourceConfig config) {
        return new SegmentPrecheck.Settings(config.connection(), config.snapshotMode(), config.slotName(),
                config.heartbeatIntervalMs(), config.heartbeatTable());
    }
}
