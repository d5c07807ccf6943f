package io.adbsync.source.snapshot;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.stream.OffsetScope;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * Chunks of {@code blocksPerChunk} heap blocks by CTID (PostgreSQL 14+ scans TID ranges directly). The last range is
 * open-ended so rows that land in new blocks during the copy are not missed; rows that move between blocks are
 * covered by the stream, which carries every change made after the chunk was read. Rows that move into ranges already
 * copied by a rewrite of the table (VACUUM FULL, CLUSTER, pg_repack) are not: the plan is tied to the file node its
 * ranges were computed on, and the copy starts over when a chunk finds another one.
 */
final class CtidPlan extends TablePlan {

    static final String CHUNKING = SnapshotProgress.CTID;
    private static final String BLOCKS_PER_CHUNK = "blocks_per_chunk";
    private static final String CHUNKS = SnapshotProgress.CHUNKS;
    private static final String NEXT_CHUNK = SnapshotProgress.NEXT_CHUNK;
    private static final String FILE_NODE = "file_node";

    private final long blocksPerChunk;
    private long chunks;
    private final long fileNode;
    private long nextChunk;

    private CtidPlan(CapturedTable table, String filter, long estimatedRows, OffsetScope server, long blocksPerChunk, long chunks,
                     long nextChunk, long fileNode) {
        super(table, filter, estimatedRows, server);
        this.blocksPerChunk = blocksPerChunk;
        this.chunks = chunks;
        this.nextChunk = nextChunk;
        this.fileNode = fileNode;
    }

    static CtidPlan fresh(CapturedTable table, String filter, SourceCatalog.RelationSize size, long chunkRows, OffsetScope server) {
        long blocks = size.blocks();
        long rows = Math.max(size.estimatedRows(), 1);
        long blocksPerChunk = Math.max(1, (long) Math.ceil((double) chunkRows * Math.max(blocks, 1) / rows));
        long chunks = Math.max(1, (blocks + blocksPerChunk - 1) / blocksPerChunk);
        return new CtidPlan(table, filter, size.estimatedRows(), server, blocksPerChunk, chunks, 0, size.fileNode());
    }

    /** The whole table as one chunk: for tables without a key on servers that cannot scan TID ranges. */
    static CtidPlan whole(CapturedTable table, String filter, long estimatedRows, OffsetScope server) {
        return new CtidPlan(table, filter, estimatedRows, server, Long.MAX_VALUE / 2, 1, 0, ANY_FILE_NODE);
    }

    /**
     * Resumes from a stored offset of this chunking, or returns null if the offset is of another kind. An offset
     * without a file node (written by an older version) cannot show that the table was not rewritten meanwhile, so
     * its copy starts over at the first chunk.
     */
    static CtidPlan resume(CapturedTable table, String filter, long estimatedRows, OffsetScope server, SnapshotOffsets.Offset stored) {
        if (stored == null || !(stored.position() instanceof Stored s)) {
            return null;
        }
        long fileNode = s.fileNode() != null ? s.fileNode() : s.chunks() == 1 ? ANY_FILE_NODE : 0;
        return new CtidPlan(table, filter, estimatedRows, server, s.blocksPerChunk(), s.chunks(), s.nextChunk(), fileNode);
    }

    /** The fields of a stored offset of this chunking, each checked ({@link SnapshotOffsets}). */
    record Stored(long blocksPerChunk, long chunks, long nextChunk, Long fileNode) implements SnapshotOffsets.Position {
        static Stored of(Map<String, ?> stored) {
            long blocksPerChunk = SnapshotOffsets.whole(stored, BLOCKS_PER_CHUNK, 1, Long.MAX_VALUE);
            long chunks = SnapshotOffsets.whole(stored, CHUNKS, 1, Long.MAX_VALUE);
            return new Stored(blocksPerChunk, chunks, SnapshotOffsets.whole(stored, NEXT_CHUNK, 0, chunks),
                    SnapshotOffsets.optionalWhole(stored, FILE_NODE));
        }
    }

    /** The current size of a relation in blocks: the one question a CTID plan asks the catalog. */
    @FunctionalInterface
    interface BlockCount {
        long blocks(int relationOid) throws SQLException;
    }

    @Override
    Chunk next(SourceCatalog catalog) throws SQLException {
        return nextChunk(oid -> catalog.blocks(oid));
    }

    Chunk nextChunk(BlockCount catalog) throws SQLException {
        if (done()) {
            return null;
        }
        long chunk = nextChunk++;
        if (chunk == chunks - 1 && fileNode != ANY_FILE_NODE) {
            // The open-ended last range holds whatever the table grew by since it was planned: split that growth into
            // ranges of the planned size, so that no chunk (held in memory up to a bound, the rest spilled) outgrows the others.
            long blocks = catalog.blocks(readOid());
            if (blocks > chunks * blocksPerChunk) {
                chunks = (blocks + blocksPerChunk - 1) / blocksPerChunk;
            }
        }
        String condition = chunks == 1 ? null : "ctid >= '(" + chunk * blocksPerChunk + ",0)'::tid"
                + (chunk < chunks - 1 ? " AND ctid < '(" + (chunk + 1) * blocksPerChunk + ",0)'::tid" : "");
        return new Chunk(condition, List.of(), offset(chunk), offset(chunk + 1), "chunk " + (chunk + 1) + " of " + chunks);
    }

    private Map<String, Object> offset(long next) {
        Map<String, Object> offset = offsetOf(CHUNKING);
        offset.put(FILE_NODE, fileNode);
        offset.put(BLOCKS_PER_CHUNK, blocksPerChunk);
        offset.put(CHUNKS, chunks);
        offset.put(NEXT_CHUNK, next);
        return offset;
    }

    @Override
    boolean done() {
        return nextChunk >= chunks;
    }

    /** The COPY: the ranges come from the planned size (the one block count before the last chunk goes uncounted). */
    @Override
    int queriesPerChunk() {
        return 1;
    }

    @Override
    long fileNode() {
        return fileNode;
    }

    @Override
    String position() {
        return "chunk " + Math.min(nextChunk, chunks) + " of " + chunks;
    }
}
