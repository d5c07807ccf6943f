package io.adbsync.source.snapshot;

import io.adbsync.common.config.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.stream.CapturedTable;
import io.adbsync.source.stream.ChangeRecordFactory;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.types.TextForms;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Copies tables in chunks with {@code COPY ... TO STDOUT}, several chunks at a time on their own connections, between
 * transactions of the stream. Why this is consistent: every chunk is read after the stream has handed out all
 * transactions up to some commit P and before it hands out any later one; the chunk's rows are the table's state
 * at a moment after P, and every change after P follows them in Kafka, so per key the last record is always the
 * current row. Why it resumes: the offset of each chunk's last record names the next chunk.
 */
public final class Snapshotter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);
    private static final long PROGRESS_LOG_INTERVAL_MS = 10_000;
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final ConnectionConfig connectionConfig;
    private final SourceCatalog catalog;
    private final RelationRegistry relations;
    private final ChangeRecordFactory records;
    private final String server;
    private final int parallelism;
    private final long chunkRows;
    private final Chunking chunking;
    private final Deque<TablePlan> pending = new ArrayDeque<>();
    private final List<TablePlan> all = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    private final ExecutorService readers;
    private final SnapshotMetrics metrics;
    private long lastProgressLog;
    private long lastRoundBytes;
    private int lastRoundQueries;
    private List<Future<List<SourceRecord>>> inFlight;
    private List<TablePlan> finishedInFlight = List.of();

    /** How tables are split: by CTID range where the server can scan them (14+), else by primary-key range. */
    public enum Chunking {
        AUTO, CTID, KEY
    }

    public Snapshotter(ConnectionConfig connectionConfig, SourceCatalog catalog, RelationRegistry relations,
                       ChangeRecordFactory records, String server, int parallelism, long chunkRows, Chunking chunking,
                       SnapshotMetrics metrics) {
        this.chunking = chunking;
        this.connectionConfig = connectionConfig;
        this.catalog = catalog;
        this.relations = relations;
        this.records = records;
        this.server = server;
        this.parallelism = parallelism;
        this.chunkRows = chunkRows;
        this.metrics = metrics;
        this.readers = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "adbsync-snapshot-" + server);
            t.setDaemon(true);
            return t;
        });
    }

    /** Plans {@code tables} ({schema, table} pairs), resuming each from its stored offset; tables already done are skipped. */
    public void plan(List<String[]> tables, Map<String, String> conditions, OffsetStorageReader offsets) throws SQLException {
        boolean tidRanges = catalog.serverVersionNum() >= 140000;
        for (String[] name : tables) {
            CapturedTable table = relations.update(catalog.relation(name[0], name[1]));
            Map<String, Object> stored = offsets.offset(TablePlan.partition(server, table.qualifiedName()));
            TablePlan plan = plan(table, conditions.get(table.qualifiedName()), stored, tidRanges);
            all.add(plan);
            metrics.track(plan);
            if (plan.done()) {
                continue;
            }
            pending.add(plan);
            log.info("Snapshot of {} {} ({}, ~{} rows)", table.qualifiedName(), stored == null ? "starts" : "resumes",
                    plan.position(), plan.estimatedRows);
        }
    }

    private TablePlan plan(CapturedTable table, String filter, Map<String, Object> stored, boolean tidRanges) throws SQLException {
        long[] size = catalog.sizeOf(table.oid());
        TablePlan resumed = CtidPlan.resume(table, filter, size[1], server, stored);
        if (resumed == null) {
            resumed = KeyRangePlan.resume(table, filter, size[1], chunkRows, server, stored);
        }
        if (resumed != null) {
            return resumed;
        }
        boolean byKey = chunking == Chunking.KEY || (chunking == Chunking.AUTO && !tidRanges);
        if (byKey && KeyRangePlan.applicable(table)) {
            return KeyRangePlan.fresh(table, filter, size[1], chunkRows, server);
        }
        if (!tidRanges) {
            return CtidPlan.whole(table, filter, size[1], server);
        }
        return CtidPlan.fresh(table, filter, size[0], size[1], chunkRows, server);
    }

    /** Bytes the last round copied (COPY text), for throttling. */
    public synchronized long lastRoundBytes() {
        return lastRoundBytes;
    }

    /** Queries the last round sent to the source, for throttling. */
    public int lastRoundQueries() {
        return lastRoundQueries;
    }

    /** Whether chunks remain to be read, or a round started is not yet handed out. */
    public boolean hasWork() {
        return !pending.isEmpty() || inFlight != null;
    }

    /** Whether a round is being read: the stream must wait until it is handed out (see the class comment). */
    public boolean roundInFlight() {
        return inFlight != null;
    }

    /** Starts reading the next chunks (up to the parallelism) on the reader threads. */
    public void startRound() throws SQLException {
        if (inFlight != null) {
            throw new IllegalStateException("A snapshot round is already being read");
        }
        List<Future<List<SourceRecord>>> reads = new ArrayList<>();
        List<TablePlan> finished = new ArrayList<>();
        lastRoundBytes = 0;
        lastRoundQueries = 0;
        while (reads.size() < parallelism && !pending.isEmpty()) {
            TablePlan plan = pending.peekFirst();
            TablePlan.Chunk chunk = plan.next(catalog);
            lastRoundQueries += plan instanceof KeyRangePlan ? 2 : 1;
            if (chunk != null) {
                Connection connection = connection(reads.size());
                reads.add(readers.submit(() -> readChunk(connection, plan, chunk)));
            }
            if (plan.done()) {
                pending.pollFirst();
                finished.add(plan);
            }
        }
        inFlight = reads;
        finishedInFlight = finished;
    }

    /**
     * The records of the round started, in table and chunk order, once all its chunks are read; null if that takes
     * longer than {@code timeoutMs}, so that the task thread comes back (a stop is not held up by a long chunk).
     */
    public List<SourceRecord> awaitRound(long timeoutMs) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        List<SourceRecord> out = new ArrayList<>();
        try {
            for (Future<List<SourceRecord>> read : inFlight) {
                out.addAll(read.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            inFlight = null;
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException("Snapshot chunk failed: " + cause.getMessage(), cause);
        }
        inFlight = null;
        for (TablePlan plan : finishedInFlight) {
            log.info("Snapshot of {} read: {} rows ({})", plan.table.qualifiedName(), plan.rowsDone.get(), plan.position());
        }
        logProgress();
        return out;
    }

    private List<SourceRecord> readChunk(Connection connection, TablePlan plan, TablePlan.Chunk chunk) throws SQLException {
        CapturedTable t = plan.table;
        String columns = t.columns().stream().map(c -> SqlIdentifiers.quote(c.name())).collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("COPY (SELECT ").append(columns).append(" FROM ")
                .append(SqlIdentifiers.qualified(t.schema(), t.table()));
        List<String> where = new ArrayList<>();
        if (chunk.condition() != null) {
            where.add(chunk.condition());
        }
        if (plan.filter != null) {
            where.add("(" + plan.filter + ")");
        }
        if (!where.isEmpty()) {
            sql.append(" WHERE ").append(String.join(" AND ", where));
        }
        sql.append(") TO STDOUT");
        long snapshotTime = System.currentTimeMillis();
        List<byte[]> lines = new ArrayList<>();
        CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql.toString());
        long bytes = 0;
        for (byte[] line; (line = copy.readFromCopy()) != null; ) {
            lines.add(line);
            bytes += line.length;
        }
        synchronized (this) {
            lastRoundBytes += bytes;
        }
        List<SourceRecord> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            out.add(records.read(t, CopyTextRows.parse(lines.get(i)), plan.partition,
                    i == lines.size() - 1 ? chunk.afterChunk() : chunk.inChunk(), snapshotTime));
        }
        plan.rowsDone.addAndGet(lines.size());
        return out;
    }

    private Connection connection(int index) throws SQLException {
        while (connections.size() <= index) {
            Properties props = new Properties();
            PGProperty.OPTIONS.set(props, TextForms.SESSION_OPTIONS);
            connections.add(Jdbc.open(connectionConfig, props));
        }
        return connections.get(index);
    }

    private void logProgress() {
        long now = System.currentTimeMillis();
        if (now - lastProgressLog < PROGRESS_LOG_INTERVAL_MS && hasWork()) {
            return;
        }
        lastProgressLog = now;
        for (TablePlan plan : all) {
            if (!plan.done() || plan.rowsDone.get() > 0) {
                log.info("Snapshot progress {}: {} of ~{} rows, {}", plan.table.qualifiedName(), plan.rowsDone.get(),
                        plan.estimatedRows, plan.position());
            }
        }
    }

    /**
     * Cancels the chunk reads still running (a COPY of a large chunk would otherwise hold the task's stop, and with
     * it the replication slot, until it ends) and closes the connections.
     */
    @Override
    public void close() {
        if (inFlight != null) {
            for (Connection c : connections) {
                try {
                    c.unwrap(PGConnection.class).cancelQuery();
                } catch (SQLException ignored) {
                    // The connection is closed below either way.
                }
            }
            inFlight = null;
        }
        readers.shutdownNow();
        try {
            readers.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Nothing to do for a connection that is already broken.
            }
        }
        connections.clear();
    }
}
