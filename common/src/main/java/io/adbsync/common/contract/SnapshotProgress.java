package io.adbsync.common.contract;

import java.util.Map;
import java.util.Optional;

/**
 * How far a table's copy has come, read from the source connector's stored snapshot offset: the field names the source
 * task writes are declared here, once, so that {@code bin/adbsync status} reads the offsets the task wrote (through
 * the Connect REST API) without a copy of the names that could drift.
 *
 * @param chunking  {@link #CTID} or {@link #KEY}
 * @param chunks    chunks planned (CTID chunking), -1 for key ranges, whose count is not known in advance
 * @param chunksDone chunks copied (CTID chunking), -1 for key ranges
 * @param done      whether the copy is complete
 * @param oid       the relation the copy was of (null in offsets of older versions): another OID now means the table was
 *                  dropped and created again, and will be copied again
 * @param left      whether the table was left out of capture for a while since, which also makes it copied again
 */
public record SnapshotProgress(String chunking, long chunks, long chunksDone, boolean done, Long oid, boolean left) {

    /** Key of the source partition that names the table of a snapshot offset. */
    public static final String PARTITION_TABLE = "snapshot";
    public static final String CHUNKING = "chunking";
    public static final String CTID = "ctid";
    public static final String KEY = "key";
    /** CTID chunking: how many block ranges the table was split into, and the next one to copy. */
    public static final String CHUNKS = "chunks";
    public static final String NEXT_CHUNK = "next_chunk";
    /** Key-range chunking: set once the range after the last key read is empty. */
    public static final String DONE = "done";
    /** The relation OID the offset belongs to. */
    public static final String OID = "oid";
    /** Set on a copy's offset when its table stopped being captured; its next copy starts over. */
    public static final String LEFT = "left";

    /** The progress an offset states; empty for an offset that is not a snapshot offset or is not of a known form. */
    public static Optional<SnapshotProgress> of(Map<String, ?> offset) {
        if (offset == null) {
            return Optional.empty();
        }
        Object chunking = offset.get(CHUNKING);
        Long oid = offset.get(OID) instanceof Number n ? n.longValue() : null;
        boolean left = offset.get(LEFT) instanceof String;
        if (CTID.equals(chunking) && offset.get(CHUNKS) instanceof Number chunks && offset.get(NEXT_CHUNK) instanceof Number next) {
            return Optional.of(new SnapshotProgress(CTID, chunks.longValue(), next.longValue(),
                    next.longValue() >= chunks.longValue(), oid, left));
        }
        if (KEY.equals(chunking) && offset.get(DONE) instanceof Boolean done) {
            return Optional.of(new SnapshotProgress(KEY, -1, -1, done, oid, left));
        }
        return Optional.empty();
    }

    /** The share copied, 0..1, where the chunking tells it (CTID ranges); empty for key ranges not yet done. */
    public Optional<Double> fraction() {
        if (done) {
            return Optional.of(1.0);
        }
        return chunks > 0 ? Optional.of((double) chunksDone / chunks) : Optional.empty();
    }
}
