package io.adbsync.source.reader;

import io.adbsync.source.greenplum.TruncateRendezvous;
import io.adbsync.source.stream.HeldTruncate;
import io.adbsync.source.stream.StoredStream;
import io.adbsync.source.stream.StreamPosition;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;

import java.sql.SQLException;
import java.util.List;

/**
 * Takes a segment's stream through the truncates it is held at (see {@link TruncateRendezvous}): each poll, one step
 * of the meeting, with what the task knows of its records (in Kafka, offsets stored); the copies to send where this
 * task sends them; the mark of the truncate's position where it goes on without sending. Also reports truncates a
 * restarted stream read again already sent.
 */
public final class TruncateMeeting {

    private final StreamReader reader;
    private final TruncateRendezvous rendezvous;
    private final StoredStream sent;
    /** Offsets were committed since the stored stream position was last read. */
    private volatile boolean offsetsCommitted;
    /** The stored stream position was read while the stream is held. */
    private boolean storedReadAtHold;
    /** The stored stream position as last read while the stream is held; null when none is stored or not read. */
    private StreamPosition storedAtHold;

    /** @param sent what of the stream Kafka took (see {@link #stored}) */
    public TruncateMeeting(StreamReader reader, TruncateRendezvous rendezvous, StoredStream sent) {
        this.reader = reader;
        this.rendezvous = rendezvous;
        this.sent = sent;
    }

    /** Connect committed offsets (SourceTask.commit): the stored position is worth reading again. */
    public void offsetsCommitted() {
        offsetsCommitted = true;
    }

    /** Reports the truncates the stream passed, already sent before a restart, as sent (the others may wait for it). */
    public void reportPassed() throws SQLException {
        for (HeldTruncate passed : reader.passed()) {
            rendezvous.passed(passed);
            reader.passedReported(passed);
        }
    }

    /** Whether the stream is held at a truncate. */
    public boolean holding() {
        return reader.held().isPresent();
    }

    /**
     * One step at the held truncate: the records to hand out (the copies, or the mark of its position; possibly none)
     * when it moved on, null while the segments' tasks meet. {@code nothingInFlight}: Kafka acknowledged every record
     * the task handed out.
     */
    public List<SourceRecord> step(OffsetStorageReader offsets, boolean nothingInFlight) throws SQLException {
        reader.keepAlive();
        TruncateRendezvous.Step step = rendezvous.step(reader.held().orElseThrow(), nothingInFlight && stored(offsets));
        if (step instanceof TruncateRendezvous.Send) {
            return reader.sendHeld();
        }
        if (step instanceof TruncateRendezvous.Go) {
            storedReadAtHold = false;
            storedAtHold = null;
            return reader.releaseHeld();
        }
        return null;
    }

    /**
     * Whether Connect stored the offset of the last record of the stream Kafka took (the caller knows every record is
     * acknowledged): only then may the segments' tasks go past a truncate, since a restart resumes at the stored
     * offset, and a record sent again after a truncate the others went on from would bring back a row it emptied.
     * Records a transform dropped after it have no offset Connect would ever store, and sent again they are dropped
     * again: waiting for them would hold every task at the truncate for good.
     */
    private boolean stored(OffsetStorageReader offsets) {
        if (!storedReadAtHold || offsetsCommitted) {
            offsetsCommitted = false;
            storedAtHold = StreamPosition.fromOffset(offsets.offset(reader.sourcePartition())).orElse(null);
            storedReadAtHold = true;
        }
        StreamPosition taken = sent.lastSent().orElse(null);
        return taken == null || storedAtHold != null && storedAtHold.covers(taken.commitLsn(), taken.event());
    }
}
