package io.adbsync.source.setup;

import io.adbsync.common.sql.TableId;
import io.adbsync.source.replication.SetupMode;
import io.adbsync.source.snapshot.SnapshotMode;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.UncapturableTables;
import io.adbsync.source.discovery.FoundTables;
import io.adbsync.source.discovery.NewTables;
import io.adbsync.source.greenplum.SourceTopology;
import io.adbsync.source.heartbeat.Heartbeat;
import io.adbsync.source.metrics.StreamingMetrics;
import io.adbsync.source.partition.AttachedPartitions;
import io.adbsync.source.partition.PartitionMode;
import io.adbsync.source.partition.PartitionPublication;
import io.adbsync.source.partition.PartitionRouter;
import io.adbsync.source.reader.StreamReader;
import io.adbsync.source.shard.KeyShard;
import io.adbsync.source.shard.RecopyRendezvous;
import io.adbsync.source.snapshot.CopiesInFlight;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.snapshot.LeftTables;
import io.adbsync.source.snapshot.SnapshotMetrics;
import io.adbsync.source.snapshot.SnapshotRounds;
import io.adbsync.source.snapshot.Snapshotter;
import io.adbsync.source.stream.ChangeRecordFactory;
import io.adbsync.source.stream.ChangeStream;
import io.adbsync.source.stream.StoredStream;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.stream.StreamPosition;
import io.adbsync.source.stream.StreamedTransactions;
import io.adbsync.source.catalog.TableFilter;
import io.adbsync.source.stream.TopicPartitions;
import io.adbsync.source.types.TypeMapper;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Sets the source task up: finds where it reads, has {@link SourceBootstrap} bring the publication, slot and heartbeat
 * table in step, finds the tables left out of capture, builds the change stream, plans the snapshot, registers the
 * metrics and opens the stream; returns the {@link Capture} it built. One instance serves the attempts of one task start.
 */
public final class TaskSetup {

    /** Set-ups in a row that may meet a dropped table before the task fails: each race needs another DROP. */
    public static final int MAX_SET_UP_RACES = 10;

    private static final Logger log = LoggerFactory.getLogger(TaskSetup.class);
    private static final String UNDEFINED_TABLE = "42P01";

    private final SourceConfig config;
    private final String connectorName;
    private final String taskId;
    private final OptionalInt segment;
    private final KeyShard shard;
    private final OffsetStorageReader offsets;
    private final LsnAckTracker tracker;
    private final StreamingMetrics metrics;
    private final SourceBootstrap bootstrap;
    private int races;

    /**
     * @param taskId  names the task's metrics beans
     * @param segment the content id of the Greenplum segment the task reads, empty where it reads the source as one
     * @param shard   the key shard the task reads where several read the source as one stream, else null
     * @param tracker the task's record of acknowledged LSNs, which the stream confirms to the slot
     * @param metrics the task's stream metrics, registered once set up
     */
    private final CopiesInFlight copiesInFlight;

    public TaskSetup(SourceConfig config, String connectorName, String taskId, OptionalInt segment, KeyShard shard,
                     OffsetStorageReader offsets, LsnAckTracker tracker, StreamingMetrics metrics,
                     CopiesInFlight copiesInFlight) {
        this.copiesInFlight = copiesInFlight;
        this.config = config;
        this.segment = segment;
        this.shard = shard;
        this.connectorName = connectorName;
        this.taskId = taskId;
        this.offsets = offsets;
        this.tracker = tracker;
        this.metrics = metrics;
        this.bootstrap = new SourceBootstrap(config, connectorName, scope -> storedPosition(scope.stream()));
    }

    /**
     * One attempt at setting up. On a failure, what it opened is closed again and the failure thrown: the caller
     * decides whether to try again ({@link #raced}, the retry window).
     */
    public Capture run() throws SQLException {
        SourceCatalog catalog = new SourceCatalog(config.connection());
        Built built = new Built();
        try {
            Capture capture = build(catalog, built);
            races = 0;
            return capture;
        } catch (SQLException | RuntimeException e) {
            if (built.reader != null) {
                built.reader.close();
            }
            if (built.snapshotter != null) {
                built.snapshotter.close();
            }
            built.snapshotMetrics.unregister();
            metrics.unregister();
            catalog.close();
            throw e;
        }
    }

    /**
     * Whether {@code failure} of an attempt is a captured table dropped between listing the captured tables and
     * reading it: the next attempt lists it no more, so it goes at once, up to {@value #MAX_SET_UP_RACES} in a row.
     */
    public boolean raced(Exception failure) {
        SQLException e = failure instanceof SQLException sql ? sql : failure.getCause() instanceof SQLException sql ? sql : null;
        if (e == null || !UNDEFINED_TABLE.equals(e.getSQLState()) || ++races > MAX_SET_UP_RACES) {
            return false;
        }
        log.info("A captured table was dropped while the task was setting up ({}); setting up again", e.getMessage());
        return true;
    }

