package io.adbsync.source.reader;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.discovery.FoundTables;
import io.adbsync.source.heartbeat.Heartbeat;
import io.adbsync.source.metrics.StreamingMetrics;
import io.adbsync.source.pgoutput.PgOutputDecoder;
import io.adbsync.source.reconnect.ConnectionRetry;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.replication.ReplicationStream;
import io.adbsync.source.stream.ChangeStream;
import io.adbsync.source.stream.HeldTruncate;
import io.adbsync.source.stream.StreamPosition;
import io.adbsync.source.stream.StreamedTransactions;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads the replication slot into batches of records. It holds the replication connection, its pgoutput decoder and
 * the spill of in-progress transactions; between reads it keeps the heartbeat going, looks for tables new to the
 * connector, and hands the LSN Kafka has acknowledged to the server. All of it on the task thread.
 */
public final class StreamReader implements AutoCloseable {

    /** How long the read loop sleeps when the slot has nothing for it, before it asks again. */
    public static final long IDLE_SLEEP_MS = 5;
    /** How often the WAL the slot retains is measured for the metrics: one catalog query each time. */
    static final long RETAINED_WAL_SAMPLE_MS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(StreamReader.class);

    /**
     * Where and how the reader streams.
     *
     * @param inProgress       ask the server for in-progress transactions (protocol 2, streaming=on), spilled to files
     * @param spillOwner       names this task's spill files ({@link StreamedTransactions#owner})
     * @param statusIntervalMs how often the replication connection reports its position to the server
     * @param heartbeatTopic   the topic whose records count as heartbeats in the metrics
     */
    public record Settings(ConnectionConfig connection, String slot, String publication, boolean inProgress,
                           Path spillDirectory, String spillOwner, long statusIntervalMs, String heartbeatTopic) {
    }

    /**
     * One batch: the records read, the bytes of pgoutput they came from, and the failure that ended the batch early
     * (null when none): the records read before it are handed out all the same, their LSNs are tracked.
     */
    public record Batch(List<SourceRecord> records, long bytes, SQLException lost) {
    }

    private final Settings settings;
    private final SourceCatalog catalog;
    private final ChangeStream changes;
    private final LsnAckTracker tracker;
    private final StreamingMetrics metrics;
    private final Heartbeat heartbeat;
    private final FoundTables found;
    private ReplicationStream stream;
    private PgOutputDecoder decoder;
    private StreamedTransactions streamed;
    private long lastKeepAlive;
    private long lastWalSample;

    public StreamReader(Settings settings, SourceCatalog catalog, ChangeStream changes, LsnAckTracker tracker,
                        StreamingMetrics metrics, Heartbeat heartbeat, FoundTables found) {
        this.settings = settings;
        this.catalog = catalog;
        this.changes = changes;
        this.tracker = tracker;
        this.metrics = metrics;
        this.heartbeat = heartbeat;
        this.found = found;
    }

    /** Whether the replication connection is open. */
    public boolean connected() {
        return stream != null;
    }

    /** Whether the stream is between transactions: not inside one, nor replaying a spilled one. */
    public boolean betweenTransactions() {
        return !changes.inTransaction() && (streamed == null || !streamed.replaying());
    }

    /** Opens the replication connection at the position of the last record handed out. */
    public void connect() throws SQLException {
        int protocolVersion = settings.inProgress() ? 2 : 1;
        stream = ReplicationStream.start(settings.connection(), settings.slot(), settings.publication(),
                changes.position().map(StreamPosition::commitLsn), protocolVersion, settings.statusIntervalMs(),
                settings.inProgress() ? Map.of("streaming", "on") : Map.of(), "");
        decoder = new PgOutputDecoder(protocolVersion, false);
        // The slot is held now, so no other run of this task writes spill files: those of its name are stale. Swept
        // also when streaming in-progress transactions was turned off since they were written.
        StreamedTransactions.sweepStale(settings.spillDirectory(), settings.spillOwner());
        streamed = settings.inProgress()
                ? new StreamedTransactions(settings.spillDirectory(), settings.spillOwner(), protocolVersion) : null;
        changes.abandonTransaction();
        metrics.connected(true);
    }

