package io.adbsync.source.snapshot;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.partition.Partitions;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.stream.OffsetScope;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** How one table is split into chunks and how far its copy has come; the stored offset is what makes it resumable. */
abstract class TablePlan {

    static final String PARTITION_SNAPSHOT = OffsetScope.SNAPSHOT;
    static final String OFFSET_CHUNKING = SnapshotProgress.CHUNKING;
    /** The relation OID the offset belongs to: a table dropped and created again under the same name has another. */
    static final String OFFSET_OID = SnapshotProgress.OID;
    /** {@link #fileNode()} of a plan that does not depend on where rows lie. */
    static final long ANY_FILE_NODE = -1;
    /** The publication row the table was published under when this copy was made; 0 if not listed by itself. */
    static final String OFFSET_PUBLICATION_MEMBER = "publication_member";
    /** How many copies of the table began with a truncate of the earlier one; each such copy counts one up. */
    static final String OFFSET_GENERATION = "generation";
    /** The row filter (table.filters) the copy read under, "" for none: a copy under another one no longer holds. */
    static final String OFFSET_FILTER = "filter";
    /** On the offsets of a truncate's copies but the last: its barrier id, and how many copies were handed out. */
    static final String OFFSET_BARRIER = "barrier";
    static final String OFFSET_BARRIER_SENT = "barrier_sent";
    /**
     * On the offset stored under a partitioned table's own name (its rows are copied and stored per partition): which
     * relation its copy was of, so that a table created again with partitions all of other names is known to replace it.
     */
    static final String OFFSET_PARTITIONED = "partitioned";

    /**
     * One range of a table: a condition over its rows ({@code null} for the whole table), the values it compares with
     * ({@code parameters}, which the condition names through {@link #parameter(int)}), and the offsets its records
     * carry — {@code inChunk} on every record but the last, {@code afterChunk} on the last, which states that the
     * range is complete.
     */
    record Chunk(String condition, List<String> parameters, Map<String, Object> inChunk, Map<String, Object> afterChunk,
                 String label) {
        Chunk {
            parameters = List.copyOf(parameters);
        }

        /** Whether the copy is done once this chunk is: its offset after says so, as status reads it. */
        boolean ends() {
            return SnapshotProgress.of(afterChunk).map(SnapshotProgress::done).orElse(false);
        }
    }

    /**
     * The name of the session setting that holds parameter {@code index} of a chunk's condition. COPY takes no bind
     * parameters, so the values are bound into these settings (set_config, local to the chunk's transaction) and the
     * condition reads them back: no value is ever part of the SQL text, whatever standard_conforming_strings says.
     */
    static String parameterSetting(int index) {
        return "adbsync.snapshot_parameter_" + index;
    }

    /** SQL that reads parameter {@code index} of a chunk's condition (as text). */
    static String parameter(int index) {
        return "current_setting('" + parameterSetting(index) + "')";
    }

    /** The shape chunks are read with; a chunk that finds the catalog's shape changed replaces both. */
    volatile CapturedTable table;
    volatile PgOutputMessage.Relation shape;
    final int oid;
    final String filter;
    final long estimatedRows;
    Map<String, String> partition;
    final AtomicLong rowsDone = new AtomicLong();
    /** Whether a chunk of this plan spilled rows to disk: said once. Set by reader threads. */
    volatile boolean spilled;
    /** The leaf partition read, when {@code table} is a partitioned table; its rows are the table's records. */
    private Partitions.Member leaf;
    /** Whether the earlier copy of this table no longer holds, so consumers must drop it before this one. */
    private boolean replacesEarlierCopy;
    /** The publication row the table is published under now (see {@link #OFFSET_PUBLICATION_MEMBER}). */
    long publicationMember;
    /** Whether the truncate that drops the earlier copy is still to be sent, with the first chunk. */
    boolean truncatePending;
    /** The barrier id that truncate's copies carry, stable across restarts (see {@link #barrierId}). */
    String barrier;
    /** How many copies of that truncate (copy i goes to partition i) a restart found handed out already. */
    int copiesSent;
    /** See {@link #OFFSET_GENERATION}: written on every offset of this plan. */
    long generation;
    /**
     * A truncate of an earlier copy that a restart found part sent (its barrier id, and the stored offset naming how
     * many copies went out) while this copy starts with a truncate of its own: the rest of its copies go out first.
     * Some partitions may already hold copies of it, and rows of that earlier copy after them; skipping it would hold
     * those partitions at its copies forever.
     */
    SnapshotOffsets.Offset owedTruncate;
    /** Whether a round carrying that truncate was started (it goes out first in the round's first poll). */
    boolean truncateSent;
    /**
     * Where the copy stands as far as records handed out say: the offset of its last record handed out (inside a
     * chunk, after one, or a truncate's copy), or the stored offset it resumed from (null: from the start). A round
     * that fails is read again from here, as a restart would from the same offset stored.
     */
    SnapshotOffsets.Offset handedOut;
    /** Whether the copy goes on from its stored offset, not from its start (a stored bound may be of no use now). */
    boolean resumed;

