package io.adbsync.source.stream;

import io.adbsync.common.contract.KeyShards;
import io.adbsync.common.contract.SnapshotProgress;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Whose offsets a task stores: the connector's topic prefix names the source, and under
 * {@code source.mode=greenplum_segments} the segment's content id names the one stream of it that the task reads.
 * Each segment has its own WAL, LSNs and copies of its share of the rows, so its offsets must never be taken for
 * another's. A key-sharded source's task ({@code tasks.max > 1}) stores under its shard, {@code index/count}: its slot's
 * position and its share of each copy are its own, and offsets of another count of shards are never read as its.
 *
 * @param server  the connector's {@code topic.prefix}
 * @param segment the content id of the segment read, empty where the whole source is one stream
 * @param shard   the key shard read ({@code index/count}), null where one task reads every key
 */
public record OffsetScope(String server, OptionalInt segment, String shard) {

    public static final String SERVER = "server";
    public static final String SEGMENT = "segment";
    public static final String SHARD = KeyShards.PARTITION_SHARD;
    public static final String SNAPSHOT = SnapshotProgress.PARTITION_TABLE;

    public OffsetScope(String server, OptionalInt segment) {
        this(server, segment, null);
    }

    /** The scope of a source read as one stream. */
    public static OffsetScope of(String server) {
        return new OffsetScope(server, OptionalInt.empty());
    }

    /** The scope of key shard {@code shard} ({@code index/count}) of a source read as one stream. */
    public static OffsetScope ofShard(String server, String shard) {
        return new OffsetScope(server, OptionalInt.empty(), shard);
    }

    /** The scope of segment {@code content}'s stream. */
    public static OffsetScope ofSegment(String server, int content) {
        return new OffsetScope(server, OptionalInt.of(content));
    }

    /** The source partition of the stream's records. */
    public Map<String, String> stream() {
        return base();
    }

    /**
     * The source partition of the copy of {@code table} (a table's name, or a table and one of its partitions). Connect
     * stores partitions as JSON in map iteration order and looks them up the same way, so the order must not depend on
     * the JVM: a HashMap's order is fixed by the keys' hashes (and is what Connect itself builds when it reads
     * partitions back), Map.of's changes per run.
     */
    public Map<String, String> snapshot(String table) {
        Map<String, String> partition = base();
        partition.put(SNAPSHOT, table);
        return partition;
    }

    private Map<String, String> base() {
        Map<String, String> partition = new HashMap<>();
        partition.put(SERVER, server);
        segment.ifPresent(content -> partition.put(SEGMENT, Integer.toString(content)));
        if (shard != null) {
            partition.put(SHARD, shard);
        }
        return partition;
    }

    /** How logs and thread names name it: {@code prefix}, {@code prefix/segment 1} or {@code prefix/shard 1/4}. */
    public String describe() {
        return segment.isPresent() ? server + "/segment " + segment.getAsInt() : shard != null ? server + "/shard " + shard : server;
    }
}
