package io.adbsync.source.snapshot;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.partition.Partitions;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.stream.ChangeRecordFactory;
import io.adbsync.source.stream.OffsetScope;
import io.adbsync.source.wal.Lsn;
import io.adbsync.source.stream.TableShare;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.types.TextForms;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.copy.CopyOut;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Copies tables in chunks with {@code COPY ... TO STDOUT}, several chunks at a time on their own connections, between
 * transactions of the stream. Why this is consistent: every chunk is read after the stream has handed out all
 * transactions up to some commit P and before it hands out any later one; the chunk's rows are the table's state
 * at a moment after P, and every change after P follows them in Kafka, so per key the last record is always the
 * current row. Why it resumes: the offset of each chunk's last record names the next chunk.
 * <p>
 * What keeps those two true when the table changes under the copy: each chunk locks the table (ACCESS SHARE, so no
 * DDL or rewrite runs during it) and reads the table's OID, columns and file node in the transaction of its COPY. New
 * or dropped columns change the shape later chunks are read and converted with. A rewrite (VACUUM FULL, CLUSTER,
 * pg_repack) may have moved rows into CTID ranges already copied, so the table is copied again from its first chunk;
 * rows copied twice are harmless to upserts. A copy whose table was re-created, or was not published for a while (a
 * table excluded and included again), no longer holds at all: the new copy starts with a truncate record.
 */
