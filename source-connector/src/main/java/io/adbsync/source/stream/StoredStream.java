package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Where a restart would resume the stream: at the stream offset Connect stored, which lags what was handed out by up
 * to an offset flush. A copy that replaces an earlier one waits until this is past the earlier table's changes, so that
 * none is sent again after its truncate. The slot's confirmed position is no help: it is kept on disk only at
 * checkpoints, and a server restart can take it back.
 */
public final class StoredStream {

    private final OffsetStorageReader offsets;
    private final Map<String, String> partition;
    private final BooleanSupplier nothingInFlight;
    private final AtomicInteger commits = new AtomicInteger();
    /** The commit count when the stored offset was read last; -1 before the first read. */
    private int readAtCommit = -1;
    private Optional<StreamPosition> storedRead = Optional.empty();
    /** The place of the last stream record Kafka took (not one a transform dropped); null before any. */
    private StreamPosition lastSent;

    /**
     * @param partition       the stream's source partition
     * @param nothingInFlight whether Kafka acknowledged (or a transform dropped) every record the stream handed out
     */
    public StoredStream(OffsetStorageReader offsets, Map<String, String> partition, BooleanSupplier nothingInFlight) {
        this.offsets = offsets;
        this.partition = partition;
        this.nothingInFlight = nothingInFlight;
    }

    /** Connect committed offsets (any thread): the stored stream offset is read again at the next look. */
    public void committed() {
        commits.incrementAndGet();
    }

    /**
     * Kafka took {@code record} (any thread; not called for a record a transform dropped, whose offset Connect never
     * stores, and which a restart sends to the same transform again, nor for one the producer failed to send under
     * errors.tolerance=all).
     */
    public void sent(SourceRecord record) {
        if (!partition.equals(record.sourcePartition())) {
            return;
        }
        StreamPosition position = StreamPosition.fromOffset(record.sourceOffset()).orElse(null);
        synchronized (this) {
            if (position != null && (lastSent == null || !lastSent.covers(position.commitLsn(), position.event()))) {
                lastSent = position;
            }
        }
    }

    /**
     * The place of the last stream record Kafka took, if any: a restart sends again nothing Kafka took up to it once the
     * stored offset covers it (what a transform dropped after it is dropped again).
     */
    public synchronized Optional<StreamPosition> lastSent() {
        return Optional.ofNullable(lastSent);
    }

    /** The stream offset Connect stored, read back at most once per offset commit (a read of the offsets topic). */
    public Optional<StreamPosition> stored() {
        int commitsNow = commits.get();
        if (commitsNow != readAtCommit) {
            storedRead = StreamPosition.fromOffset(offsets.offset(partition));
            readAtCommit = commitsNow;
        }
        return storedRead;
    }

    /** The offset commits ended so far (see {@link #committed}). */
    public int commits() {
        return commits.get();
    }

    /**
     * Whether a restart now would send again nothing the stream handed out before {@code lsn}: the stored offset is at
     * or past it, or every record handed out is acknowledged and the stored offset covers the last one Kafka took.
     */
    public boolean resumesPast(Lsn lsn) {
        Optional<StreamPosition> stored = stored();
        if (stored.map(s -> !s.commitLsn().isBefore(lsn)).orElse(false)) {
            return true;
        }
        if (!nothingInFlight.getAsBoolean()) {
            return false;
        }
        StreamPosition sent;
        synchronized (this) {
            sent = lastSent;
        }
        return sent == null || stored.map(s -> s.covers(sent.commitLsn(), sent.event())).orElse(false);
    }
}