    TablePlan(CapturedTable table, String filter, long estimatedRows, OffsetScope server) {
        this.table = table;
        this.oid = table.oid();
        this.filter = filter;
        this.estimatedRows = estimatedRows;
        this.partition = partition(server, table.qualifiedName());
    }

    /** Reads the rows from {@code leaf}, a partition of the table, resuming in its own source partition. */
    TablePlan readingFrom(Partitions.Member leaf, Map<String, String> partition) {
        this.leaf = leaf;
        this.partition = partition;
        return this;
    }

    /** The partition read, or null when the rows are read from the table itself. */
    Partitions.Member leaf() {
        return leaf;
    }

    /** The OID of the relation the rows are read from: the partition's for a partition, else the table's. */
    int readOid() {
        return leaf == null ? oid : leaf.oid();
    }

    /** The relation the chunks are read from, quoted for SQL. */
    String relation() {
        return leaf == null ? SqlIdentifiers.qualified(table.schema(), table.table()) : leaf.quoted();
    }

    /** The table, and the partition read, for logs and metrics. */
    String name() {
        return nameOf(table, leaf);
    }

    /** {@link #name} of a plan of {@code table} reading {@code leaf} (null: the table itself). */
    static String nameOf(CapturedTable table, Partitions.Member leaf) {
        return leaf == null ? table.qualifiedName() : table.qualifiedName() + " (partition " + leaf.qualifiedName() + ")";
    }

    /** The key of a snapshot's source partition: the table, or for a partition of it both names. */
    static String key(String table, Partitions.Member leaf) {
        return leaf == null ? table : table + "/" + leaf.qualifiedName();
    }

    /** The source partition of a table's snapshot (see {@link OffsetScope#snapshot}). */
    static Map<String, String> partition(OffsetScope server, String table) {
        return server.snapshot(table);
    }

    /** Whether a stored offset was written for another relation than {@code oid} (offsets of older versions hold none). */
    static boolean ofAnotherRelation(SnapshotOffsets.Offset stored, int oid) {
        return stored != null && stored.oid() != null && stored.oid() != Integer.toUnsignedLong(oid);
    }

    /** Whether a stored offset says it belongs to relation {@code oid}. */
    static boolean ofRelation(SnapshotOffsets.Offset stored, int oid) {
        return stored != null && stored.oid() != null && stored.oid() == Integer.toUnsignedLong(oid);
    }

    /**
     * Whether a stored offset is of a copy of relation {@code oid} at {@code generation} or later, past its truncate
     * (not the offset of a truncate's copy but the last).
     */
    static boolean copiedPast(SnapshotOffsets.Offset stored, int oid, long generation) {
        return ofRelation(stored, oid) && stored.generation() >= generation && !stored.partSentTruncate();
    }

    /** Whether a stored offset is a partitioned table's mark of relation {@code oid}, not left out of capture since. */
    static boolean currentMark(SnapshotOffsets.Offset stored, int oid) {
        return ofRelation(stored, oid) && stored.partitionedMark() && stored.left() == null;
    }

    /**
     * Whether a stored offset was written under another row filter than {@code filter} (null for none); offsets of
     * older versions state none and are taken to be under this one.
     */
    static boolean underAnotherFilter(SnapshotOffsets.Offset stored, String filter) {
        return stored != null && stored.filter() != null && !stored.filter().equals(filter == null ? "" : filter);
    }

    /** Whether a stored offset was written while the table was published under another publication row. */
    static boolean underAnotherPublicationMember(SnapshotOffsets.Offset stored, long member) {
        return stored != null && member != 0 && stored.publicationMember() != null && stored.publicationMember() != 0
                && stored.publicationMember() != member;
    }

    /** The entries every offset of this plan has: its chunking and the relation it belongs to. */
    Map<String, Object> offsetOf(String chunking) {
        Map<String, Object> offset = new HashMap<>();
        offset.put(OFFSET_CHUNKING, chunking);
        offset.put(OFFSET_OID, Integer.toUnsignedLong(oid));
        offset.put(OFFSET_PUBLICATION_MEMBER, publicationMember);
        offset.put(OFFSET_GENERATION, generation);
        offset.put(OFFSET_FILTER, filter == null ? "" : filter);
        return offset;
    }

    /** The generation a stored offset states; 0 for none (offsets of older versions hold none). */
    static long generationOf(SnapshotOffsets.Offset stored) {
        return stored == null ? 0 : stored.generation();
    }

