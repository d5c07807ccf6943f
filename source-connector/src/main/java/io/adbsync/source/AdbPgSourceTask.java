package io.adbsync.source;

import io.adbsync.common.Version;
import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.throttle.Throttle;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.catalog.ReplicaIdentity;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.UncapturableTables;
import io.adbsync.source.discovery.NewTables;
import io.adbsync.source.heartbeat.Heartbeat;
import io.adbsync.source.metrics.StreamingMetrics;
import io.adbsync.source.partition.AttachedPartitions;
import io.adbsync.source.partition.PartitionMode;
import io.adbsync.source.partition.PartitionPublication;
import io.adbsync.source.partition.PartitionRouter;
import io.adbsync.source.partition.Partitions;
import io.adbsync.source.pgoutput.PgOutputDecoder;
import io.adbsync.source.precheck.SetupCheck;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.replication.ReplicationStream;
import io.adbsync.source.replication.SetupProblem;
import io.adbsync.source.snapshot.SnapshotMetrics;
import io.adbsync.source.snapshot.LeftTables;
import io.adbsync.source.snapshot.Snapshotter;
import io.adbsync.source.stream.ChangeRecordFactory;
import io.adbsync.source.stream.ChangeStream;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.stream.TopicNames;
import io.adbsync.source.stream.StreamPosition;
import io.adbsync.source.stream.StreamedTransactions;
import io.adbsync.source.stream.TableFilter;
import io.adbsync.source.stream.TopicPartitions;
import io.adbsync.source.types.TypeMapper;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Reads the replication slot and turns committed changes into records. All database I/O happens on the task
 * thread inside {@link #poll()}; Kafka acknowledgements arrive on the producer thread and only move the LSN the
 * slot may confirm, which the next poll sends to the server.
 */
public class AdbPgSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(AdbPgSourceTask.class);
    private static final int STATUS_INTERVAL_SECONDS = 10;
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final String UNDEFINED_TABLE = "42P01";
    /** Set-ups in a row that may meet a dropped table before the task fails: each race needs another DROP. */
    private static final int MAX_SET_UP_RACES = 10;

    private SourceConfig config;
    private SourceCatalog catalog;
    private ChangeStream changes;
    private ChangeRecordFactory records;
    private Heartbeat heartbeat;
    private final LsnAckTracker tracker = new LsnAckTracker();
    private final StreamingMetrics metrics = new StreamingMetrics();
    private ReplicationStream stream;
    private StreamedTransactions streamed;
    private Snapshotter snapshotter;
    private AttachedPartitions attachedPartitions;
    private NewTables newTables;
    /** The tables no longer captured whose copies this task marks; see {@link LeftTables}. */
    private volatile LeftTables leftTables = LeftTables.none();
    /** The tables the publication held when this task first looked, before it brought the publication in step. */
    private Set<String> publishedBefore;
    private SnapshotMetrics snapshotMetrics = new SnapshotMetrics();
    private String connectorName;
    private boolean started;
    private boolean snapshotTurn = true;
    private Throttle streamThrottle;
    private Throttle snapshotThrottle;
    private Throttle snapshotQueryThrottle;
    private long streamAllowedAtNanos;
    private long snapshotAllowedAtNanos;
    private boolean idleLogged;
    private PgOutputDecoder decoder;
    private volatile boolean stopping;
    /** Held by poll() while it uses the connections, so stop() closes them only between polls. */
    private final Object ioLock = new Object();
    private long disconnectedSince;
    private long backoffMs;
    private long nextAttemptAt;
    private SQLException lastFailure;
    private int setUpRaces;

    @Override
    public String version() {
        return Version.get();
    }

    /**
     * Only reads the config: connecting and setting up happen in {@link #poll()} under the retry window, so a source
     * that is down or a slot still held by the previous task delays the task instead of failing it.
     */
    @Override
    public void start(Map<String, String> props) {
        config = new SourceConfig(props);
        connectorName = props.getOrDefault("name", config.topicPrefix());
        stopping = false;
        started = false;
        setUpRaces = 0;
        publishedBefore = null;
        streamThrottle = config.streamThrottle();
        snapshotThrottle = config.snapshotThrottle();
        snapshotQueryThrottle = config.snapshotQueryThrottle();
    }

    /** One attempt at connecting and setting up, when due; false while the source is not ready yet. */
    private boolean startWhenReady() throws InterruptedException {
        long now = System.currentTimeMillis();
        if (now < nextAttemptAt) {
            Thread.sleep(Math.min(nextAttemptAt - now, config.pollIntervalMs()));
            return false;
        }
        try {
            setUp();
            started = true;
            setUpRaces = 0;
            if (disconnectedSince != 0) {
                log.info("Connected to {} after {} ms", config.connection().redactedUrl(), System.currentTimeMillis() - disconnectedSince);
                disconnectedSince = 0;
            }
            return true;
        } catch (SQLException | RuntimeException failure) {
            close();
            SQLException e = sqlCause(failure);
            if (e == null) {
                throw (RuntimeException) failure;
            }
            if (UNDEFINED_TABLE.equals(e.getSQLState()) && ++setUpRaces <= MAX_SET_UP_RACES) {
                // A table dropped between listing the captured tables and reading it: the next set-up lists it no more.
                log.info("A captured table was dropped while the task was setting up ({}); setting up again", e.getMessage());
                return false;
            }
            if (SqlErrors.classify(e) != SqlErrors.Kind.TRANSIENT) {
                if (failure instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new ConnectException("Cannot start streaming from " + config.connection().redactedUrl() + ": " + e.getMessage()
                        + " (SQLState " + e.getSQLState() + ")", e);
            }
            if (disconnectedSince == 0) {
                disconnectedSince = now;
                backoffMs = 1_000;
                log.warn("Cannot start streaming from {} yet ({}, SQLState {}); retrying for up to {} ms ({})",
                        config.connection().redactedUrl(), e.getMessage(), e.getSQLState(), config.retryWindowMs(), SourceConfig.RETRY_WINDOW_MS);
            }
            return retryLater(e);
        }
    }

    private void setUp() throws SQLException {
        catalog = new SourceCatalog(config.connection());
        String database = catalog.database();
        boolean streams = config.snapshotMode() != SourceConfig.SnapshotMode.INITIAL_ONLY;
        // The server's identifier is only part of positions, which only topics of several partitions carry: with none,
        // no extra replication connection is opened at each start (the previous task's walsender may still hold one).
        TopicPartitions topicPartitions = config.topicPartitions();
        records = new ChangeRecordFactory(config.topicPrefix(), database, config.tombstonesOnDelete(), catalog, topicPartitions,
                streams && topicPartitions.anyWithSeveral() ? ReplicationSetup.systemIdentifier(config.connection()) : "");
        heartbeat = new Heartbeat(config, records.partition());
        TableFilter filter = capturableOnly(new TableFilter(config.tableIncludeList(), config.tableExcludeList()));
        // Under setup.mode=check nothing below makes or alters anything at the source: it is all there, or the task stops here.
        boolean create = config.setupMode() == SourceConfig.SetupMode.CREATE;
        if (!create) {
            List<SetupProblem> problems = SetupCheck.problems(catalog.connection(), config, filter);
            if (!problems.isEmpty()) {
                throw new ConnectException(SetupProblem.failure(problems));
            }
        }
        List<String[]> extra = new ArrayList<>();
        if (heartbeat.enabled()) {
            if (create) {
                heartbeat.createTable(catalog.connection());
            }
            extra.add(heartbeat.tableName());
        }
        // One reading of the captured tables serves the publication, the snapshot plan and the watch for new tables:
        // a table created after it is found by that watch and copied, not taken as known.
        List<SourceCatalog.CapturedName> capturedNow = SourceCatalog.capturedTableOids(catalog.connection(), filter);
        List<String[]> captured = new ArrayList<>(capturedNow.stream().map(SourceCatalog.CapturedName::name).toList());
        TopicNames.requireDistinct(config.topicPrefix(), captured);
        if (config.replicaIdentityFull() && create) {
            ReplicaIdentity.makeFull(catalog.connection(), captured);
        }
        Map<String, String> rowFilters = config.tableFilters();
        requireFullIdentityForFilters(rowFilters);
        boolean streaming = config.snapshotMode() != SourceConfig.SnapshotMode.INITIAL_ONLY;
        boolean filtersInConnector = !rowFilters.isEmpty() && config.filtersInConnector(catalog.serverVersionNum());
        PartitionMode partitions = PartitionMode.resolve(config.publicationPartitions(), catalog.serverVersionNum());
        Partitions.requireRootsNamed(catalog.connection(), filter);
        // Read before the publication is brought in step: a table added now was not published, and lost changes.
        // Only the first attempt's reading counts: a retried setup finds the publication already brought in step.
        if (publishedBefore == null && streaming) {
            publishedBefore = catalog.publishedTables(config.publicationName());
        }
        if (streaming) {
            if (create) {
                ReplicationSetup.ensurePublication(catalog, config.publicationName(), filter, extra,
                        filtersInConnector ? Map.of() : rowFilters, partitions);
            }
            ReplicationSetup.ensureSlot(config.connection(), catalog, config.slotName());
        }
        StreamPosition resumeAt;
        try {
            resumeAt = StreamPosition.fromOffset(context.offsetStorageReader().offset(records.partition()));
        } catch (IllegalArgumentException e) {
            throw new ConnectException("The stored stream offset is invalid: " + e.getMessage() + ". Correct it with "
                    + "PATCH /connectors/<name>/offsets on the stopped connector");
        }
        // Before the stream's filter is made: a table left out of capture is streamed until its copy's mark is stored.
        // Also under snapshot.mode=never: copies stored before a change of mode are taken as current when it changes back.
        leftTables = streaming
                ? LeftTables.find(catalog.connection(), captured.stream().map(t -> t[0] + "." + t[1]).collect(Collectors.toSet()),
                        new TableFilter(config.tableIncludeList(), config.tableExcludeList()), config.topicPrefix(),
                        context.offsetStorageReader(), (partition, offset) -> heartbeat.carrying(partition, offset,
                                resumeAt.commitLsn(), System.currentTimeMillis()))
                : LeftTables.none();
        TypeMapper types = new TypeMapper(catalog::formatType);
        RelationRegistry relations = new RelationRegistry(config.topicPrefix(), types, catalog::primaryKey);
        changes = new ChangeStream(relations, types, records, filter.alsoCapturing(leftTables.kept()), config.operationFilter(), tracker,
                heartbeat.enabled() ? heartbeat : null, resumeAt);
        if (filtersInConnector) {
            changes.rowFilter(catalog.rowFilter(rowFilters));
        }
        changes.partitions(PartitionRouter.over(catalog));
        changes.relationExists(catalog::relationExists);
        if (streaming && (partitions == PartitionMode.LEAVES || config.snapshotMode() != SourceConfig.SnapshotMode.NEVER)) {
            // On the first start the slot is younger than every partition; later, a partition not yet copied waits.
            boolean firstStart = resumeAt.commitLsn() == 0;
            attachedPartitions = new AttachedPartitions(catalog, config.publicationName(),
                    PartitionPublication.partitionedTables(catalog.connection(), captured),
                    partitions == PartitionMode.LEAVES, filtersInConnector ? Map.of() : rowFilters, config.replicaIdentityFull(),
                    config.setupMode(), (root, leaf) -> firstStart || config.snapshotMode() == SourceConfig.SnapshotMode.NEVER
                            || Snapshotter.copyStarted(context.offsetStorageReader(), config.topicPrefix(),
                            root[0] + "." + root[1], leaf));
        }
        if (streaming) {
            AttachedPartitions attached = attachedPartitions;
            newTables = new NewTables(catalog, config.publicationName(), filter, capturedNow, config.heartbeatTable(),
                    filtersInConnector ? Map.of() : rowFilters, config.replicaIdentityFull(), partitions, config.setupMode(),
                    (root, leaves) -> {
                        if (attached != null) {
                            attached.watch(root, leaves);
                        }
                    });
        }
        if (config.snapshotMode() != SourceConfig.SnapshotMode.NEVER) {
            // The slot exists before the first chunk is read: that is what makes chunk plus stream consistent.
            snapshotMetrics = new SnapshotMetrics();
            snapshotter = new Snapshotter(config.connection(), catalog, relations, records, config.topicPrefix(),
                    config.publicationName(), config.snapshotMaxThreads(), config.snapshotChunkRows(),
                    config.snapshotChunking(), snapshotMetrics);
            List<String[]> tables = captured.stream()
                    .filter(t -> !(t[0] + "." + t[1]).equals(String.join(".", heartbeat.tableName()))).toList();
            if (attachedPartitions != null) {
                snapshotter.deferPartitions(attachedPartitions::deferred);
            }
            snapshotter.plan(tables, rowFilters, context.offsetStorageReader(), publishedBefore);
            snapshotMetrics.register(connectorName, "0");
        }
        metrics.register(connectorName, "0");
        if (streaming && leftTables.holdsStream()) {
            log.info("Streaming database {} from slot {} waits until the marks of the tables no longer captured are stored",
                    database, config.slotName());
        } else if (streaming) {
            connect();
            log.info("Streaming database {} from slot {} (publication {}) starting after {} into topics {}.*", database,
                    config.slotName(), config.publicationName(), describe(resumeAt), config.topicPrefix());
        }
    }

    /**
     * Leaves out the tables that cannot be captured. Publishing a table without replica identity would make the
     * source application's own UPDATE and DELETE on it fail, and a keyless table's records could not be applied:
     * validate() refuses such tables, and one created since is skipped here with the same message.
     */
    private TableFilter capturableOnly(TableFilter filter) throws SQLException {
        List<UncapturableTables.Uncapturable> skipped = UncapturableTables.find(catalog.connection(), filter,
                config.heartbeatTable(), config.replicaIdentityFull());
        if (skipped.isEmpty()) {
            return filter;
        }
        log.warn("{}. They are not captured; after the change, restart the task to capture them", UncapturableTables.message(skipped));
        return filter.without(skipped.stream().map(UncapturableTables.Uncapturable::table).toList());
    }

    private void requireFullIdentityForFilters(Map<String, String> rowFilters) throws SQLException {
        for (String table : rowFilters.keySet()) {
            String[] t = table.split("\\.", 2);
            char identity = catalog.relation(t[0], t[1]).replicaIdentity();
            for (Partitions.Member leaf : Partitions.leaves(catalog.connection(), t[0], t[1])) {
                identity = identity == 'f' ? catalog.relation(leaf.schema(), leaf.table()).replicaIdentity() : identity;
            }
            if (identity != 'f') {
                throw new ConnectException("Table " + table + " has a row filter in " + SourceConfig.TABLE_FILTERS
                        + " but not REPLICA IDENTITY FULL, so PostgreSQL would reject its updates and deletes; run "
                        + ReplicaIdentity.fullStatement(SqlIdentifiers.qualified(t[0], t[1])) + " or set "
                        + SourceConfig.REPLICA_IDENTITY_FULL + "=true");
            }
        }
    }

    private void connect() throws SQLException {
        StreamPosition at = changes.position();
        boolean inProgress = config.streamInProgressTransactions();
        int protocolVersion = inProgress ? 2 : 1;
        stream = ReplicationStream.start(config.connection(), config.slotName(), config.publicationName(),
                at.commitLsn(), protocolVersion, STATUS_INTERVAL_SECONDS,
                inProgress ? Map.of("streaming", "on") : Map.of(), "");
        decoder = new PgOutputDecoder(protocolVersion, false);
        String spillOwner = StreamedTransactions.owner(connectorName, config.connection().url(), config.slotName());
        // The slot is held now, so no other run of this task writes spill files: those of its name are stale. Swept
        // also when streaming in-progress transactions was turned off since they were written.
        StreamedTransactions.sweepStale(config.spillDirectory(), spillOwner);
        streamed = inProgress ? new StreamedTransactions(config.spillDirectory(), spillOwner, protocolVersion) : null;
        changes.abandonTransaction();
        metrics.connected(true);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        synchronized (ioLock) {
            if (stopping || (!started && !startWhenReady())) {
                return null;
            }
            return pollLocked();
        }
    }

    private List<SourceRecord> pollLocked() throws InterruptedException {
        leftTables.lookWhetherStored(context.offsetStorageReader());
        List<SourceRecord> marks = leftTables.takeMarks();
        if (!marks.isEmpty()) {
            return new ArrayList<>(marks);
        }
        // A lost connection (the stream's or the snapshot's) is brought back before anything else is read.
        if (disconnectedSince != 0 && !reconnect()) {
            return null;
        }
        if (snapshotter != null && snapshotter.roundInFlight()) {
            return snapshotRound();
        }
        boolean snapshotPending = snapshotter != null && snapshotter.hasWork();
        boolean streamless = config.snapshotMode() == SourceConfig.SnapshotMode.INITIAL_ONLY;
        // Snapshot rounds alternate with stream batches and start only between transactions of the stream.
        boolean betweenTransactions = !changes.inTransaction() && (streamed == null || !streamed.replaying());
        boolean snapshotAllowed = System.nanoTime() >= snapshotAllowedAtNanos;
        if (snapshotPending && (snapshotTurn || streamless) && betweenTransactions && snapshotAllowed) {
            snapshotTurn = false;
            return snapshotRound();
        }
        snapshotTurn = true;
        if (streamless) {
            return snapshotPending ? waitUntil(snapshotAllowedAtNanos) : idleAfterSnapshot();
        }
        if (System.nanoTime() < streamAllowedAtNanos) {
            return waitUntil(streamAllowedAtNanos);
        }
        if (leftTables.holdsStream()) {
            return waitUntil(snapshotPending ? snapshotAllowedAtNanos : System.nanoTime() + config.pollIntervalMs() * 1_000_000L);
        }
        if (stream == null && disconnectedSince == 0) {
            // Held back at set-up until the marks of tables no longer captured were stored.
            try {
                connect();
                log.info("Streaming from slot {} starts after {}", config.slotName(), describe(changes.position()));
            } catch (SQLException e) {
                lost(e);
                return null;
            }
        }
        if (stream == null && !reconnect()) {
            return null;
        }
        List<SourceRecord> batch = new ArrayList<>();
        long batchBytes = 0;
        // While a snapshot waits for its turn the stream only takes what is already there, or, while the snapshot is
        // throttled, waits no longer than until it may go on.
        long idleMs = config.pollIntervalMs();
        if (snapshotPending) {
            idleMs = Math.min(idleMs, Math.max(0, (snapshotAllowedAtNanos - System.nanoTime()) / 1_000_000));
        }
        long deadline = System.currentTimeMillis() + idleMs;
        try {
            Consumer<SourceRecord> emit = record -> {
                batch.add(record);
                metrics.recordChange(record.timestamp(), changes.position().commitLsn(),
                        record.topic().equals(config.heartbeatTopic()));
            };
            // A throttled batch is cut at one poll interval's share of the rate: the wait after it then stays short,
            // so status updates keep reaching the server instead of a full batch followed by a long silence.
            long maxRecords = Math.min(config.maxBatchSize(), streamThrottle.unitsWithin(config.pollIntervalMs()));
            long maxBytes = streamThrottle.bytesWithin(config.pollIntervalMs());
            while (batch.size() < maxRecords && batchBytes < maxBytes && !stopping) {
                if (streamed != null && streamed.replaying()) {
                    streamed.replayNext(changes, emit);
                    continue;
                }
                ByteBuffer message = stream.readPending();
                if (message == null) {
                    if (!batch.isEmpty() || System.currentTimeMillis() >= deadline) {
                        break;
                    }
                    idle();
                    continue;
                }
                long walLsn = stream.lastReceivedLsn();
                batchBytes += message.remaining();
                if (streamed == null || !streamed.offer(decoder, message, walLsn)) {
                    changes.accept(decoder.decode(message), walLsn, emit);
                }
            }
            confirmAcknowledged();
        } catch (SQLException e) {
            if (!stopping) {
                lost(e);
            }
        } catch (ConnectException e) {
            // A catalog query made while converting a change (TOAST re-read, row filter, a Relation's key, type or
            // partition) lost its connection: that is a lost connection like the stream's, and the change is read
            // again after the reconnect.
            SQLException cause = sqlCause(e);
            if (cause == null || SqlErrors.classify(cause) != SqlErrors.Kind.TRANSIENT) {
                throw e;
            }
            if (!stopping) {
                lost(cause);
            }
        }
        long now = System.nanoTime();
        streamAllowedAtNanos = now + streamThrottle.afterBatch(batch.size(), batchBytes, now);
        return batch.isEmpty() ? null : batch;
    }

    private List<SourceRecord> snapshotRound() {
        try {
            if (!snapshotter.roundInFlight()) {
                snapshotter.startRound();
            }
            // A long chunk is awaited over several polls: since KAFKA-10792 stop() runs only after poll() returns,
            // and until then the old task keeps the slot the next task needs.
            List<SourceRecord> rows = snapshotter.awaitRound(config.pollIntervalMs());
            if (rows == null) {
                return null;
            }
            long now = System.nanoTime();
            snapshotAllowedAtNanos = now + Math.max(snapshotThrottle.afterBatch(rows.size(), snapshotter.lastRoundBytes(), now),
                    snapshotQueryThrottle.afterBatch(snapshotter.lastRoundQueries(), 0, now));
            if (!snapshotter.hasWork()) {
                log.info("Snapshot complete for connector {}", config.topicPrefix());
            }
            return rows.isEmpty() ? null : rows;
        } catch (SQLException | ConnectException failure) {
            SQLException e = sqlCause(failure);
            if (e == null || SqlErrors.classify(e) != SqlErrors.Kind.TRANSIENT) {
                throw new ConnectException("Snapshot failed: " + failure.getMessage()
                        + (e == null ? "" : " (SQLState " + e.getSQLState() + ")")
                        + "; it resumes at the last completed chunk when the task restarts", failure);
            }
            // Nothing of the round was handed out (the snapshotter reads it again); the stream's connections most
            // likely went with the snapshot's, so both are brought back within the retry window.
            snapshotter.abandonRound();
            if (!stopping) {
                lost(e);
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Throttled: waits (at most a poll interval, so the task stays responsive) and hands out nothing. */
    private List<SourceRecord> waitUntil(long nanos) throws InterruptedException {
        long waitMs = Math.min(config.pollIntervalMs(), Math.max(1, (nanos - System.nanoTime()) / 1_000_000));
        Thread.sleep(waitMs);
        return null;
    }

    private List<SourceRecord> idleAfterSnapshot() throws InterruptedException {
        if (!idleLogged) {
            log.info("snapshot.mode=initial_only: the snapshot is done, nothing is streamed");
            idleLogged = true;
        }
        Thread.sleep(config.pollIntervalMs());
        return null;
    }

    /** Nothing to read: keep the heartbeat going and hand confirmed LSNs to the server, then wait a moment. */
    private void idle() throws SQLException, InterruptedException {
        if (heartbeat.beatIfDue(catalog.connection(), System.currentTimeMillis())) {
            log.debug("Heartbeat written for slot {}", config.slotName());
        }
        if (attachedPartitions != null) {
            snapshotAttachedPartitions();
        }
        if (newTables != null) {
            snapshotNewTables();
        }
        confirmAcknowledged();
        Thread.sleep(5);
    }

    /** Finds tables created or re-created since the start, publishes them, and copies each once the stream is past that. */
    private void snapshotNewTables() throws SQLException {
        newTables.discover(System.currentTimeMillis());
        for (NewTables.Found found : newTables.ready(stream.lastReceivedLsn())) {
            planCopyFoundWhileStreaming("Table " + found.qualifiedName(), () ->
                    snapshotter.planNewTable(found.name(), found.added(), config.tableFilters(), context.offsetStorageReader()));
            newTables.planned(found);
        }
    }

    /** Finds partitions attached since the start, publishes them where leaves are published, and copies each once the stream is past that. */
    private void snapshotAttachedPartitions() throws SQLException {
        attachedPartitions.discover(System.currentTimeMillis());
        for (AttachedPartitions.Attached a : attachedPartitions.ready(stream.lastReceivedLsn())) {
            planCopyFoundWhileStreaming("Partition " + a.leaf().qualifiedName() + " of " + String.join(".", a.root()), () ->
                    snapshotter.planPartition(a.root(), a.leaf(), config.tableFilters(), context.offsetStorageReader()));
            attachedPartitions.planned(a);
        }
    }

    /** One call that plans a copy with the snapshotter. */
    private interface CopyPlanning {
        void plan() throws SQLException;
    }

    /**
     * Plans the copy of {@code what} (a table or partition new to the connector while streaming); with
     * snapshot.mode=never only says what is not captured, and one dropped before its copy began is left out.
     */
    private void planCopyFoundWhileStreaming(String what, CopyPlanning planning) throws SQLException {
        if (snapshotter == null) {
            log.warn("{} is new to the connector and snapshot.mode=never: rows it had before it was added to the "
                    + "publication are not captured", what);
            return;
        }
        try {
            planning.plan();
        } catch (SQLException e) {
            if (!UNDEFINED_TABLE.equals(e.getSQLState())) {
                throw e;
            }
            log.info("{} was dropped before its copy began", what);
        }
    }

    private void confirmAcknowledged() {
        long lsn = tracker.confirmableLsn();
        if (lsn > 0) {
            stream.confirm(lsn);
            metrics.confirmed(lsn);
        }
    }

    /**
     * The SQLException behind a failure: itself, or the cause of a ConnectException that catalog lookups made while
     * converting a change (TOAST re-read, row filter, a Relation's key, type or partition) wrap theirs in; else null.
     */
    private static SQLException sqlCause(Exception failure) {
        return failure instanceof SQLException sql ? sql : failure.getCause() instanceof SQLException sql ? sql : null;
    }

    private void lost(SQLException e) {
        SqlErrors.Kind kind = SqlErrors.classify(e);
        closeStream();
        if (kind != SqlErrors.Kind.TRANSIENT) {
            throw new ConnectException("Streaming from slot " + config.slotName() + " failed: " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ")", e);
        }
        if (disconnectedSince == 0) {
            disconnectedSince = System.currentTimeMillis();
            backoffMs = 1_000;
            nextAttemptAt = disconnectedSince;
            log.warn("Lost a connection to {} ({}); reconnecting for up to {} ms ({})",
                    config.connection().redactedUrl(), e.getMessage(), config.retryWindowMs(), SourceConfig.RETRY_WINDOW_MS);
        }
        lastFailure = e;
    }

    /** One reconnect attempt when due; fails the task once the retry window has passed. */
    private boolean reconnect() throws InterruptedException {
        long now = System.currentTimeMillis();
        if (now < nextAttemptAt) {
            Thread.sleep(Math.min(nextAttemptAt - now, config.pollIntervalMs()));
            return false;
        }
        try {
            // The catalog connection most likely died with the stream; start both afresh.
            catalog.reset();
            catalog.scalar("SELECT 1");
            if (config.snapshotMode() != SourceConfig.SnapshotMode.INITIAL_ONLY) {
                connect();
            }
            metrics.reconnected();
            log.info("Reconnected to {} after {} ms; resuming after {}", config.connection().redactedUrl(),
                    System.currentTimeMillis() - disconnectedSince, describe(changes.position()));
            disconnectedSince = 0;
            return true;
        } catch (SQLException e) {
            if (SqlErrors.classify(e) != SqlErrors.Kind.TRANSIENT) {
                throw new ConnectException("Cannot resume streaming from slot " + config.slotName() + ": " + e.getMessage()
                        + " (SQLState " + e.getSQLState() + ")", e);
            }
            return retryLater(e);
        }
    }

    private boolean retryLater(SQLException e) {
        lastFailure = e;
        long now = System.currentTimeMillis();
        if (now - disconnectedSince > config.retryWindowMs()) {
            throw new ConnectException("Could not " + (started ? "reconnect" : "connect") + " to " + config.connection().redactedUrl() + " within "
                    + SourceConfig.RETRY_WINDOW_MS + "=" + config.retryWindowMs() + " ms; last error: " + lastFailure.getMessage(), lastFailure);
        }
        nextAttemptAt = now + backoffMs;
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        log.info("{} to {} failed ({}); next attempt in {} ms", started ? "Reconnect" : "Connect", config.connection().redactedUrl(),
                e.getMessage(), nextAttemptAt - now);
        return false;
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        tracker.acknowledged(record);
        leftTables.acknowledged(record);
    }

    @Override
    public void commit() {
        leftTables.committed();
    }

    @Override
    public void stop() {
        stopping = true;
        synchronized (ioLock) {
            close();
        }
    }

    private void close() {
        closeStream();
        if (snapshotter != null) {
            snapshotter.close();
            snapshotter = null;
        }
        attachedPartitions = null;
        newTables = null;
        snapshotMetrics.unregister();
        if (catalog != null) {
            catalog.close();
            catalog = null;
        }
        metrics.unregister();
    }

    private void closeStream() {
        if (stream != null) {
            try {
                confirmAcknowledged();
                stream.sendStatus();
            } catch (SQLException | RuntimeException ignored) {
                // The connection is going away; the slot keeps the last confirmed LSN it received.
            }
            stream.close();
            stream = null;
            if (streamed != null) {
                streamed.close();
                streamed = null;
            }
            metrics.connected(false);
        }
    }

    private static String describe(StreamPosition p) {
        return p.commitLsn() == 0 ? "the slot's confirmed position" : "commit LSN " + LogSequenceNumber.valueOf(p.commitLsn()).asString()
                + " record " + p.event();
    }
}
