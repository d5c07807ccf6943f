package io.adbsync.source;

import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.replication.SetupMode;
import io.adbsync.common.Version;
import io.adbsync.common.config.ConnectorValidation;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.greenplum.Segment;
import io.adbsync.source.greenplum.SourceMode;
import io.adbsync.source.greenplum.SourceTopology;
import io.adbsync.source.greenplum.TaskSegments;
import io.adbsync.source.shard.KeyShard;
import io.adbsync.source.shard.TaskShards;
import io.adbsync.source.shard.ShardSlots;
import io.adbsync.source.precheck.SourcePrecheck;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.snapshot.SnapshotOffsets;
import io.adbsync.source.stream.OffsetScope;
import io.adbsync.source.stream.StreamPosition;
import io.adbsync.source.stream.TopicPartitions;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Kafka Connect entry point of the source side: snapshots and streams a PostgreSQL-protocol database into topics. */
public class AdbPgSourceConnector extends SourceConnector {

    private static final Logger log = LoggerFactory.getLogger(AdbPgSourceConnector.class);
    /** In {@link #alterOffsets}, the stream of a source read as one. */
    private static final String WHOLE_SOURCE = "";

    /**
     * The task's number among the connector's tasks, which {@link #taskConfigs} adds to each task's config: Connect
     * tells a task nothing about itself, and its metrics beans are named by it. Not a setting users make.
     */
    public static final String TASK_ID = "task.id";

    private Map<String, String> props;
    /** Asks for the source's topology again after it could not be reached when the tasks were made; null when not. */
    private ScheduledExecutorService topologyWatch;
    private final long topologyRetrySeconds;

    public AdbPgSourceConnector() {
        this(30);
    }

    AdbPgSourceConnector(long topologyRetrySeconds) {
        this.topologyRetrySeconds = topologyRetrySeconds;
    }

    @Override
    public void start(Map<String, String> props) {
        // Parsing here makes a bad config fail the connector at once, with the key named, not later in a task.
        new SourceConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return AdbPgSourceTask.class;
    }

