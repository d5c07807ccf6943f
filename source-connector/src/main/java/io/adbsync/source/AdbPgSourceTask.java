package io.adbsync.source;

import io.adbsync.source.catalog.TableFilter;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.definition.CatalogDefinitions;
import io.adbsync.source.definition.SchemaChannelGate;
import io.adbsync.source.snapshot.CopiesInFlight;
import io.adbsync.source.snapshot.SnapshotMode;
import io.adbsync.common.Version;
import io.adbsync.common.retry.RetryPolicy;
import io.adbsync.source.metrics.StreamingMetrics;
import io.adbsync.source.reader.StreamReader;
import io.adbsync.source.reader.TruncateMeeting;
import io.adbsync.source.reconnect.ConnectionRetry;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.schedule.PollScheduler;
import io.adbsync.source.setup.Capture;
import io.adbsync.source.stream.StoredStream;
import io.adbsync.source.greenplum.TaskSegments;
import io.adbsync.source.shard.TaskShards;
import io.adbsync.source.setup.TaskSetup;
import io.adbsync.source.snapshot.LeftTables;
import io.adbsync.source.snapshot.Snapshotter;
import io.adbsync.source.snapshot.SnapshotRounds;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Reads the replication slot and turns committed changes into records: the Connect side of the source. All database
 * I/O happens on the task thread inside {@link #poll()}; Kafka acknowledgements arrive on the producer thread and only
 * move the LSN the slot may confirm, which the next poll sends to the server. The work is done by its parts:
 * {@link TaskSetup} sets up, {@link PollScheduler} decides what each poll does, {@link StreamReader} and
 * {@link SnapshotRounds} read, {@link ConnectionRetry} decides when to connect again.
 */
public class AdbPgSourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(AdbPgSourceTask.class);
    /** How long a poll waits while the stream is held at a truncate the segments' tasks meet at. */
    private static final long HELD_POLL_MS = 100;

    /** Waits on the task thread; tests pass one that moves their clock instead. */
    interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final LsnAckTracker tracker = new LsnAckTracker();
    /** Records poll() handed out that Kafka has not acknowledged yet (nor an SMT dropped). */
    private final AtomicLong inFlight = new AtomicLong();
    private final CopiesInFlight copiesInFlight = new CopiesInFlight();
    /** Where a Greenplum segment's stream meets the other segments' at truncates; null where the source is one stream. */
    private volatile TruncateMeeting truncates;
    private final StreamingMetrics metrics = new StreamingMetrics();
    /** Held by poll() while it uses the connections, so stop() closes them only between polls. */
    private final Object ioLock = new Object();
    private SourceConfig config;
    private TaskSetup setup;
    private PollScheduler scheduler;
    private ConnectionRetry retry;
    /** What the set-up built; null until it succeeded. */
    private Capture capture;
    /** The tables no longer captured whose copies this task marks; see {@link LeftTables}. */
    private volatile LeftTables leftTables = LeftTables.none();
    /** Told of each offset commit (Connect calls commit() on another thread); null before the first capture. */
    private volatile StoredStream storedStream;
    /** Told of each offset commit too: its partitioned tables' marks wait for their partitions' offsets to be stored. */
    private volatile Snapshotter marking;
    private volatile boolean stopping;
    /** Puts definitions on the schema topic ahead of the data (schema.changes.enabled); null when off or not set up. */
    private SchemaChannelGate definitions;
    /** Records read but not handed out because reading their definitions failed: handed out first after reconnecting. */
    private List<SourceRecord> awaitingDefinitions;

    public AdbPgSourceTask() {
        this(System::currentTimeMillis, Thread::sleep);
    }

    AdbPgSourceTask(LongSupplier clock, Sleeper sleeper) {
        this.clock = clock;
        this.sleeper = sleeper;
    }

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
        stopping = false;
        capture = null;
        truncates = null;
        definitions = null;
        awaitingDefinitions = null;
        setup = new TaskSetup(config, props.getOrDefault("name", config.topicPrefix()),
                props.getOrDefault(AdbPgSourceConnector.TASK_ID, "0"), TaskSegments.assigned(props), TaskShards.assigned(props),
                context.offsetStorageReader(), tracker, metrics, copiesInFlight);
        scheduler = new PollScheduler(config.snapshotMode() == SnapshotMode.INITIAL_ONLY,
                config.pollIntervalMs(), config.maxBatchSize(), config.streamThrottle(), config.snapshotThrottle(),
                config.snapshotQueryThrottle(), System::nanoTime);
        retry = new ConnectionRetry(config.connection().redactedUrl(), config.slotName(),
                new RetryPolicy.Window(SourceConfig.RETRY_WINDOW_MS, config.retryWindowMs()), clock);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        synchronized (ioLock) {
            if (stopping || (capture == null && !startWhenReady())) {
                return null;
            }
            List<SourceRecord> records = withDefinitions();
            if (records != null) {
                inFlight.addAndGet(records.size());
                records.forEach(copiesInFlight::handedOut);
            }
            return records;
        }
    }

    /**
     * The next records, after the definitions they need. When the definitions cannot be read (the catalog connection
     * lost) the records wait, in order, until the connections are back: none is dropped and none overtakes them.
     */
    private List<SourceRecord> withDefinitions() throws InterruptedException {
        List<SourceRecord> records;
        if (awaitingDefinitions != null) {
            if (retry.disconnected() && !reconnect()) {
                return null;
            }
            records = awaitingDefinitions;
            awaitingDefinitions = null;
        } else {
            records = pollSetUp();
        }
        if (definitions == null) {
            return records;
        }
        try {
            return definitions.gate(records);
        } catch (SchemaChannelGate.ReadAgain e) {
            awaitingDefinitions = records == null || records.isEmpty() ? null : records;
            log.warn("Reading the definitions for the schema topic failed ({}, SQLState {}); reading them again",
                    e.getMessage(), e.getSQLState());
            sleeper.sleep(Math.min(config.pollIntervalMs(), HELD_POLL_MS));
            return null;
        } catch (SQLException e) {
            awaitingDefinitions = records == null || records.isEmpty() ? null : records;
            if (!stopping) {
                lost(e);
            }
            return null;
        }
    }

    /** One attempt at connecting and setting up, when due; false while the source is not ready yet. */
    private boolean startWhenReady() throws InterruptedException {
        if (waitForAttempt()) {
            return false;
        }
        try {
            capture = setup.run();
        } catch (SQLException | RuntimeException failure) {
            if (!setup.raced(failure)) {
                retry.startFailed(failure);
            }
            return false;
        }
        leftTables = capture.leftTables();
        storedStream = capture.stored();
        marking = capture.snapshotter();
        if (config.schemaChangesEnabled() && definitions == null) {
            definitions = new SchemaChannelGate(config.topicPrefix(), new CatalogDefinitions(capture.catalog(),
                    new TableFilter(config.tableIncludeList(), config.tableExcludeList()), config.heartbeatTable(),
                    config.sequenceIncludeList().stream().map(Pattern::compile).toList()),
                    config.schemaRefreshIntervalMs(), config.schemaResendIntervalMs(), System::currentTimeMillis);
        }
        truncates = capture.truncates() == null ? null
                : new TruncateMeeting(capture.reader(), capture.truncates(), capture.stored());
        long downMs = retry.connected();
        if (downMs >= 0) {
            log.info("Connected to {} after {} ms", config.connection().redactedUrl(), downMs);
        }
        return true;
    }

    private List<SourceRecord> pollSetUp() throws InterruptedException {
        leftTables.lookWhetherStored(context.offsetStorageReader());
        List<SourceRecord> marks = leftTables.takeMarks();
        if (!marks.isEmpty()) {
            return new ArrayList<>(marks);
        }
        Snapshotter snapshotter = capture == null ? null : capture.snapshotter();
        if (snapshotter != null) {
            List<SourceRecord> due = snapshotter.marksDue(context.offsetStorageReader());
            if (!due.isEmpty()) {
                return new ArrayList<>(due);
            }
        }
        // A lost connection (the stream's or the snapshot's) is brought back before anything else is read.
        if (retry.disconnected() && !reconnect()) {
            return null;
        }
        if (truncates != null) {
            try {
                truncates.reportPassed();
                if (truncates.holding()) {
                    List<SourceRecord> records = truncates.step(inFlight.get() == 0);
                    if (records == null) {
                        sleeper.sleep(Math.min(config.pollIntervalMs(), HELD_POLL_MS));
                    }
                    return records == null || records.isEmpty() ? null : records;
                }
            } catch (SQLException e) {
                if (!stopping) {
                    lost(e);
                }
                return null;
            }
        }
        PollScheduler.Step step = scheduler.next(new PollScheduler.State(capture.roundInFlight(), capture.snapshotPending(),
                capture.snapshotLeft(), capture.reader().betweenTransactions(), leftTables.holdsStream()));
        if (step instanceof PollScheduler.StreamBatch batch) {
            return streamBatch(batch);
        }
        if (step instanceof PollScheduler.Wait wait) {
            sleeper.sleep(wait.ms());
            return null;
        }
        return snapshotRound();
    }

    private List<SourceRecord> snapshotRound() {
        try {
            // The stream is held while a round is handed out, over as many polls as it takes: its walsender must still
            // hear from the task within wal_sender_timeout.
            if (capture.reader().connected()) {
                capture.reader().keepAlive();
            }
            SnapshotRounds.Round round = capture.rounds().next();
            scheduler.snapshotRoundRead(round.records().size(), round.bytes(), round.queries());
            return round.records().isEmpty() ? null : round.records();
        } catch (SQLException e) {
            if (!stopping) {
                lost(e);
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private List<SourceRecord> streamBatch(PollScheduler.StreamBatch step) throws InterruptedException {
        StreamReader reader = capture.reader();
        if (!reader.connected()) {
            if (retry.disconnected()) {
                if (!reconnect()) {
                    return null;
                }
            } else {
                // Held back at set-up until the marks of tables no longer captured were stored.
                try {
                    reader.connect();
                    log.info("Streaming from slot {} starts after {}", config.slotName(), reader.describePosition());
                } catch (SQLException e) {
                    lost(e);
                    return null;
                }
            }
        }
        StreamReader.Batch batch = reader.read(step.maxRecords(), step.maxBytes(), step.idleMs(), () -> stopping);
        if (batch.lost() != null && !stopping) {
            lost(batch.lost());
        }
        scheduler.streamBatchRead(batch.records().size(), batch.bytes());
        return batch.records().isEmpty() ? null : batch.records();
    }

    /** A connection was lost: the stream goes too, and both are brought back within the retry window. */
    private void lost(SQLException e) {
        capture.reader().close();
        retry.lost(e);
    }

    /** One reconnect attempt when due; fails the task once the retry window has passed. */
    private boolean reconnect() throws InterruptedException {
        if (waitForAttempt()) {
            return false;
        }
        try {
            capture.reconnect();
        } catch (SQLException e) {
            retry.reconnectFailed(e);
            return false;
        }
        metrics.reconnected();
        log.info("Reconnected to {} after {} ms; resuming after {}", config.connection().redactedUrl(), retry.connected(),
                capture.reader().describePosition());
        return true;
    }

    /** Waits, at most a poll interval, when the next attempt at connecting is not due yet; true when it waited. */
    private boolean waitForAttempt() throws InterruptedException {
        long waitMs = retry.waitMs();
        if (waitMs > 0) {
            sleeper.sleep(Math.min(waitMs, config.pollIntervalMs()));
            return true;
        }
        return false;
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        try {
            StoredStream stored = storedStream;
            // Before the tracker counts it acknowledged: a look in between must not find nothing in flight and miss it.
            // Without metadata, a transform or converter dropped the record (its offset is never stored), or the
            // producer failed under errors.tolerance=all (Connect stores its offset at the next commit).
            if (stored != null && metadata != null) {
                stored.sent(record);
            }
            tracker.acknowledged(record);
            leftTables.acknowledged(record);
        } finally {
            // Whatever failed above: counted in flight for good, a copy's record would hold a copy again's meeting.
            copiesInFlight.acknowledged(record);
            // Last, and whatever failed above (Connect logs and goes on): a truncate's meeting that finds nothing in
            // flight takes what Kafka took as told (see TruncateMeeting).
            inFlight.decrementAndGet();
        }
    }

    @Override
    public void commit() {
        leftTables.committed();
        StoredStream stored = storedStream;
        if (stored != null) {
            stored.committed();
        }
        Snapshotter snapshotter = marking;
        if (snapshotter != null) {
            snapshotter.committed();
        }
    }

    @Override
    public void stop() {
        stopping = true;
        synchronized (ioLock) {
            if (capture != null) {
                capture.close();
                capture = null;
                truncates = null;
            }
            metrics.unregister();
        }
    }
}
