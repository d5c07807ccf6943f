package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.storage.OffsetStorageReader;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether a restart would send again what the stream handed out before a point: it resumes from the stream offset
 * Connect stored (or the slot's confirmed position, never before it), which lags what was handed out by up to an
 * offset flush. A copy that replaces an earlier one waits for this, so that no change of the earlier table is sent
 * again after its truncate.
 */
public final class StoredStream {

    private final OffsetStorageReader offsets;
    private final Map<String, String> partition;
    private final ChangeStream changes;
    private final AtomicInteger commits = new AtomicInteger();
    /** The commit count when the stored offset was read last; -1 before the first read. */
    private int readAtCommit = -1;
    private Optional<StreamPosition> stored = Optional.empty();

    public StoredStream(OffsetStorageReader offsets, Map<String, String> partition, ChangeStream changes) {
        this.offsets = offsets;
        this.partition = partition;
        this.changes = changes;
    }

    /** Connect committed offsets (any thread): the stored stream offset is read again at the next look. */
    public void committed() {
        commits.incrementAndGet();
    }

    /**
     * Whether a restart now would resume the stream at {@code lsn} or later, or send again nothing it handed out: the
     * stored offset is at or past {@code lsn}, or covers the last record handed out. Reads the offset back at most
     * once per commit (a read goes to the offsets topic).
     */
    public boolean storedPast(Lsn lsn) {
        int commitsNow = commits.get();
        if (commitsNow != readAtCommit) {
            stored = StreamPosition.fromOffset(offsets.offset(partition));
            readAtCommit = commitsNow;
        }
        Optional<StreamPosition> emitted = changes.lastEmitted();
        if (emitted.isEmpty()) {
            return true;
        }
        return stored.map(s -> !s.commitLsn().isBefore(lsn) || s.covers(emitted.get().commitLsn(), emitted.get().event()))
                .orElse(false);
    }
}