    /** What an attempt opened so far, for closing it when the attempt fails. */
    private static final class Built {
        SnapshotMetrics snapshotMetrics = new SnapshotMetrics();
        Snapshotter snapshotter;
        StreamReader reader;
        RecopyRendezvous recopies;
    }

    private Capture build(SourceCatalog catalog, Built built) throws SQLException {
        ReadSite site = ReadSite.of(SourceTopology.detect(catalog.connection(), config.sourceMode()), segment, shard, config,
                catalog);
        if (site.perSegment()) {
            catalog.streamReadOn(site.data());
        }
        String database = catalog.database();
        boolean streaming = config.snapshotMode() != SnapshotMode.INITIAL_ONLY;
        // The server's identifier is only part of positions, which only topics of several partitions carry: with none,
        // no extra replication connection is opened at each start (the previous task's walsender may still hold one).
        TopicPartitions topicPartitions = config.topicPartitions();
        ChangeRecordFactory records = new ChangeRecordFactory(config.topicPrefix(), site.scope(), database,
                config.tombstonesOnDelete(), catalog, topicPartitions,
                streaming && topicPartitions.anyWithSeveral() ? ReplicationSetup.systemIdentifier(site.data()) : "");
        Heartbeat heartbeat = new Heartbeat(config.heartbeatTable(), config.slotName(), config.heartbeatTopic(),
                config.heartbeatIntervalMs(), records.partition());
        TableFilter filter = capturableOnly(catalog, new TableFilter(config.tableIncludeList(), config.tableExcludeList()));
        // Per segment, the table is also where the segments' tasks meet at a truncate, and where a task leaves its mark
        // at a truncate it went past without sending it.
        boolean heartbeatTable = heartbeat.enabled() || site.shared();
        SourceBootstrap.Result setUp = bootstrap.run(catalog, site, filter, heartbeat, heartbeatTable, streaming);
        List<TableId> captured = setUp.captured();
        Optional<StreamPosition> resumeAt = resumePosition(records);
        // Before the stream's filter is made: a table left out of capture is streamed until its copy's mark is stored.
        // Also under snapshot.mode=never: copies stored before a change of mode are taken as current when it changes back.
        LeftTables leftTables = streaming
                ? LeftTables.find(catalog.connection(), captured.stream().map(TableId::toString).collect(Collectors.toSet()),
                        new TableFilter(config.tableIncludeList(), config.tableExcludeList()), site.scope(),
                        offsets, (partition, offset) -> heartbeat.carrying(partition, offset,
                                resumeAt.map(StreamPosition::commitLsn), System.currentTimeMillis()))
                : LeftTables.none();
        TypeMapper types = new TypeMapper(catalog::formatType);
        RelationRegistry relations = new RelationRegistry(config.topicPrefix(), types, catalog::primaryKey, catalog::missingValues);
        ChangeStream changes = new ChangeStream(relations, types, records, filter.alsoCapturing(leftTables.kept()),
                config.operationFilter(), tracker, heartbeatTable ? heartbeat : null, resumeAt);
        if (setUp.filtersInConnector()) {
            changes.rowFilter(catalog.rowFilter(setUp.rowFilters()));
        }
        changes.partitions(PartitionRouter.over(catalog));
        changes.relationExists(catalog::relationExists);
        changes.share(site.share());
        AttachedPartitions attachedPartitions = streaming ? attachedPartitions(catalog, site, setUp, resumeAt.isEmpty()) : null;
        NewTables newTables = streaming ? newTables(catalog, site, setUp, filter, attachedPartitions) : null;
        Snapshotter snapshotter = config.snapshotMode() == SnapshotMode.NEVER ? null
                : planSnapshot(catalog, site, setUp, relations, records, heartbeat, attachedPartitions, built, streaming);
        metrics.register(connectorName, taskId);
        StoredStream stored = new StoredStream(offsets, records.partition(), () -> tracker.inFlight() == 0);
        StreamReader reader = new StreamReader(readerSettings(site), catalog, changes, tracker, metrics, heartbeat,
                new FoundTables(newTables, attachedPartitions, snapshotter, built.recopies, setUp.rowFilters(), offsets, stored));
        built.reader = reader;
        if (streaming && leftTables.holdsStream()) {
            log.info("Streaming database {} from slot {} waits until the marks of the tables no longer captured are stored",
                    database, site.slot(config.slotName()));
        } else if (streaming) {
            reader.connect();
            log.info("Streaming database {} from slot {}{} (publication {}) starting after {} into topics {}.*", database,
                    site.slot(config.slotName()), site.describe(), config.publicationName(), reader.describePosition(),
                    config.topicPrefix());
        }
        return new Capture(catalog, reader, snapshotter,
                snapshotter == null ? null : new SnapshotRounds(snapshotter, config.pollIntervalMs(), config.maxBatchSize(), config.topicPrefix()),
                built.snapshotMetrics, leftTables, streaming, site.truncates(catalog, heartbeat.tableName(), config.slotName()),
                stored);
    }

