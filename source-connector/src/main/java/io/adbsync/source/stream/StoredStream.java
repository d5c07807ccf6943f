package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.storage.OffsetStorageReader;

import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where a restart would resume the stream: at the stream offset Connect stored or the slot's confirmed position,
 * whichever is later (the server sends nothing committed before the slot's). Both lag what was handed out, by up to
 * an offset flush and a status update. A copy that replaces an earlier one waits until this is past the earlier
 * table's changes, so that none is sent again after its truncate.
 */
public final class StoredStream {

    /** Reads the slot's confirmed position on the server. */
    public interface SlotPosition {
        Optional<Lsn> confirmed() throws SQLException;
    }

    /** How often the slot's position is read while a copy waits for it. */
    private static final long SLOT_READ_INTERVAL_MS = 1_000;

    private final OffsetStorageReader offsets;
    private final Map<String, String> partition;
    private final Supplier<Optional<StreamPosition>> lastEmitted;
    private final SlotPosition slot;
    private final AtomicInteger commits = new AtomicInteger();
    /** The commit count when the stored offset was read last; -1 before the first read. */
    private int readAtCommit = -1;
    private Optional<StreamPosition> stored = Optional.empty();
    private long slotReadAtMs = -SLOT_READ_INTERVAL_MS;
    private Optional<Lsn> confirmed = Optional.empty();

    /**
     * @param partition   the stream's source partition
     * @param lastEmitted the place of the last record the stream handed out (ChangeStream#lastEmitted)
     */
    public StoredStream(OffsetStorageReader offsets, Map<String, String> partition,
                        Supplier<Optional<StreamPosition>> lastEmitted, SlotPosition slot) {
        this.offsets = offsets;
        this.partition = partition;
        this.lastEmitted = lastEmitted;
        this.slot = slot;
    }

    /** Connect committed offsets (any thread): the stored stream offset is read again at the next look. */
    public void committed() {
        commits.incrementAndGet();
    }

    /**
     * Whether a restart now would send again nothing the stream handed out before {@code lsn}: the stored offset is at
     * or past it or covers the last record handed out, or the slot confirmed a position at or past it. The offset is
     * read back at most once per commit (a read of the offsets topic), the slot at most once a second.
     */
    public boolean resumesPast(Lsn lsn, long nowMs) throws SQLException {
        int commitsNow = commits.get();
        if (commitsNow != readAtCommit) {
            stored = StreamPosition.fromOffset(offsets.offset(partition));
            readAtCommit = commitsNow;
        }
        Optional<StreamPosition> emitted = lastEmitted.get();
        if (emitted.isEmpty() || stored.map(s -> !s.commitLsn().isBefore(lsn)
                || s.covers(emitted.get().commitLsn(), emitted.get().event())).orElse(false)) {
            return true;
        }
        // A record dropped by a transform (a heartbeat filtered out) is acknowledged but never stored: the slot's
        // position, which moves with acknowledgements, still passes it.
        if (nowMs - slotReadAtMs >= SLOT_READ_INTERVAL_MS) {
            confirmed = slot.confirmed();
            slotReadAtMs = nowMs;
        }
        return confirmed.map(c -> !c.isBefore(lsn)).orElse(false);
    }
}
