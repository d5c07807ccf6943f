package io.adbsync.source.snapshot;

import org.apache.kafka.connect.source.SourceRecord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One chunk's records on their way from the reader thread that converts them to the task that hands them out, in
 * batches, so that the task hands rows out while the chunk is still being read. The reader never waits for the task
 * inside its chunk's transaction: a reader paused there would hold the table's lock and snapshot for as long as Kafka
 * takes, and a DDL statement queued behind that lock, holding one another chunk of the round waits for, would be a
 * deadlock the server cannot see. So the feed counts the bytes (of row text) it holds: past its budget the reader
 * spills the rest of its COPY to disk ({@link SpilledRows}), ends its transaction, and only then waits for room
 * ({@link #awaitRoom}) as it converts the spilled rows.
 */
final class ChunkFeed {

    /** What {@link #poll} gives once the reader is done with the chunk, whether it read it whole or failed. */
    static final List<SourceRecord> END = new ArrayList<>(0);

    private record Batch(List<SourceRecord> records, long bytes) {
    }

    /** A batch is passed on once it holds this share of the budget, whatever its record count. */
    private static final int FILLING_SHARE = 8;

    private final int batchRecords;
    private final long budgetBytes;
    /** Guarded by this. */
    private final ArrayDeque<Batch> batches = new ArrayDeque<>();
    /** Bytes of the batches queued; written under this, read by the reader without it. */
    private volatile long queuedBytes;
    private List<SourceRecord> filling;
    private long fillingBytes;

    ChunkFeed(int batchRecords, long budgetBytes) {
        this.batchRecords = batchRecords;
        this.budgetBytes = budgetBytes;
    }

    /** Reader: adds the chunk's next record, converted from {@code bytes} bytes of row text. */
    void add(SourceRecord record, long bytes) {
        if (filling == null) {
            filling = new ArrayList<>();
        }
        filling.add(record);
        fillingBytes += bytes;
        // By bytes too: what is being filled is out of the task's reach, so it stays a small part of the budget.
        if (filling.size() >= batchRecords || fillingBytes >= budgetBytes / FILLING_SHARE) {
            flush();
        }
    }

    /** Reader: whether the feed holds more than its budget, queued or being filled. */
    boolean overBudget() {
        return queuedBytes + fillingBytes > budgetBytes;
    }

    /**
     * Reader, outside any transaction: waits until the task has taken enough that the feed is within its budget, so
     * that it holds at most its budget and one row. Never waits for nothing: a row bigger than the budget is flushed
     * and goes once the task has taken the rest.
     */
    synchronized void awaitRoom() throws InterruptedException {
        while (queuedBytes + fillingBytes > budgetBytes && queuedBytes > 0) {
            wait();
        }
    }

    /** Bytes of row text the feed holds, queued or being filled: for tests. */
    synchronized long heldBytes() {
        return queuedBytes + fillingBytes;
    }

    /** Reader: passes on the records added since the last full batch (the chunk read whole). */
    void flush() {
        if (filling != null && !filling.isEmpty()) {
            put(new Batch(filling, fillingBytes));
        }
        filling = null;
        fillingBytes = 0;
    }

    /** Reader: says the chunk's read is over, read whole or not; records added and not flushed are dropped. */
    void end() {
        filling = null;
        fillingBytes = 0;
        put(new Batch(END, 0));
    }

    private synchronized void put(Batch batch) {
        batches.add(batch);
        queuedBytes += batch.bytes();
        notifyAll();
    }

    /** Task: the next batch, or {@link #END}; null if none came within {@code timeoutNanos}. */
    synchronized List<SourceRecord> poll(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (batches.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        Batch batch = batches.poll();
        queuedBytes -= batch.bytes();
        notifyAll();
        return batch.records();
    }
}
