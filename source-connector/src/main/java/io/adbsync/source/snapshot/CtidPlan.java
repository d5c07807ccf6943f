package io.adbsync.source.snapshot;

import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.stream.CapturedTable;

import java.util.HashMap;
import java.util.Map;

/**
 * Chunks of {@code blocksPerChunk} heap blocks by CTID (PostgreSQL 14+ scans TID ranges directly). The last range is
 * open-ended so rows that land in new blocks during the copy are not missed; rows that move between blocks are
 * covered by the stream, which carries every change made after the chunk was read.
 */
final class CtidPlan extends TablePlan {

    static final String CHUNKING = "ctid";
    private static final String BLOCKS_PER_CHUNK = "blocks_per_chunk";
    private static final String CHUNKS = "chunks";
    private static final String NEXT_CHUNK = "next_chunk";

    private final long blocksPerChunk;
    private final long chunks;
    private long nextChunk;

    private CtidPlan(CapturedTable table, String filter, long estimatedRows, String server, long blocksPerChunk, long chunks,
                     long nextChunk) {
        super(table, filter, estimatedRows, server);
        this.blocksPerChunk = blocksPerChunk;
        this.chunks = chunks;
        this.nextChunk = nextChunk;
    }

    static CtidPlan fresh(CapturedTable table, String filter, long blocks, long estimatedRows, long chunkRows, String server) {
        long blocksPerChunk = Math.max(1, (long) Math.ceil((double) chunkRows * Math.max(blocks, 1) / Math.max(estimatedRows, 1)));
        long chunks = Math.max(1, (blocks + blocksPerChunk - 1) / blocksPerChunk);
        return new CtidPlan(table, filter, estimatedRows, server, blocksPerChunk, chunks, 0);
    }

    /** The whole table as one chunk: for tables without a key on servers that cannot scan TID ranges. */
    static CtidPlan whole(CapturedTable table, String filter, long estimatedRows, String server) {
        return new CtidPlan(table, filter, estimatedRows, server, Long.MAX_VALUE / 2, 1, 0);
    }

    /** Resumes from a stored offset of this chunking, or returns null if the offset is of another kind. */
    static CtidPlan resume(CapturedTable table, String filter, long estimatedRows, String server, Map<String, Object> stored) {
        if (stored == null || !CHUNKING.equals(stored.get(OFFSET_CHUNKING))) {
            return null;
        }
        return new CtidPlan(table, filter, estimatedRows, server, ((Number) stored.get(BLOCKS_PER_CHUNK)).longValue(),
                ((Number) stored.get(CHUNKS)).longValue(), ((Number) stored.get(NEXT_CHUNK)).longValue());
    }

    @Override
    Chunk next(SourceCatalog catalog) {
        if (done()) {
            return null;
        }
        long chunk = nextChunk++;
        String condition = chunks == 1 ? null : "ctid >= '(" + chunk * blocksPerChunk + ",0)'::tid"
                + (chunk < chunks - 1 ? " AND ctid < '(" + (chunk + 1) * blocksPerChunk + ",0)'::tid" : "");
        return new Chunk(condition, offset(chunk), offset(chunk + 1), "chunk " + (chunk + 1) + " of " + chunks);
    }

    private Map<String, Object> offset(long next) {
        Map<String, Object> offset = new HashMap<>();
        offset.put(OFFSET_CHUNKING, CHUNKING);
        offset.put(BLOCKS_PER_CHUNK, blocksPerChunk);
        offset.put(CHUNKS, chunks);
        offset.put(NEXT_CHUNK, next);
        return offset;
    }

    @Override
    boolean done() {
        return nextChunk >= chunks;
    }

    @Override
    String position() {
        return "chunk " + Math.min(nextChunk, chunks) + " of " + chunks;
    }
}