    /** The watch for partitions attached while streaming; null where none needs watching. */
    private AttachedPartitions attachedPartitions(SourceCatalog catalog, ReadSite site, SourceBootstrap.Result setUp,
                                                  boolean firstStart) throws SQLException {
        PartitionMode partitions = setUp.partitions();
        if (partitions != PartitionMode.LEAVES && config.snapshotMode() == SnapshotMode.NEVER) {
            return null;
        }
        // On the first start the slot is younger than every partition; later, a partition not yet copied waits.
        return new AttachedPartitions(catalog, config.publicationName(),
                PartitionPublication.partitionedTables(catalog.connection(), setUp.captured()),
                partitions == PartitionMode.LEAVES, setUp.publicationFilters(), config.replicaIdentityFull(),
                creates(site), (root, leaf) -> firstStart || config.snapshotMode() == SnapshotMode.NEVER
                        || Snapshotter.copyStarted(offsets, site.scope(), root.toString(), leaf));
    }

    /** The watch for tables created while streaming; their partitions go to {@code attached}'s watch. */
    private NewTables newTables(SourceCatalog catalog, ReadSite site, SourceBootstrap.Result setUp, TableFilter filter,
                                AttachedPartitions attached) throws SQLException {
        return new NewTables(catalog, config.publicationName(), filter, setUp.capturedNow(), config.heartbeatTable(),
                setUp.publicationFilters(), config.replicaIdentityFull(), setUp.partitions(), creates(site),
                (root, leaves) -> {
                    if (attached != null) {
                        attached.watch(root, leaves);
                    }
                });
    }

    /** The snapshot of the captured tables but the heartbeat's, planned from the stored offsets. */
    private Snapshotter planSnapshot(SourceCatalog catalog, ReadSite site, SourceBootstrap.Result setUp,
                                     RelationRegistry relations, ChangeRecordFactory records, Heartbeat heartbeat,
                                     AttachedPartitions attached, Built built, boolean streaming) throws SQLException {
        // The slot exists before the first chunk is read: that is what makes chunk plus stream consistent.
        Snapshotter snapshotter = new Snapshotter(site.data(), catalog, relations, records, site.scope(),
                config.publicationName(), config.snapshotMaxThreads(), config.snapshotChunkRows(), config.snapshotChunkBytes(), config.spillDirectory(),
                config.snapshotChunking(), built.snapshotMetrics,
                (partition, offset) -> heartbeat.carrying(partition, offset, Optional.empty(), System.currentTimeMillis()));
        built.snapshotter = snapshotter;
        snapshotter.share(site.share());
        if (streaming && site.shard() != null) {
            // Key shards' tasks meet before a copy again; with nothing streamed, no stream could tell them when.
            built.recopies = new RecopyRendezvous(catalog, config.heartbeatTable(), config.slotName(), site.shard(),
                    copiesInFlight);
            snapshotter.meetForRecopies(built.recopies);
        }
        if (attached != null) {
            snapshotter.deferPartitions(attached::deferred);
        }
        List<TableId> tables = setUp.captured().stream().filter(t -> !t.equals(heartbeat.tableName())).toList();
        snapshotter.plan(tables, setUp.rowFilters(), offsets, setUp.publishedBefore());
        built.snapshotMetrics.register(connectorName, taskId);
        return snapshotter;
    }

    /** Whether this task changes the publication (under setup.mode=create; per segment, only the task that writes). */
    private boolean creates(ReadSite site) {
        return config.setupMode() == SetupMode.CREATE && site.writes();
    }

    private Optional<StreamPosition> resumePosition(ChangeRecordFactory records) {
        return storedPosition(records.partition());
    }

    private Optional<StreamPosition> storedPosition(Map<String, String> streamPartition) {
        try {
            return StreamPosition.fromOffset(offsets.offset(streamPartition));
        } catch (IllegalArgumentException e) {
            throw new ConnectException("The stored stream offset is invalid: " + e.getMessage() + ". Correct it with "
                    + "PATCH /connectors/<name>/offsets on the stopped connector");
        }
    }

    private StreamReader.Settings readerSettings(ReadSite site) {
        return new StreamReader.Settings(site.data(), site.slot(config.slotName()), config.publicationName(),
                config.streamInProgressTransactions(), config.spillDirectory(),
                StreamedTransactions.owner(connectorName, site.data().url(), site.slot(config.slotName())),
                config.statusUpdateIntervalMs(), config.heartbeatTopic());
    }

    /**
     * Leaves out the tables that cannot be captured. Publishing a table without replica identity would make the
     * source application's own UPDATE and DELETE on it fail, and a keyless table's records could not be applied:
     * validate() refuses such tables, and one created since is skipped here with the same message.
     */
    private TableFilter capturableOnly(SourceCatalog catalog, TableFilter filter) throws SQLException {
        List<UncapturableTables.Uncapturable> skipped = UncapturableTables.find(catalog.connection(), filter,
                config.heartbeatTable(), config.replicaIdentityFull());
        if (skipped.isEmpty()) {
            return filter;
        }
        log.warn("{}. They are not captured; after the change, restart the task to capture them", UncapturableTables.message(skipped));
        return filter.without(skipped.stream().map(UncapturableTables.Uncapturable::table).toList());
    }
}
