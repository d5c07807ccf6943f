package io.adbsync.source.snapshot;

import io.adbsync.source.stream.CapturedTable;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How one table is copied: split into {@code chunks} ranges of {@code blocksPerChunk} heap blocks (by CTID; the last
 * range is open-ended so rows added meanwhile are not missed), {@code nextChunk} the first not yet in Kafka.
 * {@code blocksPerChunk == 0} means the whole table in one chunk (servers before 14 have no TID range scans).
 */
final class TablePlan {

    static final String PARTITION_SNAPSHOT = "snapshot";
    static final String OFFSET_BLOCKS_PER_CHUNK = "blocks_per_chunk";
    static final String OFFSET_CHUNKS = "chunks";
    static final String OFFSET_NEXT_CHUNK = "next_chunk";

    final CapturedTable table;
    final String condition;
    final long blocksPerChunk;
    final long chunks;
    final long estimatedRows;
    final Map<String, String> partition;
    final AtomicLong rowsDone = new AtomicLong();
    long nextChunk;

    TablePlan(CapturedTable table, String condition, long blocksPerChunk, long chunks, long nextChunk,
              long estimatedRows, String server) {
        this.table = table;
        this.condition = condition;
        this.blocksPerChunk = blocksPerChunk;
        this.chunks = chunks;
        this.nextChunk = nextChunk;
        this.estimatedRows = estimatedRows;
        this.partition = Map.of("server", server, PARTITION_SNAPSHOT, table.qualifiedName());
    }

    /** Offset stating that chunks before {@code next} are complete. */
    Map<String, Object> offset(long next) {
        Map<String, Object> offset = new HashMap<>();
        offset.put(OFFSET_BLOCKS_PER_CHUNK, blocksPerChunk);
        offset.put(OFFSET_CHUNKS, chunks);
        offset.put(OFFSET_NEXT_CHUNK, next);
        return offset;
    }

    boolean done() {
        return nextChunk >= chunks;
    }
}