public final class Snapshotter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);
    private static final long PROGRESS_LOG_INTERVAL_MS = 10_000;
    private static final long CLOSE_WAIT_SECONDS = 5;
    /** Records per batch a reader passes to the task (see ChunkFeed). */
    private static final int FEED_BATCH_RECORDS = 512;
    /**
     * Bounds of the rows whose width is measured: about 1 % of a table's rows, so that the sample of a large table costs
     * little beside its copy, and enough of them for an average.
     */
    private static final int WIDTH_SAMPLE_MIN_ROWS = 20;
    private static final int WIDTH_SAMPLE_MAX_ROWS = 200;

    private final ConnectionConfig connectionConfig;
    private final SourceCatalog catalog;
    private final RelationRegistry relations;
    private final ChangeRecordFactory records;
    private final OffsetCarrier carrier;
    private final OffsetScope server;
    private TableShare share = TableShare.WHOLE;
    private final int parallelism;
    private final ChunkSize chunkSize;
    /** Where a chunk's rows past what its feed may hold wait on disk (spill.directory). */
    private final Path spillDirectory;
    private final Chunking chunking;
    private final String publication;
    private Map<String, String> conditions = Map.of();
    private ServerCapabilities capabilities;
    private final Deque<TablePlan> pending = new ArrayDeque<>();
    private final List<TablePlan> all = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    private final ExecutorService readers;
    private final SnapshotMetrics metrics;
    private long lastProgressLog;
    private long lastRoundBytes;
    private int lastRoundQueries;
    private Predicate<Partitions.Member> deferredPartitions = leaf -> false;
    private List<Future<ChunkRead>> inFlight;
    private List<ChunkFeed> inFlightFeeds = List.of();
    private List<TablePlan> inFlightPlans = List.of();
    /** Truncates that drop earlier copies, handed out ahead of the round's rows. */
    private List<Leading> inFlightLeading = List.of();
    /** The chunk of the round whose records are handed out now, and whether its reader said it is over. */
    private int takingChunk;
    private boolean takingChunkEnded;
    /** What a poll left of the batch it took last, when the whole batch did not fit within its records. */
    private List<SourceRecord> takingRest;
    private List<TablePlan> finishedInFlight = List.of();
    /**
     * Plans of the round that a chunk found rewritten or gone: the records of their later chunks in the round are
     * dropped, since a later chunk's offset stored before the new copy's would let a restart skip the range not copied.
     */
    private List<TablePlan> restartedInFlight = List.of();
    private List<TablePlan.Chunk> inFlightChunks = List.of();
    /** Every plan the round in flight took a chunk from or found done. */
    private List<TablePlan> touchedInFlight = List.of();
    /**
     * The relation (OID; of the root for a partitioned table) of the last copy this task planned of each table, by
     * name, whatever became of the copy: what the stored offsets may not say yet.
     */
    private final Map<String, Integer> plannedRelations = new HashMap<>();
    /** Plans a failed round left behind their reads: rebuilt from what was handed out before the next round. */
    private final List<TablePlan> rewinding = new ArrayList<>();

    /** How tables are split: by CTID range where the server can scan them (14+), else by primary-key range. */
    public enum Chunking {
        AUTO, CTID, KEY
    }

    public Snapshotter(ConnectionConfig connectionConfig, SourceCatalog catalog, RelationRegistry relations,
                       ChangeRecordFactory records, OffsetScope server, String publication, int parallelism, long chunkRows,
                       long chunkBytes, Path spillDirectory, Chunking chunking, SnapshotMetrics metrics, OffsetCarrier carrier) {
        this.publication = publication;
        this.chunking = chunking;
        this.connectionConfig = connectionConfig;
        this.catalog = catalog;
        this.relations = relations;
        this.records = records;
        this.carrier = carrier;
        this.server = server;
        this.parallelism = parallelism;
        this.chunkSize = new ChunkSize(chunkRows, chunkBytes);
        this.spillDirectory = spillDirectory;
        this.metrics = metrics;
        this.readers = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "adbsync-snapshot-" + server.describe());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Plans {@code tables} ({schema, table} pairs), resuming each from its stored offset; tables already done are
     * skipped. {@code publishedBefore} names the tables the publication held before this task started (null when
     * nothing is streamed): a table that had a copy but was not published lost the changes made meanwhile.
     */
    public void plan(List<TableId> tables, Map<String, String> conditions, OffsetStorageReader offsets,
                     Set<String> publishedBefore) throws SQLException {
        this.conditions = conditions;
        this.publishedBeforeStart = publishedBefore;
        this.storedOffsets = offsets;
        Map<String, Long> members = publishedBefore == null ? Map.of() : catalog.publicationMembers(publication);
        for (TableId name : tables) {
            planTable(name, offsets, members, publishedBefore, Planning.AT_START, null, null);
        }
        if (owedRecopies.values().stream().anyMatch(o -> o.after() == null)) {
            Lsn now = catalog.streamServerLsn();
            owedRecopies.replaceAll((name, owed) -> owed.after() == null ? owed.at(now) : owed);
        }
        if (heldRecopies.values().stream().anyMatch(h -> h.after() == null)) {
            Lsn now = catalog.streamServerLsn();
            heldRecopies.replaceAll((name, held) -> held.after() == null ? held.at(now) : held);
            log.info("The copies of {} start again once the stream passes {}, the server's position now, and a restart "
                    + "would resume past it: what it streams from before is sent first", heldRecopies.keySet(), now);
        }
    }

    /**
     * The held copies again ({@link #planTable}), each with the server's position it waits for: the stream must be past
     * it, and a restart must resume past it too (see StoredStream), before its truncate and copy go out.
     */
    public Map<TableId, Lsn> heldRecopies() {
        if (heldRecopies.isEmpty()) {
            return Map.of();
        }
        Map<TableId, Lsn> positions = new LinkedHashMap<>();
        heldRecopies.forEach((name, held) -> {
            if (held.after() != null) {
                positions.put(name, held.after());
            }
        });
        return positions;
    }

    /**
     * Plans {@code name}'s copy again, held until now (see {@link #heldRecopies}), for the reason it was held for; then
     * call {@link #heldRecopyDone} (a failure leaves it held, for the next try).
     */
    public void planHeldRecopy(TableId name, OffsetStorageReader offsets) throws SQLException {
        Held held = heldRecopies.get(name);
        if (held != null) {
            planTable(name, offsets, catalog.publicationMembers(publication), held.publishedBefore(), Planning.RELEASED, held,
                    null);
        }
    }

    /**
     * {@code name}'s copy held for {@code after} is planned, or its table is gone; a copy held again meanwhile, for a
     * later position, stays held.
     */
    public void heldRecopyDone(TableId name, Lsn after) {
        heldRecopies.computeIfPresent(name, (n, held) -> after.equals(held.after()) ? null : held);
    }

    /**
     * Makes this task, one of several reading a key shard each, meet the others before a copy again instead of
     * refusing it: see {@link RecopyMeetings}.
     */
    public void meetForRecopies(RecopyMeetings recopies) {
        this.recopies = recopies;
    }

    /**
     * Plans this task's share of {@code name}'s copy again, relation {@code oid} at {@code generation}, once the key
     * shards' tasks met for it: with the truncate of the earlier copy where {@code sendsTruncate} (shard 0), else without,
     * that truncate being in Kafka already. False where a round in flight still reads an earlier copy of the table here:
     * try again later (planned beside it, that copy's rows could follow the truncate).
     */
    public boolean planMetRecopy(TableId name, int oid, long generation, String again, boolean sendsTruncate,
                                 OffsetStorageReader offsets) throws SQLException {
        String table = name.toString();
        // Plans a round read (inFlightPlans keeps the last round's until the next starts) that are still this task's:
        // one a chunk found dropped is not, and waited for, it would hold the copy again for good.
        if (java.util.stream.Stream.concat(inFlightPlans.stream(), rewinding.stream())
                .anyMatch(p -> p.table.qualifiedName().equals(table) && underWay(p) && all.contains(p))) {
            if (metWaitLogged.add(name)) {
                log.info("Copy again of {} waits for this task's round reading its earlier copy", name);
            }
            return false;
        }
        metWaitLogged.remove(name);
        dropPendingPlans(table);
        planTable(name, offsets, catalog.publicationMembers(publication), null, Planning.MET, null,
                new Met(oid, generation, again, sendsTruncate));
        return true;
    }

    /**
     * Drops the plans of {@code table} (schema.table) not read yet: a copy again replaces them. A plan a failed round
     * left to be read again (rewinding) stays: it is read and done first (see copyUnderWay).
     */
    private void dropPendingPlans(String table) {
        for (TablePlan plan : new ArrayList<>(pending)) {
            if (plan.table.qualifiedName().equals(table) && !rewinding.contains(plan)) {
                pending.remove(plan);
                all.remove(plan);
                metrics.untrack(plan);
            }
        }
    }

    /**
     * Whether {@code plan} is under way: not done, or left by a failed round to be read again (done, as its chunks were
     * all taken, but not all its records handed out).
     */
    private boolean underWay(TablePlan plan) {
        return !plan.done() || rewinding.contains(plan);
    }

    /** Whether a copy of {@code name} is under way here (a plan not done): a meeting for its copy again waits for it. */
    public boolean copyUnderWay(TableId name) {
        String table = name.toString();
        return all.stream().anyMatch(p -> p.table.qualifiedName().equals(table) && underWay(p));
    }

    /**
     * Whether this task copies {@code name} (relation {@code oid}) below {@code generation}, with nothing of it under
     * way: a copy again the other tasks asked for is then this task's to join. A copy under way goes first.
     */
    public boolean copiesBelow(TableId name, int oid, long generation) {
        String table = name.toString();
        if (!Integer.valueOf(oid).equals(plannedRelations.get(table))
                || plannedGenerations.getOrDefault(relationKey(table, oid), 0L) >= generation) {
            return false;
        }
        return all.stream().noneMatch(p -> p.table.qualifiedName().equals(table) && underWay(p));
    }

    /**
     * Whether the truncate this task sent for {@code name}'s copy again at {@code generation}, once the tasks met, reads
     * back stored: the other tasks may then copy their shares.
     */
    public boolean metTruncateStored(TableId name, int oid, long generation, OffsetStorageReader offsets) {
        MetTruncate sent = metTruncates.get(name);
        if (sent == null || sent.oid() != oid || sent.generation() != generation) {
            return false;
        }
        // Read once per offset commit, as carriers and marks are: each read may read the offsets topic.
        int commitsNow = commits.get();
        if (Integer.valueOf(commitsNow).equals(metLookedAt.put(name, commitsNow))) {
            return false;
        }
        SnapshotOffsets.Offset stored;
        try {
            stored = SnapshotOffsets.parse(offsets.offset(sent.partition()));
        } catch (RuntimeException e) {
            return false;
        }
        if (TablePlan.copiedPast(stored, oid, generation)) {
            metTruncates.remove(name);
            metLookedAt.remove(name);
            return true;
        }
        return false;
    }

    /** Tables whose copy again met for waits for a round in flight, said once. */
    private final Set<TableId> metWaitLogged = new java.util.HashSet<>();

    /** The offset commits counted at the last look at each table's {@link MetTruncate}. */
    private final Map<TableId, Integer> metLookedAt = new HashMap<>();

    /** A copy again the key shards' tasks met for: the relation, its generation, why, and whether this task truncates. */
    private record Met(int oid, long generation, String again, boolean sendsTruncate) {
    }

    /** The part whose copy carries the truncate this task sent for a copy again met for. */
    private record MetTruncate(Map<String, String> partition, int oid, long generation) {
    }

    private static final String ASKED_BY_OTHERS =
            "is copied again by the other key shards' tasks (their offsets told them its earlier copy no longer holds)";

    /** Null unless key shards' tasks meet for copies again. */
    private RecopyMeetings recopies;
    private final Map<TableId, MetTruncate> metTruncates = new HashMap<>();
    /**
     * The partitions (and their relations) planned with copies again the key shards' tasks met for: the watch of attached
     * partitions finds them planned; one of the name created again since is another relation, and not skipped here
     * (though its stored offset, which names the partition and not its relation, still reads as its copy).
     */
    private final Map<Map<String, String>, Integer> metPartitions = new HashMap<>();

    /**
     * Plans the copy of a table found while streaming (created, or re-created under a captured name); a copy stored for
     * another relation of that name, or one made before the table was {@code added} to the publication just now (it
     * was not captured meanwhile), is replaced.
     */
    public void planNewTable(TableId name, boolean added, Map<String, String> conditions, OffsetStorageReader offsets)
            throws SQLException {
        this.conditions = conditions;
        planTable(name, offsets, catalog.publicationMembers(publication), added ? Set.of() : null, Planning.FOUND, null,
                null);
    }

    /**
     * When a table's copy is planned: at the start, found while streaming, released from a hold, or once the key
     * shards' tasks met for its copy again.
     */
    private enum Planning { AT_START, FOUND, RELEASED, MET }

    /**
     * A copy again held: why the earlier copy no longer holds, the server's position it waits for (null until every
     * table named at the start is planned), and the published tables it was planned with. Its release plans with
     * them, since some of what told it (a rename given back, a table added to the publication) is told once.
     */
    private record Held(String again, int oid, Lsn after, Set<String> publishedBefore) {
        Held at(Lsn position) {
            return new Held(again, oid, position, publishedBefore);
        }
    }

    /** Tables whose stored copies no longer hold, planned once the stream and a restart are past their position. */
    private final Map<TableId, Held> heldRecopies = new LinkedHashMap<>();

    /**
     * A partitioned table's copy again whose partitions all wait for the watch of attached partitions: why, the relation,
     * the barrier of the truncate its first partition's copy starts with, and the server's position it waits for as a
     * held copy does (null until every table named at the start is planned).
     */
    private record Owed(String again, int oid, long generation, String barrier, Lsn after) {
        Owed at(Lsn position) {
            return new Owed(again, oid, generation, barrier, position);
        }
    }

    private final Map<TableId, Owed> owedRecopies = new LinkedHashMap<>();

    /**
     * The partition whose copy carries a partitioned table's copy-again truncate (owed, or planned with the table), by
     * table, until its offset reads back stored past the truncate: the table's other partitions wait for that, planned
     * or not. Connect stores each partition's offsets as its own records are acknowledged: stored first, another one
     * would tell a restart that the table was copied as this relation, and the truncate, if it never reached Kafka,
     * would not be sent again.
     */
    private record Carrier(Map<String, String> partition, int oid, long generation, String again) {
        Carrier on(Map<String, String> other) {
            return new Carrier(other, oid, generation, again);
        }
    }

    private final Map<TableId, Carrier> owedCarriers = new LinkedHashMap<>();
    /** The offset commits counted when each carrier's offset was read last. */
    private final Map<TableId, Integer> carriersLookedAt = new HashMap<>();
    /** The task's offsets, read back for the carriers of planned copies ({@link #waitsForItsCarrier}). */
    private OffsetStorageReader storedOffsets;

    /** Whether {@code plan}, a partition of a table copied again, waits for the partition carrying its truncate. */
    private boolean waitsForItsCarrier(TablePlan plan) {
        if (plan.leaf() == null) {
            return false;
        }
        TableId root = new TableId(plan.table.schema(), plan.table.table());
        Carrier carrier = owedCarriers.get(root);
        if (carrier == null || carrier.oid() != plan.oid || carrier.partition().equals(plan.partition)) {
            return false;
        }
        return waitsForCarrier(root, storedOffsets, false);
    }

    /**
     * Whether the partitions of {@code root} wait for the partition carrying its copy's truncate to be stored (see
     * Carrier); its offset is read at most once per offset commit.
     */
    public boolean waitsForTruncateCarrier(TableId root, OffsetStorageReader offsets) {
        return waitsForCarrier(root, offsets, true);
    }

    /**
     * {@link #waitsForTruncateCarrier}; {@code relationGone} looks up whether the table was dropped since (no query
     * where the caller is not ready for a lost connection: planned partitions find a dropped table by reading it).
     */
    private boolean waitsForCarrier(TableId root, OffsetStorageReader offsets, boolean relationGone) {
        Carrier carrier = owedCarriers.get(root);
        if (carrier == null) {
            return false;
        }
        int commitsNow = commits.get();
        if (Integer.valueOf(commitsNow).equals(carriersLookedAt.get(root))) {
            return true;
        }
        carriersLookedAt.put(root, commitsNow);
        if (relationGone && !catalog.relationExists(carrier.oid())) {
            // Dropped since (or dropped and created again): its partitions are planned, or found gone, as any others.
            dropCarrier(root);
            return false;
        }
        SnapshotOffsets.Offset stored;
        try {
            stored = SnapshotOffsets.parse(offsets.offset(carrier.partition()));
        } catch (RuntimeException e) {
            return true;
        }
        if (TablePlan.copiedPast(stored, carrier.oid(), carrier.generation())) {
            dropCarrier(root);
            return false;
        }
        if (carrierLooks.merge(root, 1, Integer::sum) == WARN_AFTER_COMMITS) {
            // Nothing else would tell why the table's copy stands still: Connect never stores the offset of a record
            // a transform or converter dropped.
            log.warn("The copy of {}'s other partitions waits for the copy of partition {}, which carries the truncate "
                    + "of the table's earlier copy, to be in the connector's offsets: after {} offset commits it is "
                    + "not. If a transform or converter drops that partition's records (the table's topic, and the "
                    + "heartbeat topic where the partition is empty), let them through and restart the task",
                    root, carrier.partition().get(TablePlan.PARTITION_SNAPSHOT), WARN_AFTER_COMMITS);
        }
        return true;
    }

    /** Offset commits a carrier is looked at, not stored, before a warning says what could keep it from being stored. */
    private static final int WARN_AFTER_COMMITS = 5;
    private final Map<TableId, Integer> carrierLooks = new HashMap<>();

    private void dropCarrier(TableId root) {
        owedCarriers.remove(root);
        carriersLookedAt.remove(root);
        carrierLooks.remove(root);
    }

    /**
     * The position a partition of {@code root} waits for before its copy is planned, where the table's copy again is
     * owed (see planTable): the stream must be past it and a restart resume past it (see StoredStream); else null.
     */
    public Lsn owedRecopyAfter(TableId root) {
        Owed owed = owedRecopies.get(root);
        return owed == null ? null : owed.after();
    }
    /** {@link #plan}'s publishedBefore: null when nothing is streamed. */
    private Set<String> publishedBeforeStart;

    private void planTable(TableId name, OffsetStorageReader offsets, Map<String, Long> members, Set<String> publishedBefore,
                           Planning planning, Held released, Met met) throws SQLException {
        boolean whileStreaming = planning != Planning.AT_START;
        PgOutputMessage.Relation shape = catalog.relation(name.schema(), name.table());
        // While streaming the table is described, not registered: the stream may not have reached its Relation yet.
        CapturedTable table = whileStreaming ? relations.describe(shape) : relations.update(shape);
        if (!share.reads(table.oid())) {
            return;
        }
        // Planned (or held) whole here: a copy again owed to its first partition (see Owed) is this one now. A carrier
        // stays: partitions planned before still wait for it (a new one, planned below, takes its place).
        owedRecopies.remove(name);
        long member = members.getOrDefault(table.qualifiedName(), 0L);
        // A partitioned table is read leaf by leaf, each chunked as a table of its own, its rows the root's records.
        List<Partitions.Member> readFrom = new ArrayList<>();
        List<Partitions.Member> leaves = Partitions.leaves(catalog.connection(), name.schema(), name.table());
        if (leaves.isEmpty()) {
            readFrom.add(null);
        }
        for (Partitions.Member leaf : leaves) {
            // Partitions of a table new while streaming were never seen by the watch of attached partitions, and while a
            // table's copy again was held, the watch left them to it (planPartition).
            if (whileStreaming || !deferredPartitions.test(leaf)) {
                readFrom.add(leaf);
            }
        }
        List<SnapshotOffsets.Offset> stored = new ArrayList<>();
        // The parts whose stored copy no longer holds, each for a reason of its own.
        List<SnapshotOffsets.Offset> replaced = new ArrayList<>();
        String again = null;
        // The generation of the table's own mark while it has no partitions (see below), else 0.
        long ownMarkGeneration = 0;
        for (Partitions.Member leaf : readFrom) {
            SnapshotOffsets.Offset offset = storedOffset(offsets, table, leaf);
            if (leaf == null && TablePlan.currentMark(offset, table.oid())) {
                // The table's own mark while it has no partitions: nothing copied under its name is at the destination,
                // and what its plan stores there keeps the mark's generation.
                ownMarkGeneration = offset.generation();
                offset = null;
            }
            stored.add(offset);
            String why = whyCopyAgain(table, offset, member, publishedBefore);
            if (why != null) {
                replaced.add(offset);
                if (again == null) {
                    again = why;
                }
            }
        }
        // Only where something is planned now: its first plan carries the truncate (partitions left to planPartition
        // are not judged here).
        if (again == null && !readFrom.isEmpty()) {
            again = plannedHereForAnotherRelation(table);
        }
        // Renamed away and given this name again while streaming: its copy here has the same relation, but what changed
        // under the other name went to that name's topic.
        if (again == null && whileStreaming && relations.takeRenamedAway(table.qualifiedName())
                && (stored.stream().anyMatch(o -> TablePlan.ofRelation(o, table.oid()))
                || Integer.valueOf(table.oid()).equals(plannedRelations.get(table.qualifiedName())))) {
            again = "was renamed and given this name again (its changes under the other name are not in this copy)";
        }
        // A copy stored under the table's own name is of a table that was not partitioned. Nothing writes that name
        // again once the table is, so it is judged only until a copy of this relation is stored.
        boolean copiedAsThis = stored.stream().anyMatch(o -> TablePlan.ofRelation(o, table.oid()));
        SnapshotOffsets.Offset underName = leaves.isEmpty() ? null : storedOffset(offsets, table, null);
        if (again == null && !leaves.isEmpty() && !copiedAsThis && TablePlan.ofAnotherRelation(underName, table.oid())) {
            again = "was dropped and created again (partitioned)";
        }
        if (again == null && readFrom.isEmpty() && underName != null && underName.partitionedMark()
                && LeftTables.nonce(underName) != null) {
            // Its partitions all replaced while it was left out: only the table's own mark still says so.
            again = LEFT_FOR_A_WHILE;
        }
        if (again == null && released != null) {
            again = released.again();
        }
        // Counted from the copy it replaces: from the parts it replaces where they tell (not from parts of this copy a
        // restart found stored, so a truncate sent again names the same barrier), else from the latest of this
        // relation's parts and mark (a part with nothing stored, e.g. a partition attached since, counts none).
        long copiedGeneration = Math.max(latestGeneration(stored, table.oid()),
                Math.max(ownMarkGeneration, generationUnderName(underName, table)));
        long generation = again == null ? 0 : (replaced.isEmpty() ? copiedGeneration : latestGeneration(replaced, null)) + 1;
        // Whether the copy again's truncate went out from another task: this one copies its share without one.
        boolean truncateSentElsewhere = false;
        // Copied again whole where the key shards' tasks meet for it, not partition by partition as the watch of
        // attached partitions finds them (see Owed): the meeting makes the copy wait, and the truncate is not sent with
        // a first partition's copy, but before every shard's.
        String ownMarkNonce = null;
        if (recopies != null && again != null && readFrom.isEmpty() && !leaves.isEmpty()) {
            readFrom.addAll(leaves);
            leaves.forEach(leaf -> stored.add(null));
            generation = Math.max(generation, TablePlan.generationOf(underName) + 1);
            ownMarkNonce = LeftTables.nonce(underName);
        }
        if (met != null && met.oid() != table.oid()) {
            // Another relation took the name since the tasks met: its copy is judged (and met for) as any.
            met = null;
        }
        if (recopies != null && !readFrom.isEmpty()) {
            if (met != null) {
                // The tasks met: this copy is the one they agreed on, whatever this task's offsets say of it.
                again = again == null ? met.again() : again;
                generation = met.generation();
                truncateSentElsewhere = !met.sendsTruncate();
            } else {
                long planned = plannedGenerations.getOrDefault(relationKey(table.qualifiedName(), table.oid()), 0L);
                if (again == null) {
                    // Copied again by the other tasks (their offsets told them to): this task's share goes with theirs.
                    long copied = Math.max(copiedGeneration, planned);
                    if (recopies.askedPast(name, table.oid(), copied, truncatedGeneration(stored, underName, table.oid()))) {
                        again = ASKED_BY_OTHERS;
                        generation = copied + 1;
                    }
                }
                if (again != null) {
                    boolean decided = !ASKED_BY_OTHERS.equals(again);
                    if (decided) {
                        // Found now, after what this run planned (shard 0's share of a copy again, its offsets not
                        // stored yet, with a rename given back since): a copy past that one.
                        generation = Math.max(generation, planned + 1);
                    }
                    RecopyMeetings.Joined joined = recopies.join(name, table.oid(), generation, again, decided);
                    if (!joined.sent()) {
                        // What is left of an earlier copy here would go out after the truncate (a table renamed away
                        // and back mid-copy): the copy again replaces it.
                        dropPendingPlans(table.qualifiedName());
                        log.info("Snapshot of {} starts again once every key shard's task has streamed past this point "
                                + "and one has sent the truncate of the earlier copy: the table {}", name, again);
                        return;
                    }
                    generation = joined.generation();
                    truncateSentElsewhere = true;
                }
            }
        }
        if (again != null && !share.readsAllRows(table.oid()) && (recopies == null || readFrom.isEmpty())) {
            throw new ConnectException(partRecopy(table, again, share.splitsRows()));
        }
        if (again != null && readFrom.isEmpty()) {
            // Every partition waits for the watch of attached partitions (none has a copy stored: the table was created
            // again while the task was away). The first one planned carries the truncate, once the stream is past
            // this point and a restart would resume past it, as for a held copy.
            // Past the mark's (of another relation, or of this one left out a while, whose nonce names the truncate).
            long owedGeneration = TablePlan.generationOf(underName) + 1;
            owedRecopies.put(name, new Owed(again, table.oid(), owedGeneration, TablePlan.barrierId(table.oid(), member,
                    owedGeneration, LeftTables.nonce(underName), records.sourceSystem()),
                    planning == Planning.AT_START ? null : catalog.streamServerLsn()));
            log.info("Snapshot of {} starts again with its first partition the stream reaches: the table {}, so its "
                    + "earlier copy no longer holds", name, again);
            return;
        }
        // Another table took the name while its copy was held (a second rotation): the one held for may still have
        // changes made before that on their way, so the copy waits again, for a position past the new rename.
        boolean takenAgain = released != null && released.oid() != table.oid();
        // A copy again the key shards' tasks met for waited as a held one does, and longer (see RecopyMeetings).
        boolean metForIt = met != null || truncateSentElsewhere;
        if (again != null && !metForIt && (planning == Planning.FOUND || takenAgain
                || planning == Planning.AT_START && publishedBeforeStart != null)) {
            // The stream may be behind the server. What it has yet to send of the table's earlier relation comes under
            // this name where that relation was renamed away (an archive rotation: RENAME, CREATE under the name): sent
            // after this copy, it would land on the new rows. So the truncate and copy wait until the stream is past,
            // and until a restart would resume past it too: a restart sends again what was handed out after the stored
            // offset, and sent after the truncate, the earlier table's changes would land on the new rows all the same.
            heldRecopies.put(name, new Held(again, table.oid(),
                    planning == Planning.AT_START ? null : catalog.streamServerLsn(), publishedBefore));
            log.info("Snapshot of {} starts again once the stream has caught up and a restart would resume past that: "
                    + "the table {}, so its earlier copy no longer holds", name, again);
            return;
        }
        // A truncate a restart found part sent, on whichever part carried it (the first then, not necessarily now).
        SnapshotOffsets.Offset partSent = stored.stream().filter(TablePlan::partSentTruncate).findFirst().orElse(null);
        // Any partition's mark names the re-copy: leaf 0 may have been copied (and so unmarked) after the others.
        String nonce = stored.stream().map(LeftTables::nonce).filter(java.util.Objects::nonNull).findFirst()
                .orElse(ownMarkNonce);
        for (int i = 0; i < readFrom.size(); i++) {
            Partitions.Member leaf = readFrom.get(i);
            TablePlan plan = plan(table, leaf, again == null ? stored.get(i) : null);
            SnapshotOffsets.Offset resumed = stored.get(i);
            if (again == null && recopies != null && TablePlan.partSentTruncate(resumed)
                    && TablePlan.ofRelation(resumed, table.oid())) {
                // Shard 0 stopped with the truncate of a copy again the tasks met for sent in part: it goes on with it
                // here, and tells the others once it is stored.
                metTruncates.put(name, new MetTruncate(plan.partition, table.oid(), resumed.generation()));
                recopies.resumedTruncate(name, table.oid(), resumed.generation());
                if (leaf != null) {
                    // Partitions attached meanwhile wait for it, as for the truncate's first sending.
                    owedCarriers.put(name, new Carrier(plan.partition, table.oid(), resumed.generation(),
                            "was copied again"));
                }
            }
            if (again != null) {
                plan.generation = generation;
                // One truncate drops the earlier copy, before the first partition's rows: one per partition would
                // drop the partitions copied before it.
                if (i == 0 && !truncateSentElsewhere) {
                    String barrier = TablePlan.barrierId(table.oid(), member, generation, nonce, records.sourceSystem());
                    if (partSent != null && barrier.equals(partSent.barrier())) {
                        // This copy's own truncate, part sent before a restart: the rest of its copies go out.
                        plan.resumingTruncate(partSent);
                    } else {
                        plan.replacingEarlierCopy(barrier);
                        plan.owedTruncate = partSent;
                    }
                    if (leaf != null) {
                        owedCarriers.put(name, new Carrier(plan.partition, table.oid(), generation, again));
                    }
                    if (met != null) {
                        metTruncates.put(name, new MetTruncate(plan.partition, table.oid(), generation));
                    }
                }
            } else if (leaf == null) {
                plan.generation = Math.max(plan.generation, ownMarkGeneration);
            }
            plan.shape = shape;
            plan.publicationMember = member;
            if ((met != null || truncateSentElsewhere) && leaf != null) {
                metPartitions.put(plan.partition, leaf.oid());
            }
            add(plan, again);
            // A copy again marks the table once the partition carrying its truncate is stored past it: another
            // partition stored first would not tell that the truncate reached Kafka.
            if (leaf != null && (again == null || i == 0)) {
                markPartitioned(table, underName, plan.partition,
                        again == null ? latestGeneration(stored, table.oid()) : generation);
            }
        }
    }

    /**
     * The latest generation (copies begun with a truncate) of the parts' offsets stored for relation {@code oid}: the
     * mark keeps it, since partitions rotate away and a copy again must not name a truncate the sink already applied.
     */
    private static long latestGeneration(List<SnapshotOffsets.Offset> stored, Integer oid) {
        long latest = 0;
        for (SnapshotOffsets.Offset offset : stored) {
            if (offset != null && (oid == null || TablePlan.ofRelation(offset, oid))) {
                latest = Math.max(latest, offset.generation());
            }
        }
        return latest;
    }

    /**
     * The latest generation of relation {@code oid} whose copy this task has stored past its truncate (a part or the
     * table's mark, which goes out only after that), where the key shards' tasks met for it; else 0.
     */
    private static long truncatedGeneration(List<SnapshotOffsets.Offset> stored, SnapshotOffsets.Offset underName, int oid) {
        long latest = 0;
        // A generation whose truncate is still sent in part on one part is not stored past it, whatever another part
        // (a partition planned after a restart, without a carrier) says.
        Set<Long> partSent = new java.util.HashSet<>();
        for (SnapshotOffsets.Offset offset : stored) {
            if (offset != null && TablePlan.ofRelation(offset, oid) && offset.partSentTruncate()) {
                partSent.add(offset.generation());
            }
        }
        for (SnapshotOffsets.Offset offset : stored) {
            if (offset != null && TablePlan.ofRelation(offset, oid) && !partSent.contains(offset.generation())) {
                latest = Math.max(latest, offset.generation());
            }
        }
        return TablePlan.currentMark(underName, oid) && !partSent.contains(underName.generation())
                ? Math.max(latest, underName.generation()) : latest;
    }

    /**
     * The generation stored under a partitioned {@code table}'s own name for its relation (its mark's, or what a copy
     * while it had no partitions stored there); else 0.
     */
    private static long generationUnderName(SnapshotOffsets.Offset underName, CapturedTable table) {
        return TablePlan.ofRelation(underName, table.oid()) ? underName.generation() : 0;
    }

    /**
     * Marks the partitioned {@code table}'s copy as of its relation under the table's own name (see
     * TablePlan#OFFSET_PARTITIONED), unless that is stored: its copy is stored per partition, and a table created
     * again with partitions all of other names would otherwise find nothing of the earlier copy, whose rows are at the
     * destination. It also keeps the copy's {@code generation}, which partitions rotated away no longer show. The mark
     * goes out once the offset of a partition's copy of this relation at that generation ({@code partition}, or another
     * one given for the same mark) reads back stored ({@link #marksDue}): stored first, it would tell a restart that the
     * earlier copy was replaced before this copy's truncate was.
     */
    private void markPartitioned(CapturedTable table, SnapshotOffsets.Offset stored, Map<String, String> partition,
                                 long generation) {
        PendingMark pending = pendingMarks.get(table.qualifiedName());
        if (pending != null && pending.oid() == table.oid() && pending.generation() >= generation) {
            pending.partitions().add(partition);
            return;
        }
        if (TablePlan.currentMark(stored, table.oid()) && stored.generation() >= generation) {
            pendingMarks.remove(table.qualifiedName());
            return;
        }
        Set<Map<String, String>> partitions = new java.util.HashSet<>();
        partitions.add(partition);
        pendingMarks.put(table.qualifiedName(), new PendingMark(table.oid(), generation, partitions,
                carrier.carry(TablePlan.partition(server, table.qualifiedName()), Map.of(
                        TablePlan.OFFSET_OID, Integer.toUnsignedLong(table.oid()), TablePlan.OFFSET_PARTITIONED, true,
                        TablePlan.OFFSET_GENERATION, generation))));
    }

    /**
     * A partitioned table's mark of relation {@code oid} at {@code generation}, handed out once the offset of one of its
     * partitions' copies ({@code partitions}) reads back stored at that generation, with no truncate part sent only.
     */
    private record PendingMark(int oid, long generation, Set<Map<String, String>> partitions, SourceRecord record) {
    }

    /** By table (schema.table). */
    private final Map<String, PendingMark> pendingMarks = new LinkedHashMap<>();
    /** Offset commits ended (counted on Connect's committer thread), and the count at the last look for marks due. */
    private final java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
    private int marksLookedAt = -1;

    /** Connect committed offsets (any thread): the next {@link #marksDue} reads them back. */
    public void committed() {
        commits.incrementAndGet();
    }

    /**
     * On the task thread: the partitioned tables' marks whose partition's copy of the same relation now reads back
     * stored, to hand out; the offsets are read at most once per offset commit, and only while a mark waits.
     */
    public List<SourceRecord> marksDue(OffsetStorageReader offsets) {
        int commitsNow = commits.get();
        if (pendingMarks.isEmpty() || commitsNow == marksLookedAt) {
            return List.of();
        }
        // Set before the read: a failed one is tried again after the next commit, not at every poll.
        marksLookedAt = commitsNow;
        Map<Map<String, String>, Map<String, Object>> stored;
        try {
            stored = offsets.offsets(pendingMarks.values().stream().flatMap(m -> m.partitions().stream()).toList());
        } catch (RuntimeException e) {
            log.warn("Could not read the connector's offsets back to mark partitioned tables' copies (tried again after "
                    + "the next offset commit): {}", e.toString());
            return List.of();
        }
        List<SourceRecord> due = new ArrayList<>();
        pendingMarks.values().removeIf(mark -> {
            for (Map<String, String> partition : mark.partitions()) {
                SnapshotOffsets.Offset offset;
                try {
                    offset = SnapshotOffsets.parse(stored.get(partition));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                if (TablePlan.copiedPast(offset, mark.oid(), mark.generation())) {
                    due.add(mark.record());
                    return true;
                }
            }
            return false;
        });
        return due;
    }

    /**
     * Why {@code table}, read here in part (one segment's rows, or one key shard's under snapshot.mode=initial_only,
     * where no stream tells the tasks when to meet), cannot be copied again: the new copy must start with a truncate that
     * drops the earlier one, and sent by one task it would also drop the rows the other tasks copied or streamed after it.
     */
    static String partRecopy(CapturedTable table, String again, boolean byKey) {
        String parts = byKey ? "key shard" : "segment";
        return "Table " + table.qualifiedName() + " " + again + ", so its earlier copy no longer holds and must be "
                + "replaced, starting with a truncate of the destination table. Read " + (byKey
                ? "by several tasks split by key (tasks.max above 1) under snapshot.mode=initial_only"
                : "per segment (source.mode=greenplum_segments)")
                + ", each " + parts + "'s task copies only its own rows, and " + (byKey
                ? "with nothing streamed the tasks cannot meet at that truncate (they do while streaming)"
                : "this version cannot yet make the segments' tasks meet at that truncate")
                + ", so the task stops rather than lose rows at the destination. To go on: stop this "
                + "connector, empty the destination tables, delete its offsets (DELETE /connectors/<name>/offsets, with "
                + "slot.drop.on.offsets.reset=true so the " + parts + "s' slots go too) and start it again: every table "
                + "is copied anew";
    }

    /** Reads only the tables of {@code share} (one segment's, where each segment has a task). */
    public void share(TableShare share) {
        this.share = share;
    }

    private static final String LEFT_FOR_A_WHILE =
            "was not captured for a while (left out by the include or exclude list, or not capturable)";

    /** Why the earlier copy of {@code table} no longer holds, or null if it does (or there is none). */
    private String whyCopyAgain(CapturedTable table, SnapshotOffsets.Offset stored, long member, Set<String> publishedBefore) {
        if (LeftTables.nonce(stored) != null) {
            return LEFT_FOR_A_WHILE;
        }
        if (TablePlan.ofAnotherRelation(stored, table.oid())) {
            return "was dropped and created again";
        }
        if (TablePlan.underAnotherPublicationMember(stored, member)) {
            return "was removed from publication " + publication + " and added again (not captured for a while)";
        }
        if (stored != null && publishedBefore != null && !publishedBefore.contains(table.qualifiedName())) {
            return "was not in publication " + publication + " (not captured) for a while";
        }
        String filter = conditions.get(table.qualifiedName());
        if (TablePlan.underAnotherFilter(stored, filter)) {
            return "has another row filter in table.filters (" + (stored.filter().isEmpty() ? "none" : stored.filter())
                    + " then, " + (filter == null ? "none" : filter) + " now)";
        }
        return null;
    }

    /**
     * "was dropped and created again" where this task planned a copy of {@code table} (of any of its partitions, whatever
     * their names) for another relation: the offsets Connect stored may not show that copy yet (they are committed every
     * offset.flush.interval.ms), or show it under partitions the table no longer has, and its rows may be at the
     * destination all the same.
     */
    private String plannedHereForAnotherRelation(CapturedTable table) {
        Integer planned = plannedRelations.get(table.qualifiedName());
        return planned != null && planned != table.oid() ? "was dropped and created again" : null;
    }

    private void add(TablePlan plan, String again) {
        plannedRelations.put(plan.table.qualifiedName(), plan.oid);
        plannedGenerations.merge(relationKey(plan.table.qualifiedName(), plan.oid), plan.generation, Math::max);
        all.add(plan);
        metrics.track(plan);
        if (plan.done()) {
            return;
        }
        pending.add(plan);
        if (again != null) {
            log.info("Snapshot of {} starts again (~{} rows): the table {}, so its earlier copy no longer holds",
                    plan.name(), plan.estimatedRows, again);
        } else {
            log.info("Snapshot of {} {} ({}, ~{} rows)", plan.name(), plan.resumed ? "resumes" : "starts",
                    plan.position(), plan.estimatedRows);
        }
    }

    /**
     * The stored offset of the copy of {@code table} (or of its partition {@code leaf}), parsed: one written through
     * the REST API before alterOffsets checked offsets may lack a field or hold one of another type.
     */
    private SnapshotOffsets.Offset storedOffset(OffsetStorageReader offsets, CapturedTable table, Partitions.Member leaf) {
        try {
            return SnapshotOffsets.parse(offsets.offset(TablePlan.partition(server, TablePlan.key(table.qualifiedName(), leaf))));
        } catch (IllegalArgumentException e) {
            throw invalidOffset(table, leaf, e);
        }
    }

    private static ConnectException invalidOffset(CapturedTable table, Partitions.Member leaf, IllegalArgumentException e) {
        return new ConnectException("The stored snapshot offset of " + TablePlan.key(table.qualifiedName(), leaf)
                + " is invalid: " + e.getMessage() + ". Correct it, or remove it to copy the table again (a null offset "
                + "for its partition), with PATCH /connectors/<name>/offsets on the stopped connector");
    }

    /** Whether the copy of partition {@code leaf} of {@code table} has begun: an offset of it is stored. */
    public static boolean copyStarted(OffsetStorageReader offsets, OffsetScope server, String table, Partitions.Member leaf) {
        return offsets.offset(TablePlan.partition(server, TablePlan.key(table, leaf))) != null;
    }

    /** Leaves {@code deferred} partitions out of {@link #plan}: they are planned later with {@link #planPartition}. */
    public void deferPartitions(Predicate<Partitions.Member> deferred) {
        this.deferredPartitions = deferred;
    }

    /** Plans the copy of a partition attached to the partitioned table {@code root} while streaming. */
    public void planPartition(TableId root, Partitions.Member leaf, Map<String, String> conditions, OffsetStorageReader offsets)
            throws SQLException {
        this.conditions = conditions;
        PgOutputMessage.Relation shape = catalog.relation(root.schema(), root.table());
        // Described, not registered: the stream may not have reached a change of the table's shape the catalog has.
        CapturedTable table = relations.describe(shape);
        if (!share.reads(table.oid())) {
            return;
        }
        if (recopies != null && Integer.valueOf(leaf.oid()).equals(
                metPartitions.get(TablePlan.partition(server, TablePlan.key(table.qualifiedName(), leaf))))) {
            // Planned with its table's copy again, once the key shards' tasks met for it.
            return;
        }
        if (recopies != null && recopies.meeting(root)) {
            // The key shards' tasks meet for its table's copy again, which copies every partition after the truncate.
            log.info("Partition {} of {} is copied with its table, whose copy again waits for the key shards' tasks",
                    leaf.qualifiedName(), table.qualifiedName());
            return;
        }
        if (heldRecopies.containsKey(root)) {
            owedRecopies.remove(root);
            // Its table's copy again is held (see heldRecopies): the release copies every partition after the truncate
            // of the earlier copy. Copied now, this one would go first, and the truncate would drop it.
            log.info("Partition {} of {} is copied with its table, whose copy again waits for the stream", leaf.qualifiedName(),
                    table.qualifiedName());
            return;
        }
        SnapshotOffsets.Offset stored = storedOffset(offsets, table, leaf);
        if (plannedHereForAnotherRelation(table) != null) {
            // A partition of a table created again since this task planned its copy: the table is new to the connector
            // too, and copied whole after a truncate of its earlier copy (planNewTable). Planned here, this partition
            // would go first, without one.
            log.info("Partition {} of {} is copied with its table, which was dropped and created again", leaf.qualifiedName(),
                    table.qualifiedName());
            return;
        }
        if (TablePlan.ofAnotherRelation(stored, table.oid())) {
            // The copy of a dropped table's partition of this name: nothing of it holds for this one.
            stored = null;
        }
        Owed owed = owedRecopies.get(root);
        if (owed != null && owed.oid() != table.oid()) {
            // Created again once more since: copied whole after a truncate when the watch of new tables finds it
            // (planNewTable, which ends what is owed). Planned here, this partition would go first, without one.
            log.info("Partition {} of {} is copied with its table, which was dropped and created again", leaf.qualifiedName(),
                    table.qualifiedName());
            return;
        }
        if (owed != null && TablePlan.ofRelation(stored, table.oid())) {
            // Planned here before a restart (which found its offset stored): its truncate went out then.
            owedRecopies.remove(root);
            owed = null;
        }
        TablePlan plan = plan(table, leaf, stored);
        plan.shape = shape;
        if (owed != null) {
            // The first partition of a table created again: its copy starts with the truncate of the earlier one, and
            // every later partition's copy is planned after it.
            owedRecopies.remove(root);
            plan.generation = owed.generation();
            plan.replacingEarlierCopy(owed.barrier());
            owedCarriers.put(root, new Carrier(plan.partition, table.oid(), owed.generation(), owed.again()));
            // A copy again the key shards' tasks met for, whose carrier was dropped before its truncate went out.
            Owed carried = owed;
            metTruncates.computeIfPresent(root, (r, met) -> met.oid() == carried.oid()
                    && met.generation() == carried.generation() ? new MetTruncate(plan.partition, met.oid(), met.generation())
                    : met);
        }
        SnapshotOffsets.Offset underName = storedOffset(offsets, table, null);
        long copyGeneration = Math.max(plan.generation, copyGeneration(underName, table));
        if (owed == null && stored == null) {
            // A partition new to the copy takes its generation, so that the generation a copy again counts from is
            // the latest whatever partitions remain by then.
            plan.generation = copyGeneration;
        }
        add(plan, owed == null ? null : owed.again());
        markPartitioned(table, underName, plan.partition, copyGeneration);
    }

    /** The generation of {@code table}'s copy: this run's plans of its relation, or its mark's. */
    private long copyGeneration(SnapshotOffsets.Offset underName, CapturedTable table) {
        long generation = plannedGenerations.getOrDefault(relationKey(table.qualifiedName(), table.oid()), 0L);
        return Math.max(generation, generationUnderName(underName, table));
    }

    /** The latest generation of the plans made here, by table and relation ({@link #relationKey}). */
    private final Map<String, Long> plannedGenerations = new HashMap<>();

    /** {@code schema.table@oid}. */
    private static String relationKey(String table, int oid) {
        return table + "@" + Integer.toUnsignedLong(oid);
    }

    /** A plan reading {@code table}'s rows from the table itself, or from its partition {@code leaf}. */
    private TablePlan plan(CapturedTable table, Partitions.Member leaf, SnapshotOffsets.Offset stored) throws SQLException {
        TablePlan plan;
        try {
            plan = plan(table, leaf, leaf == null ? catalog.sizeOf(table.schema(), table.table(), table.oid())
                    : catalog.sizeOf(leaf.schema(), leaf.table(), leaf.oid()), stored);
        } catch (IllegalArgumentException e) {
            // Well-formed but not for this table, e.g. bounds for another number of key columns.
            throw invalidOffset(table, leaf, e);
        }
        if (leaf != null) {
            plan.readingFrom(leaf, TablePlan.partition(server, TablePlan.key(table.qualifiedName(), leaf)));
        }
        plan.handedOut = stored;
        plan.generation = TablePlan.generationOf(stored);
        // Stopped after some copies of the truncate that starts this copy: the others go out before its rows.
        plan.resumingTruncate(stored);
        return plan;
    }

    private TablePlan plan(CapturedTable table, Partitions.Member leaf, SourceCatalog.RelationSize size,
                           SnapshotOffsets.Offset stored) throws SQLException {
        String filter = conditions.get(table.qualifiedName());
        TablePlan resumed = CtidPlan.resume(table, filter, size.estimatedRows(), server, stored);
        if (resumed != null) {
            // Its stored chunk number counts chunks of the stored size: the copy keeps that size to its end.
            resumed.resumed = true;
            return resumed;
        }
        if (stored != null && stored.position() instanceof KeyRangePlan.Stored key) {
            // Measured only for a copy that goes on: one planned afresh below measures it itself.
            KeyRangePlan resumedByKey = KeyRangePlan.resume(table, filter, size.estimatedRows(),
                    () -> key.done() ? chunkSize.rows() : chunkRows(table, leaf, size), server, stored,
                    () -> keyIndexOrder(table, leaf), () -> catalog.columnOrders(table.oid()));
            if (resumedByKey != null) {
                resumedByKey.resumed = true;
                return resumedByKey;
            }
            // Its bound is not a key of the table now: planned afresh, as if nothing were stored.
        }
        if (capabilities == null) {
            capabilities = catalog.capabilities();
        }
        boolean tidRanges = capabilities.tidRangeScans();
        boolean byKey = chunking == Chunking.KEY || (chunking == Chunking.AUTO && !tidRanges);
        if (byKey && KeyRangePlan.applicable(table)) {
            return KeyRangePlan.fresh(table, filter, size.estimatedRows(), chunkRows(table, leaf, size), server,
                    () -> keyIndexOrder(table, leaf), () -> catalog.columnOrders(table.oid()));
        }
        if (!tidRanges) {
            return CtidPlan.whole(table, filter, size.estimatedRows(), server);
        }
        long rows = chunkRows(table, leaf, size);
        // A CTID range is at least one heap block, and a block of values stored out of line (TOAST pointers) holds a few
        // hundred rows of any width: where fewer rows make a chunk, key ranges can split finer.
        double rowsPerBlock = (double) size.estimatedRows() / Math.max(size.blocks(), 1);
        if (rows < rowsPerBlock) {
            if (chunking == Chunking.AUTO && KeyRangePlan.applicable(table)) {
                log.info("Snapshot of {} is split by key, not by CTID: a heap block holds ~{} of its rows, more than a "
                        + "chunk of {} rows", TablePlan.nameOf(table, leaf), Math.round(rowsPerBlock), rows);
                return KeyRangePlan.fresh(table, filter, size.estimatedRows(), rows, server, () -> keyIndexOrder(table, leaf),
                        () -> catalog.columnOrders(table.oid()));
            }
            log.warn("Snapshot of {} reads chunks of one heap block, ~{} rows, more than the {} rows snapshot.chunk.bytes "
                    + "allows: a CTID range cannot be smaller{}", TablePlan.nameOf(table, leaf), Math.round(rowsPerBlock),
                    rows, KeyRangePlan.applicable(table) ? " (snapshot.chunking=auto or key splits it by key)" : "");
        }
        return CtidPlan.fresh(table, filter, size, rows, server);
    }

    /** The key index's column order of the relation the rows are read from. */
    private List<String> keyIndexOrder(CapturedTable table, Partitions.Member leaf) throws SQLException {
        return catalog.keyIndexOrder(leaf == null ? table.oid() : leaf.oid());
    }

    /**
     * Rows per chunk for {@code table} (or its partition {@code leaf}): snapshot.chunk.rows, or fewer where the average
     * width of its rows, measured on 20 to 200 of them (about 1 % of a small table), makes that many hold more than
     * snapshot.chunk.bytes. A copy by key range then goes by the width of the chunks it read (see
     * {@link TablePlan#chunkCopied}).
     */
    private long chunkRows(CapturedTable table, Partitions.Member leaf, SourceCatalog.RelationSize size)
            throws SQLException {
        int sample = (int) Math.max(WIDTH_SAMPLE_MIN_ROWS, Math.min(WIDTH_SAMPLE_MAX_ROWS, size.estimatedRows() / 100));
        TableId read = leaf == null ? new TableId(table.schema(), table.table()) : new TableId(leaf.schema(), leaf.table());
        List<String> columns = table.columns().stream().map(CapturedTable.CapturedColumn::name).toList();
        long width = catalog.textBytesPerRow(read, size, columns, sample);
        long rows = chunkSize.rowsFor(width);
        if (rows < chunkSize.rows()) {
            log.info("Snapshot of {} plans chunks of {} rows: its rows take ~{} bytes as text on average, and "
                    + "snapshot.chunk.bytes is {}", TablePlan.nameOf(table, leaf), rows, width, chunkSize.bytes());
        }
        return rows;
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
        // A failed round's plans too: when it was the last, nothing else would start the round that reads them again.
        return !pending.isEmpty() || inFlight != null || !rewinding.isEmpty();
    }

    /**
     * Whether a round could be read now: {@link #hasWork}, but not where every plan left waits for the partition carrying
     * its table's truncate to be stored (checked at most once per offset commit).
     */
    public boolean hasReadyWork() {
        return inFlight != null || !rewinding.isEmpty() || firstReady() != null;
    }

    /** Whether a round is being read or handed out: the stream must wait until it is handed out whole (see the class comment). */
    public boolean roundInFlight() {
        return inFlight != null;
    }

    /** Starts reading the next chunks (up to the parallelism) on the reader threads. */
    public void startRound() throws SQLException {
        if (inFlight != null) {
            throw new IllegalStateException("A snapshot round is already being read");
        }
        rewind();
        List<Future<ChunkRead>> reads = new ArrayList<>();
        List<ChunkFeed> feeds = new ArrayList<>();
        List<TablePlan> readPlans = new ArrayList<>();
        List<TablePlan.Chunk> chunks = new ArrayList<>();
        List<TablePlan> finished = new ArrayList<>();
        List<Leading> leading = new ArrayList<>();
        // Published before the first query, so that a failure part way leaves what to undo (see abandonRound).
        inFlight = reads;
        inFlightFeeds = feeds;
        inFlightLeading = leading;
        inFlightPlans = readPlans;
        inFlightChunks = chunks;
        finishedInFlight = finished;
        restartedInFlight = new ArrayList<>();
        touchedInFlight = new ArrayList<>();
        takingChunk = 0;
        takingChunkEnded = false;
        takingRest = null;
        lastRoundBytes = 0;
        lastRoundQueries = 0;
        try {
            takeChunks(reads, feeds, readPlans, chunks, finished, leading);
        } catch (SQLException | RuntimeException e) {
            abandonRound();
            throw e;
        }
    }

    private void takeChunks(List<Future<ChunkRead>> reads, List<ChunkFeed> feeds, List<TablePlan> readPlans,
                            List<TablePlan.Chunk> chunks, List<TablePlan> finished, List<Leading> leading)
            throws SQLException {
        while (reads.size() < parallelism) {
            TablePlan plan = firstReady();
            if (plan == null) {
                break;
            }
            if (!touchedInFlight.contains(plan)) {
                touchedInFlight.add(plan);
            }
            TablePlan.Chunk chunk = plan.next(catalog);
            lastRoundQueries += plan.queriesPerChunk();
            if (chunk != null) {
                Connection connection = connection(reads.size());
                if (plan.truncatePending) {
                    // Sent ahead of the round, whatever becomes of the chunk (rewritten, gone): it must precede every
                    // row of the new copy, of this partition and of the next ones read in the same round. One copy
                    // goes to each partition of the topic, each with an offset of its own, so that a restart after
                    // some of them sends the others (see TablePlan#truncateCopyOffset).
                    int copies = records.truncateCopies(plan.table);
                    long now = System.currentTimeMillis();
                    if (plan.owedTruncate != null) {
                        String owed = plan.owedTruncate.barrier();
                        List<Map<String, Object>> owedOffsets = TablePlan.owedCopyOffsets(plan.owedTruncate, copies);
                        for (int i = 0; i < owedOffsets.size(); i++) {
                            leading.add(new Leading(plan, records.snapshotTruncate(plan.table, plan.partition,
                                    owedOffsets.get(i), copies - owedOffsets.size() + i, owed, now)));
                        }
                    }
                    for (int copy = plan.copiesSent; copy < copies; copy++) {
                        leading.add(new Leading(plan, records.snapshotTruncate(plan.table, plan.partition,
                                plan.truncateCopyOffset(chunk, copy, copies), copy, plan.barrier, now)));
                    }
                    plan.truncatePending = false;
                    plan.truncateSent = true;
                }
                // Twice the planned size: a chunk as planned is held whole, and only one much bigger spills.
                ChunkFeed feed = new ChunkFeed(FEED_BATCH_RECORDS, 2 * chunkSize.bytes());
                reads.add(readers.submit(() -> {
                    try {
                        return readChunk(connection, plan, chunk, feed);
                    } finally {
                        feed.end();
                    }
                }));
                feeds.add(feed);
                readPlans.add(plan);
                chunks.add(chunk);
            }
            if (plan.done()) {
                pending.remove(plan);
                finished.add(plan);
            }
        }
    }

    /** The first pending plan that waits for nothing: plans of other tables go ahead of those waiting for a carrier. */
    private TablePlan firstReady() {
        for (TablePlan plan : pending) {
            if (!waitsForItsCarrier(plan)) {
                return plan;
            }
        }
        return null;
    }

    /**
     * Gives up the round in flight after a failure (a lost connection): its reads are cancelled, and each plan it
     * touched is read again from where the records handed out left it (as a restart would from stored offsets: the
     * chunk a record handed out was in is read again, and a truncate handed out is not sent again). Safe to call when
     * no round is in flight.
     */
    public void abandonRound() {
        if (inFlight == null) {
            return;
        }
        inFlight.forEach(read -> read.cancel(true));
        inFlight = null;
        inFlightFeeds = List.of();
        takingRest = null;
        for (TablePlan plan : touchedInFlight) {
            if (!rewinding.contains(plan) && all.contains(plan)) {
                rewinding.add(plan);
            }
        }
        inFlightLeading = List.of();
        touchedInFlight = List.of();
        // The reader connections may be broken or mid-COPY; new ones are opened for the next round.
        closeConnections();
    }

    /** Rebuilds the plans a failed round left behind, each at the position its handed-out records stated. */
    private void rewind() throws SQLException {
        // Last first, each to the front: the plans keep their order (a partitioned table's truncate is on its first leaf).
        for (int i = rewinding.size() - 1; i >= 0; i--) {
            TablePlan plan = rewinding.get(i);
            TablePlan again;
            try {
                again = rebuilt(plan, plan.handedOut);
            } catch (SQLException e) {
                if (!SqlErrors.isUndefinedTable(e)) {
                    throw e;
                }
                // Dropped while the connection was lost: its copy stops, as when a chunk finds the table gone.
                log.warn("Snapshot of {} stops: the table was dropped during its copy", plan.name());
                pending.remove(plan);
                all.remove(plan);
                metrics.untrack(plan);
                rewinding.remove(i);
                if (plan.replacesEarlierCopy() && plan.truncateOwed()) {
                    // The truncate that drops the earlier copy was not handed out: the next partition of the table,
                    // rebuilt ahead of this loop or still pending, carries it, so it still precedes all its rows.
                    TablePlan next = pending.stream()
                            .filter(p -> p.oid == plan.oid && p.table.qualifiedName().equals(plan.table.qualifiedName()))
                            .findFirst().orElse(null);
                    if (next != null) {
                        next.replacingEarlierCopy(plan.barrier);
                        next.copiesSent = plan.copiesSent;
                    }
                    truncateCarrierDropped(plan, next);
                }
                continue;
            }
            if (plan.replacesEarlierCopy()) {
                // The truncate went out only if a round carrying it was handed out, and then handedOut is past it.
                boolean owed = plan.truncateOwed();
                again.replacingEarlierCopy(plan.barrier);
                again.copiesSent = plan.copiesSent;
                again.owedTruncate = plan.owedTruncate;
                again.truncatePending = owed;
                again.truncateSent = !owed;
            }
            pending.remove(plan);
            replace(plan, again);
            rewinding.remove(i);
            if (!again.done()) {
                pending.addFirst(again);
            }
        }
    }

    /**
     * {@code plan}'s partition was dropped before the truncate it carried went out: where it carried an owed copy's
     * (see Carrier), {@code next} (a pending partition of the table, or null) carries it now, or the copy is owed again
     * to the next partition planned, which the others wait for.
     */
    private void truncateCarrierDropped(TablePlan plan, TablePlan next) throws SQLException {
        for (Map.Entry<TableId, Carrier> entry : owedCarriers.entrySet()) {
            Carrier carrier = entry.getValue();
            if (!carrier.partition().equals(plan.partition)) {
                continue;
            }
            TableId root = entry.getKey();
            if (next != null) {
                entry.setValue(carrier.on(next.partition));
                metTruncates.computeIfPresent(root, (r, met) -> met.partition().equals(plan.partition)
                        ? new MetTruncate(next.partition, met.oid(), met.generation()) : met);
                PendingMark mark = pendingMarks.get(root.toString());
                if (mark != null && mark.oid() == carrier.oid()) {
                    mark.partitions().add(next.partition);
                }
            } else {
                dropCarrier(root);
                owedRecopies.put(root, new Owed(carrier.again(), carrier.oid(), carrier.generation(), plan.barrier,
                        catalog.streamServerLsn()));
            }
            return;
        }
    }

    /** Records one call of {@link #takeFromRound} hands out, and whether the round is now read and handed out whole. */
    public record Taken(List<SourceRecord> records, boolean roundEnded) {
    }

    /** A truncate handed out ahead of the round's rows, and the plan whose copy it starts. */
    private record Leading(TablePlan plan, SourceRecord record) {
    }

    /**
     * The next records of the round started, in table and chunk order, as its readers convert them: at least one batch
     * unless none came within {@code timeoutMs} (the task thread comes back, so a stop is not held up by a long chunk),
     * at most {@code maxRecords} unless the truncates that lead the round alone are more. A call either hands out its
     * records or throws having handed out none of them; a chunk that failed, or found its plan no longer holds, is
     * dealt with by the first call that reaches it with nothing else to hand out.
     */
    public Taken takeFromRound(long timeoutMs, int maxRecords) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        List<SourceRecord> out = new ArrayList<>();
        // Where each plan stands once these records are handed out; applied only then (see abandonRound).
        Map<TablePlan, Map<String, ?>> reached = new IdentityHashMap<>();
        for (Leading leading : inFlightLeading) {
            out.add(leading.record());
            reached.put(leading.plan(), leading.record().sourceOffset());
        }
        while (takingChunk < inFlight.size() && out.size() < maxRecords) {
            TablePlan plan = inFlightPlans.get(takingChunk);
            if (!takingChunkEnded) {
                List<SourceRecord> batch = takingRest;
                takingRest = null;
                if (batch == null) {
                    batch = inFlightFeeds.get(takingChunk).poll(out.isEmpty() ? deadline - System.nanoTime() : 0);
                }
                if (batch == null) {
                    break;
                }
                if (batch != ChunkFeed.END && restartedInFlight.contains(plan)) {
                    continue;
                }
                if (batch != ChunkFeed.END) {
                    int room = maxRecords - out.size();
                    if (batch.size() > room) {
                        takingRest = batch.subList(room, batch.size());
                        batch = batch.subList(0, room);
                    }
                    out.addAll(batch);
                    reached.put(plan, batch.get(batch.size() - 1).sourceOffset());
                    continue;
                }
                takingChunkEnded = true;
            }
            ChunkRead read;
            try {
                read = inFlight.get(takingChunk).get();
            } catch (InterruptedException e) {
                if (out.isEmpty()) {
                    throw e;
                }
                // What was taken goes out; the chunk's end is looked at again by the next call.
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException e) {
                if (!out.isEmpty()) {
                    break;
                }
                abandonRound();
                Throwable cause = e.getCause();
                if (cause instanceof SQLException sql) {
                    throw sql;
                }
                if (cause instanceof ConnectException connect) {
                    throw connect;
                }
                throw new IllegalStateException("Snapshot chunk failed: " + cause.getMessage(), cause);
            }
            if (!read.complete() && !restartedInFlight.contains(plan) && !out.isEmpty()) {
                // Restarting or stopping a plan changes state a later failure in this call could not undo: the
                // records taken go out first, and the next call deals with this chunk.
                break;
            }
            // A later chunk of a plan copied again or stopped neither completes nor restarts anything.
            if (!restartedInFlight.contains(plan)) {
                if (read.complete()) {
                    reached.put(plan, inFlightChunks.get(takingChunk).afterChunk());
                    plan.chunkCopied(read.rows(), read.bytes(), chunkSize);
                } else {
                    chunkNoLongerHolds(plan, read);
                }
            }
            takingChunk++;
            takingChunkEnded = false;
        }
        inFlightLeading = List.of();
        reached.forEach((plan, offset) -> plan.handedOut = SnapshotOffsets.parse(offset));
        if (takingChunk < inFlight.size()) {
            return new Taken(out, false);
        }
        inFlight = null;
        inFlightFeeds = List.of();
        for (TablePlan plan : finishedInFlight) {
            if (!restartedInFlight.contains(plan)) {
                log.info("Snapshot of {} read: {} rows ({})", plan.name(), plan.rowsDone.get(), plan.position());
            }
        }
        logProgress();
        if (pending.isEmpty()) {
            // Until a partition attached later is planned, the connections would only hold server slots and memory.
            closeConnections();
        }
        return new Taken(out, true);
    }

    /** A chunk found its plan no longer holds: the table was dropped (its copy stops) or rewritten (copied again). */
    private void chunkNoLongerHolds(TablePlan plan, ChunkRead read) throws SQLException {
        if (restartedInFlight.contains(plan) || !all.contains(plan)) {
            return;
        }
        // Planned before anything changes: a failure here leaves the round to be abandoned and read again as it was.
        TablePlan again = read.gone() ? null : rebuilt(plan, null);
        restartedInFlight.add(plan);
        pending.remove(plan);
        if (read.gone()) {
            log.warn("Snapshot of {} stops: the table was dropped during its copy", plan.name());
            all.remove(plan);
            metrics.untrack(plan);
            return;
        }
        restart(plan, again, read.why());
    }

    /** Copies the table again from its first chunk, for a change ({@code why}) that made its ranges no longer hold. */
    private void restart(TablePlan plan, TablePlan again, String why) {
        // The truncate that drops the earlier copy goes out once, ahead of the first round that read the table.
        if (plan.replacesEarlierCopy() && !plan.truncateSent) {
            again.replacingEarlierCopy(plan.barrier);
            again.copiesSent = plan.copiesSent;
            again.owedTruncate = plan.owedTruncate;
        }
        replace(plan, again);
        pending.addFirst(again);
        log.warn("Snapshot of {} starts again at its first chunk (~{} rows): {}", plan.name(), again.estimatedRows, why);
    }

    /** A new plan for {@code plan}'s table (and partition) from {@code stored}, with its shape and publication row. */
    private TablePlan rebuilt(TablePlan plan, SnapshotOffsets.Offset stored) throws SQLException {
        TablePlan again = plan(plan.table, plan.leaf(), stored);
        again.generation = plan.generation;
        again.shape = plan.shape;
        again.publicationMember = plan.publicationMember;
        return again;
    }

    /** Puts {@code again} where {@code plan} was among all plans and in the metrics. */
    private void replace(TablePlan plan, TablePlan again) {
        all.set(all.indexOf(plan), again);
        metrics.untrack(plan);
        metrics.track(again);
    }

    /**
     * How a chunk's read ended: read whole, or it found its plan no longer holds ({@code gone}: the table is gone;
     * else {@code why} it is copied again).
     */
    private record ChunkRead(boolean complete, boolean gone, long rows, long bytes, String why) {
        static final ChunkRead GONE = new ChunkRead(false, true, 0, 0, null);

        /** Read whole: {@code rows} rows of {@code bytes} bytes of COPY text. */
        static ChunkRead complete(long rows, long bytes) {
            return new ChunkRead(true, false, rows, bytes, null);
        }

        static ChunkRead rangesNoLongerHold(String why) {
            return new ChunkRead(false, false, 0, 0, why);
        }
    }

    /** Reads one chunk, its records passed to {@code feed} as they are converted. */
    private ChunkRead readChunk(Connection connection, TablePlan plan, TablePlan.Chunk chunk, ChunkFeed feed)
            throws SQLException {
        CopyOut copy = null;
        try {
            SourceCatalog.LockedShape locked;
            try {
                // The lock is held until the COPY ends: no DDL and no rewrite between the shape read here and the rows.
                locked = SourceCatalog.lockAndDescribe(connection, plan.table.schema(), plan.table.table(), plan.oid,
                        plan.leaf() == null ? null : plan.leaf().quoted(), plan.readOid());
            } catch (SQLException e) {
                if (SqlErrors.isUndefinedTable(e)) {
                    connection.rollback();
                    return ChunkRead.GONE;
                }
                throw e;
            }
            if (locked == null) {
                // Dropped and created again: the new table is another relation, which the watch for new tables adds to
                // the publication and copies anew (after a truncate of what this copy sent).
                log.info("Table {} was dropped and created again during its snapshot; the new table is copied anew",
                        plan.name());
                connection.rollback();
                return ChunkRead.GONE;
            }
            if (locked.fileNode() == SourceCatalog.NO_RELATION) {
                // The partition was detached or dropped: its rows are no longer the table's.
                connection.rollback();
                return ChunkRead.GONE;
            }
            PgOutputMessage.Relation shape = locked.relation();
            CapturedTable t = plan.table;
            boolean reshaped = !shape.columns().equals(plan.shape.columns())
                    || shape.replicaIdentity() != plan.shape.replicaIdentity();
            if (reshaped) {
                // Also where the ranges no longer hold: the plan made again reads the table as it is now.
                t = relations.describe(shape);
                plan.table = t;
                plan.shape = shape;
            }
            String noLongerHold = plan.rangesNoLongerHold(locked);
            if (noLongerHold != null) {
                connection.rollback();
                return ChunkRead.rangesNoLongerHold(noLongerHold);
            }
            if (reshaped) {
                log.info("Snapshot of {} continues with the columns the table has now: {}", t.qualifiedName(),
                        shape.columns().stream().map(PgOutputMessage.Column::name).collect(Collectors.joining(", ")));
            }
            bindParameters(connection, chunk.parameters());
            long snapshotTime = System.currentTimeMillis();
            copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(copySql(t, plan, chunk));
            long bytes = 0;
            long rows = 0;
            ChunkRecords out = new ChunkRecords(t, plan, chunk, feed, snapshotTime);
            SpilledRows spill = null;
            try {
                for (byte[] line; (line = copy.readFromCopy()) != null; ) {
                    bytes += line.length;
                    rows++;
                    if (spill == null && feed.overBudget()) {
                        spill = spill(plan, chunk);
                    }
                    if (spill == null) {
                        out.line(line);
                    } else if (out.owns(line)) {
                        spill.add(line);
                    }
                }
                copy = null;
                if (spill != null) {
                    // The table's lock and snapshot go before the reader waits for the task (see ChunkFeed).
                    connection.commit();
                    metrics.spilled(spill.bytes());
                    SpilledRows.Lines lines = spill.lines();
                    // Room first, then the next row: what the reader holds while it waits is the feed and one row.
                    for (feed.awaitRoom(); ; feed.awaitRoom()) {
                        byte[] line = lines.next();
                        if (line == null) {
                            break;
                        }
                        out.ownedLine(line);
                    }
                }
                out.end();
                if (spill == null) {
                    connection.commit();
                }
                feed.flush();
            } catch (java.nio.channels.ClosedByInterruptException | InterruptedException e) {
                // The round is given up (or the task stops): nothing waits for this chunk any more.
                Thread.currentThread().interrupt();
                throw new SQLException("Snapshot of " + plan.name() + " interrupted", "57014", e);
            } catch (IOException e) {
                // The exception's own text names what failed: a path alone (no such directory, access denied) says little.
                throw new ConnectException("Cannot spill the snapshot rows of " + plan.name() + " to " + spillDirectory
                        + " (spill.directory), or read them back: " + e, e);
            } finally {
                if (spill != null) {
                    spill.close();
                }
            }
            synchronized (this) {
                lastRoundBytes += bytes;
            }
            plan.rowsDone.addAndGet(rows);
            return ChunkRead.complete(rows, bytes);
        } catch (SQLException | RuntimeException e) {
            abandon(connection, copy);
            throw e;
        }
    }

    /** A file for the rows of {@code chunk} past what its feed may hold; said once per plan. */
    private SpilledRows spill(TablePlan plan, TablePlan.Chunk chunk) throws IOException {
        if (!plan.spilled) {
            plan.spilled = true;
            log.info("Snapshot of {} holds more rows in memory than twice snapshot.chunk.bytes ({}) allows a chunk "
                    + "({}): the rest of the chunk goes to a file in {} until the task hands it out", plan.name(),
                    chunkSize.bytes(), chunk.label(), spillDirectory);
        }
        return SpilledRows.create(spillDirectory);
    }

    /**
     * Turns a chunk's COPY lines into records in its feed, each as it comes but the last, held back to carry the
     * offset saying the chunk is done.
     */
    private final class ChunkRecords {
        private final CapturedTable t;
        private final TablePlan plan;
        private final TablePlan.Chunk chunk;
        private final ChunkFeed feed;
        private final long snapshotTime;
        private final boolean splits = share.splitsRows();
        private TupleData held;
        private long heldBytes;

        ChunkRecords(CapturedTable t, TablePlan plan, TablePlan.Chunk chunk, ChunkFeed feed, long snapshotTime) {
            this.t = t;
            this.plan = plan;
            this.chunk = chunk;
            this.feed = feed;
            this.snapshotTime = snapshotTime;
        }

        /** Whether this task converts the row of {@code line} (rows split by key: its own only). */
        boolean owns(byte[] line) {
            return !splits || share.owns(t, CopyTextRows.parse(line));
        }

        /** A line of the COPY: its row converted if this task converts it. */
        void line(byte[] line) {
            TupleData row = CopyTextRows.parse(line);
            // Where rows are split by key, each task reads every row and converts only its own.
            if (!splits || share.owns(t, row)) {
                add(row, line.length);
            }
        }

        /** A line found to be this task's ({@link #owns}) before it was spilled. */
        void ownedLine(byte[] line) {
            add(CopyTextRows.parse(line), line.length);
        }

        private void add(TupleData row, long bytes) {
            if (held != null) {
                feed.add(records.read(t, held, plan.partition, chunk.inChunk(), snapshotTime), heldBytes);
            }
            held = row;
            heldBytes = bytes;
        }

        void end() {
            if (held != null) {
                feed.add(records.read(t, held, plan.partition, chunk.afterChunk(), snapshotTime), heldBytes);
            } else if (chunk.ends()) {
                // No row carries the offset saying the copy is done (an empty table, a last range found empty): without
                // it status shows the copy as started for ever, and a restart reads the table's end again.
                feed.add(carrier.carry(plan.partition, chunk.afterChunk()), 0);
            }
        }
    }

    /** Binds a chunk's parameters into the settings its condition reads, for the rest of the chunk's transaction. */
    private static void bindParameters(Connection connection, List<String> parameters) throws SQLException {
        if (parameters.isEmpty()) {
            return;
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < parameters.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("set_config('").append(TablePlan.parameterSetting(i)).append("', ?, true)");
        }
        try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                ps.setString(i + 1, parameters.get(i));
            }
            ps.execute();
        }
    }

    private static String copySql(CapturedTable t, TablePlan plan, TablePlan.Chunk chunk) {
        String columns = t.columns().stream().map(c -> SqlIdentifiers.quote(c.name())).collect(Collectors.joining(", "));
        StringBuilder sql = new StringBuilder("COPY (SELECT ").append(columns).append(" FROM ")
                .append(plan.relation());
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
        return sql.append(") TO STDOUT").toString();
    }

    /** Ends a failed chunk's COPY and transaction so the connection can serve the next attempt. */
    private static void abandon(Connection connection, CopyOut copy) {
        try {
            if (copy != null && copy.isActive()) {
                copy.cancelCopy();
            }
            connection.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; close() or the next failure removes it.
        }
    }

    private Connection connection(int index) throws SQLException {
        while (connections.size() <= index) {
            Properties props = new Properties();
            PGProperty.OPTIONS.set(props, TextForms.SESSION_OPTIONS);
            PGProperty.APPLICATION_NAME.set(props, ConnectionConfig.APPLICATION_NAME + "-snapshot");
            Connection connection = Jdbc.open(connectionConfig, props);
            // Each chunk is one transaction: its lock, its shape check and its COPY.
            connection.setAutoCommit(false);
            connections.add(connection);
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
                log.info("Snapshot progress {}: {} of ~{} rows, {}", plan.name(), plan.rowsDone.get(),
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
        closeConnections();
    }

    private void closeConnections() {
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