    /**
     * The barrier id of the truncate that starts copy {@code generation} of relation {@code oid}, published as
     * publication row {@code member}, on source server {@code system}. It depends only on what was stored before that
     * truncate was sent and on the catalog, so a task that restarts before its offsets were stored sends the same id
     * again, and a sink that holds some copies from before the restart completes with the others. The relation and
     * publication row change with what makes a table copied again (re-created, or left out of the publication and
     * added back), so a generation counted again from 0 after the source's offsets were reset does not give an id
     * the sink has applied before. A table that was only left out of capture keeps both; the random {@code nonce} its
     * copy's offset was marked with then tells the copies apart (null when there is none).
     */
    static String barrierId(int oid, long member, long generation, String nonce, String system) {
        return "snapshot:" + Integer.toUnsignedLong(oid) + ":" + member + ":" + generation + (nonce == null ? "" : ":" + nonce)
                + (system == null || system.isEmpty() ? "" : "@" + system);
    }

    /** Whether a stored offset is that of a truncate's copy but the last (see {@link #truncateCopyOffset}). */
    static boolean partSentTruncate(SnapshotOffsets.Offset stored) {
        return stored != null && stored.partSentTruncate();
    }

    /** The copies still owed of the part-sent truncate {@code stored} names, each with its offset: the same, one more sent. */
    static List<Map<String, Object>> owedCopyOffsets(SnapshotOffsets.Offset stored, int copies) {
        List<Map<String, Object>> offsets = new ArrayList<>();
        for (int copy = stored.barrierSent(); copy < copies; copy++) {
            Map<String, Object> offset = new HashMap<>(stored.fields());
            offset.put(OFFSET_BARRIER_SENT, copy + 1);
            offsets.add(offset);
        }
        return offsets;
    }

    /** The offset of copy {@code copy} of {@code copies} of the truncate, sent ahead of {@code chunk}. */
    Map<String, Object> truncateCopyOffset(Chunk chunk, int copy, int copies) {
        if (copy == copies - 1) {
            // The last copy: once stored, a restart sends none again.
            return chunk.inChunk();
        }
        Map<String, Object> offset = new HashMap<>(chunk.inChunk());
        offset.put(OFFSET_BARRIER, barrier);
        offset.put(OFFSET_BARRIER_SENT, copy + 1);
        return offset;
    }

    /**
     * Takes over the truncate a stored offset says was part sent (a restart after some of its copies); false when it
     * says none.
     */
    boolean resumingTruncate(SnapshotOffsets.Offset stored) {
        if (!partSentTruncate(stored)) {
            return false;
        }
        replacingEarlierCopy(stored.barrier());
        copiesSent = stored.barrierSent();
        return true;
    }

    /**
     * Whether the truncate that starts this copy is still owed: no round carrying it was handed out (nothing handed
     * out yet, the truncate still pending, or what was handed out is the offset of a copy but the last).
     */
    boolean truncateOwed() {
        return handedOut == null || truncatePending || handedOut.partSentTruncate();
    }

    /** Marks this plan as replacing an earlier copy of the table, its truncate's copies naming {@code barrierId}; returns it. */
    TablePlan replacingEarlierCopy(String barrierId) {
        replacesEarlierCopy = true;
        truncatePending = true;
        barrier = barrierId;
        copiesSent = 0;
        return this;
    }

    boolean replacesEarlierCopy() {
        return replacesEarlierCopy;
    }

    /** The next range to copy, or null when every range has been handed out. */
    abstract Chunk next(SourceCatalog catalog) throws SQLException;

    /**
     * A chunk of this plan was read whole: {@code rows} rows of {@code bytes} bytes of text. A plan whose later ranges
     * can take another number of rows sizes them by {@code size} from that width; the others keep theirs.
     */
    void chunkCopied(long rows, long bytes, ChunkSize size) {
    }

    abstract boolean done();

    /** The queries that taking a chunk and copying it send to the source, for throttling: the COPY and any lookup. */
    abstract int queriesPerChunk();

    /** How far the plan is, for logs and metrics, e.g. "chunk 3 of 20". */
    abstract String position();

    /**
     * The relation file node the ranges were planned on, or {@link #ANY_FILE_NODE}: ranges of row positions no longer
     * hold once VACUUM FULL, CLUSTER or pg_repack wrote the table into a new file.
     */
    abstract long fileNode();

    /**
     * Why the ranges no longer hold for the table as a chunk's lock found it ({@code locked}), or null if they do: here,
     * ranges of row positions in a file the table is no longer in ({@link #fileNode()}).
     */
    String rangesNoLongerHold(io.adbsync.source.catalog.SourceCatalog.LockedShape locked) {
        return fileNode() != ANY_FILE_NODE && fileNode() != locked.fileNode() ? "the table was rewritten (VACUUM FULL, "
                + "CLUSTER or pg_repack) during its copy, which may have moved rows into ranges already copied" : null;
    }
}