    /**
     * Reads up to {@code maxRecords} records (about {@code maxBytes} of pgoutput), waiting at most {@code idleMs} when
     * the slot has nothing; returns early with what it has when the slot runs dry or {@code stopping} turns true. A
     * lost connection (the stream's, or the catalog's while converting a change) ends the batch and is returned in it;
     * any other failure is thrown.
     */
    public Batch read(long maxRecords, long maxBytes, long idleMs, BooleanSupplier stopping) throws InterruptedException {
        List<SourceRecord> batch = new ArrayList<>();
        long bytes = 0;
        long deadline = System.currentTimeMillis() + idleMs;
        sampleRetainedWal();
        Consumer<SourceRecord> emit = record -> {
            batch.add(record);
            metrics.recordChange(record.timestamp(), changes.position().map(StreamPosition::commitLsn),
                    record.topic().equals(settings.heartbeatTopic()));
        };
        try {
            while (batch.size() < maxRecords && bytes < maxBytes && !stopping.getAsBoolean() && changes.held().isEmpty()) {
                if (streamed != null && streamed.replaying()) {
                    streamed.replayNext(changes, emit);
                    continue;
                }
                ByteBuffer message = stream.readPending();
                if (message == null) {
                    if (!batch.isEmpty() || System.currentTimeMillis() >= deadline) {
                        break;
                    }
                    if (idle()) {
                        // A captured table was renamed: the server may go on sending its changes under the old name
                        // (see NewTables#takeRenamed). Opened again, it describes each relation afresh, as it was at
                        // each change; the next poll opens it, from the position Kafka has.
                        log.info("Streaming from slot {} starts again, so that the server names renamed tables anew",
                                settings.slot());
                        close();
                        return new Batch(batch, bytes, null);
                    }
                    continue;
                }
                Lsn walLsn = stream.lastReceivedLsn();
                bytes += message.remaining();
                if (streamed == null || !streamed.offer(decoder, message, walLsn)) {
                    changes.accept(decoder.decode(message), walLsn, emit);
                }
            }
            confirmAcknowledged();
            return new Batch(batch, bytes, null);
        } catch (SQLException e) {
            return new Batch(batch, bytes, e);
        } catch (ConnectException e) {
            // A catalog query made while converting a change (TOAST re-read, row filter, a Relation's key, type or
            // partition) lost its connection: that is a lost connection like the stream's, and the change is read
            // again after the reconnect.
            SQLException cause = ConnectionRetry.transientCause(e);
            if (cause == null) {
                throw e;
            }
            return new Batch(batch, bytes, cause);
        }
    }

    /**
     * Nothing to read: keep the heartbeat going, look for new tables, hand confirmed LSNs to the server, wait a moment.
     * True when the stream must be opened again (a captured table was renamed).
     */
    private boolean idle() throws SQLException, InterruptedException {
        if (heartbeat.beatIfDue(catalog.connection(), System.currentTimeMillis())) {
            log.debug("Heartbeat written for slot {}", settings.slot());
        }
        found.check(stream.lastReceivedLsn(), System.currentTimeMillis());
        if (found.renamed(stream.lastReceivedLsn())) {
            return true;
        }
        confirmAcknowledged();
        Thread.sleep(IDLE_SLEEP_MS);
        return false;
    }

    /**
     * Measures the WAL the slot keeps, at most every {@link #RETAINED_WAL_SAMPLE_MS}: what the retained-WAL alert
     * watches. A failure only leaves the last value: a lost connection shows up in the stream's own next read.
     */
    private void sampleRetainedWal() {
        long now = System.currentTimeMillis();
        if (now - lastWalSample < RETAINED_WAL_SAMPLE_MS) {
            return;
        }
        lastWalSample = now;
        try {
            metrics.retainedWal(catalog.retainedWalBytes(settings.slot()));
        } catch (SQLException e) {
            log.debug("Cannot measure the WAL slot {} retains: {}", settings.slot(), e.getMessage());
        }
    }

    /** Lets the slot confirm what Kafka has acknowledged; sent with the next status update. */
    private void confirmAcknowledged() {
        tracker.confirmableLsn().ifPresent(lsn -> {
            stream.confirm(lsn);
            metrics.confirmed(lsn);
        });
    }

    /** The truncate the stream is stopped at (a Greenplum segment's share of one), if it is. */
    public Optional<HeldTruncate> held() {
        return changes.held();
    }

    /** The held truncate's copies, for every segment; the stream stays stopped until {@link #releaseHeld}. */
    public List<SourceRecord> sendHeld() {
        List<SourceRecord> copies = new ArrayList<>();
        changes.sendHeld(copies::add);
        return copies;
    }

    /** See {@link ChangeStream#passed}. */
    public List<HeldTruncate> passed() {
        return changes.passed();
    }

    /** See {@link ChangeStream#passedReported}. */
    public void passedReported(HeldTruncate truncate) {
        changes.passedReported(truncate);
    }

    /** Goes on past the held truncate; the marker of its position where this task did not send it (see ChangeStream). */
    public List<SourceRecord> releaseHeld() {
        List<SourceRecord> marker = new ArrayList<>();
        changes.releaseHeld(marker::add);
        return marker;
    }

    /** The position of the last record handed out from the stream. */
    public Optional<StreamPosition> position() {
        return changes.position();
    }

    /**
     * While the stream is held: keeps the replication connection alive (a walsender that hears nothing within
     * wal_sender_timeout ends it) and hands on what Kafka acknowledged.
     */
    public void keepAlive() throws SQLException {
        long now = System.currentTimeMillis();
        if (now - lastKeepAlive >= settings.statusIntervalMs()) {
            confirmAcknowledged();
            stream.sendStatus();
            lastKeepAlive = now;
        }
    }

    /** Where the next record starts, for the logs. */
    public String describePosition() {
        return changes.position().map(p -> "commit LSN " + p.commitLsn() + " record " + p.event())
                .orElse("the slot's confirmed position");
    }

    /** Closes the replication connection, first telling the server what Kafka has acknowledged. */
    @Override
    public void close() {
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
}
