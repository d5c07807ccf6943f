package io.adbsync.source.snapshot;

import org.apache.kafka.connect.source.SourceRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One chunk's records on their way from the reader thread that converts them to the task that hands them out, in
 * batches, so that the task hands rows out while the chunk is still being read. The reader never waits for the task:
 * a reader paused inside its chunk's transaction would hold the table's lock and snapshot for as long as Kafka takes,
 * and a DDL statement queued behind that lock, holding one the round's first chunk waits for, would be a deadlock
 * the server cannot see. A round (snapshot.max.threads chunks) is therefore still read into memory whole, as before.
 */
final class ChunkFeed {

    /** What {@link #poll} gives once the reader is done with the chunk, whether it read it whole or failed. */
    static final List<SourceRecord> END = new ArrayList<>(0);

    private final LinkedBlockingQueue<List<SourceRecord>> batches = new LinkedBlockingQueue<>();
    private final int batchRecords;
    private List<SourceRecord> filling;

    ChunkFeed(int batchRecords) {
        this.batchRecords = batchRecords;
    }

    /** Reader: adds the chunk's next record. */
    void add(SourceRecord record) {
        if (filling == null) {
            filling = new ArrayList<>(batchRecords);
        }
        filling.add(record);
        if (filling.size() >= batchRecords) {
            flush();
        }
    }

    /** Reader: passes on the records added since the last full batch (the chunk read whole). */
    void flush() {
        if (filling != null && !filling.isEmpty()) {
            batches.add(filling);
        }
        filling = null;
    }

    /** Reader: says the chunk's read is over, read whole or not; records added and not flushed are dropped. */
    void end() {
        filling = null;
        batches.add(END);
    }

    /** Task: the next batch, or {@link #END}; null if none came within {@code timeoutNanos}. */
    List<SourceRecord> poll(long timeoutNanos) throws InterruptedException {
        return timeoutNanos <= 0 ? batches.poll() : batches.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }
}