    /**
     * One task per replication slot: one per key shard of {@code tasks.max} for a source read as one stream (one task
     * when it is 1, see {@link TaskShards}), one per primary segment under {@code source.mode=greenplum_segments} (see
     * {@link TaskSegments}).
     */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        SourceTopology topology = topology();
        if (topology == null || (topology.mode() != SourceMode.GREENPLUM_SEGMENTS && topology.problem().isEmpty())) {
            // Read as one stream: by one task, or split by key among tasks.max of them.
            return TaskShards.configs(props, maxTasks, TASK_ID);
        }
        return TaskSegments.taskConfigs(props, topology, maxTasks, TASK_ID);
    }

    /**
     * The source's topology where the mode may be per segment, else null (no connection needed). A source that cannot
     * be reached now gets the tasks of a source read as one stream: they retry their connection, and if they then find
     * segments to read they stop (before making anything) saying the tasks must be made again, which the watch of the
     * topology has Connect do.
     */
    private SourceTopology topology() {
        SourceConfig config = new SourceConfig(props);
        SourceMode requested = config.sourceMode();
        if (requested == SourceMode.POSTGRES || requested == SourceMode.COORDINATOR) {
            return null;
        }
        try {
            SourceTopology topology = detect(config);
            log.info("Source mode {}", topology.describe());
            return topology;
        } catch (SQLException e) {
            log.warn("Cannot reach the source at {} to find its topology ({}); making the tasks of a source read as one "
                    + "stream, and asking again every {} s", config.connection().redactedUrl(), e.getMessage(),
                    topologyRetrySeconds);
            watchTopology(config);
            return null;
        }
    }

    private static SourceTopology detect(SourceConfig config) throws SQLException {
        try (Connection c = Jdbc.open(config.connection(), Jdbc.timeouts(10, 30))) {
            return SourceTopology.detect(c, config.sourceMode());
        }
    }

    /**
     * Asks the source for its topology until it answers, then, where it is read per segment, has Connect make the
     * tasks again (one per segment); the one task made meanwhile stops saying the tasks must be made again.
     */
    private synchronized void watchTopology(SourceConfig config) {
        if (topologyWatch != null) {
            return;
        }
        topologyWatch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adbsync-topology-" + config.topicPrefix());
            t.setDaemon(true);
            return t;
        });
        topologyWatch.scheduleWithFixedDelay(() -> {
            try {
                SourceTopology topology = detect(config);
                stopWatchingTopology();
                if (topology.mode() == SourceMode.GREENPLUM_SEGMENTS) {
                    log.info("Source mode {}: making a task per segment", topology.describe());
                    context().requestTaskReconfiguration();
                }
            } catch (SQLException | RuntimeException e) {
                // Caught whatever it is: a scheduled run that throws ends every later one.
                log.debug("The source still cannot be reached to find its topology: {}", e.toString());
            }
        }, topologyRetrySeconds, topologyRetrySeconds, TimeUnit.SECONDS);
    }

    private synchronized void stopWatchingTopology() {
        if (topologyWatch != null) {
            topologyWatch.shutdownNow();
            topologyWatch = null;
        }
    }

    @Override
    public void stop() {
        stopWatchingTopology();
    }

    /**
     * Validates the config, then, when the connection settings are well-formed, checks the source itself: reachable,
     * wal_level, privileges, version, database name, captured tables and their keys, replication slots.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        try {
            TopicPartitions.from(connectorConfigs);
        } catch (TopicPartitions.Invalid e) {
            // A Kafka Connect setting, not in this connector's ConfigDef: its error is reported on its own key.
            result.configValues().add(new ConfigValue(e.key(), connectorConfigs.get(e.key()), new ArrayList<>(),
                    new ArrayList<>(List.of(e.getMessage()))));
        }
        // Connect's own setting, which its herder validates: added so the check of the segments' tasks can name it.
        result.configValues().add(new ConfigValue(TaskSegments.TASKS_MAX, connectorConfigs.getOrDefault(TaskSegments.TASKS_MAX,
                "1"), new ArrayList<>(), new ArrayList<>()));
        return ConnectorValidation.withLiveChecks(result, values -> SourcePrecheck.check(new SourceConfig(connectorConfigs), values));
    }

    /**
     * Checks offsets written through the REST API (PATCH) so a malformed one is refused with a reason, and on a reset
     * (DELETE) drops the slot (and the publication the connector made) when {@value SourceConfig#SLOT_DROP_ON_OFFSETS_RESET}
     * is true.
     */
    @Override
    public boolean alterOffsets(Map<String, String> connectorConfig, Map<Map<String, ?>, Map<String, ?>> offsets) {
        // The streams whose stored position is deleted: the whole source's (""), segments' content ids, or key shards.
        Set<String> streamsReset = new HashSet<>();
        for (Map.Entry<Map<String, ?>, Map<String, ?>> e : offsets.entrySet()) {
            if (e.getValue() == null) {
                if (!e.getKey().containsKey(OffsetScope.SNAPSHOT)
                        && String.valueOf(e.getKey().get(OffsetScope.SERVER)).equals(connectorConfig.get(SourceConfig.TOPIC_PREFIX))) {
                    Object segment = e.getKey().get(OffsetScope.SEGMENT);
                    Object shard = e.getKey().get(OffsetScope.SHARD);
                    streamsReset.add(segment != null ? segment.toString() : shard != null ? shard.toString() : WHOLE_SOURCE);
                }
                continue;
            }
            if (e.getKey().containsKey("snapshot")) {
                try {
                    SnapshotOffsets.check(e.getValue());
                } catch (IllegalArgumentException bad) {
                    throw new ConnectException("Invalid snapshot offset for " + e.getKey().get("snapshot") + ": "
                            + bad.getMessage(), bad);
                }
            } else {
                try {
                    StreamPosition.fromOffset(e.getValue());
                } catch (IllegalArgumentException bad) {
                    throw new ConnectException("Invalid offset for partition " + e.getKey() + ": " + bad.getMessage(), bad);
                }
            }
        }
        SourceConfig config = new SourceConfig(connectorConfig);
        if (!streamsReset.isEmpty() && config.slotDropOnOffsetsReset()) {
            try (SourceCatalog catalog = new SourceCatalog(config.connection())) {
                SourceTopology topology = SourceTopology.detect(catalog.connection(), config.sourceMode());
                // A slot still serves every stream position left stored (a table's copy reset alone, one segment's
                // stream): dropped, the changes it holds for them would be gone.
                // Read as one stream, the slots found say how: one slot, or one per key shard.
                Map<String, ReplicationSetup.ExistingSlot> found = topology.mode() == SourceMode.GREENPLUM_SEGMENTS
                        ? Map.of() : ShardSlots.existing(catalog.connection(), config.slotName());
                List<String> slots = found.isEmpty() ? List.of(config.slotName()) : new ArrayList<>(found.keySet());
                Set<String> streams = topology.mode() == SourceMode.GREENPLUM_SEGMENTS
                        ? topology.segments().stream().map(s -> Integer.toString(s.content())).collect(Collectors.toSet())
                        : slots.stream().map(slot -> ShardSlots.shardOf(slot, config.slotName()).map(KeyShard::toString)
                                .orElse(WHOLE_SOURCE)).collect(Collectors.toSet());
                if (!streamsReset.containsAll(streams)) {
                    log.warn("Offsets reset, but slot(s) {} kept: the stream position(s) of {} were not reset with them "
                            + "and still need them. If the connector is being removed and those streams never stored a "
                            + "position (heartbeats off), drop the slot(s) yourself: SELECT pg_drop_replication_slot('<name>')",
                            slots, streams.stream().filter(x -> !streamsReset.contains(x))
                                    .map(x -> x.isEmpty() ? "the source" : x.contains("/") ? "key shard " + x : "segment " + x)
                                    .toList());
                    return true;
                }
                List<SourceCatalog> slotServers = new ArrayList<>();
                try {
                    if (topology.mode() == SourceMode.GREENPLUM_SEGMENTS) {
                        for (Segment segment : topology.segments()) {
                            slotServers.add(new SourceCatalog(segment.utilityConnection(config.connection())));
                        }
                    } else {
                        slotServers.add(catalog);
                    }
                    // Key shards' slots first; the publication goes with the last, which reads it until then.
                    for (String slot : slots.subList(0, slots.size() - 1)) {
                        ReplicationSetup.dropSlot(catalog.connection(), slot);
                    }
                    ReplicationSetup.drop(catalog, slotServers, slots.get(slots.size() - 1), config.publicationName(),
                            config.setupMode() == SetupMode.CREATE);
                } finally {
                    slotServers.stream().filter(s -> s != catalog).forEach(SourceCatalog::close);
                }
            } catch (SQLException ex) {
                throw new ConnectException("Offsets reset, but slot " + config.slotName() + " could not be dropped: "
                        + ex.getMessage() + " (SQLState " + ex.getSQLState() + ")", ex);
            }
        }
        return true;
    }

    @Override
    public ConfigDef config() {
        return SourceConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return Version.get();
    }
}
