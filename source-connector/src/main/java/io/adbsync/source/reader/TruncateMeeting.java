package io.adbsync.source.reader;

import io.adbsync.source.greenplum.TruncateRendezvous;
import io.adbsync.source.stream.HeldTruncate;
import io.adbsync.source.stream.StoredStream;
import io.adbsync.source.stream.StreamPosition;
import org.apache.kafka.connect.source.SourceRecord;

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
    private final StoredStream stream;
    /** Polls in a row at the held truncate that found nothing in flight, and the commits counted at the second. */
    private int quietPolls;
    private int commitsAtSecondQuietPoll = -1;
    /** Where the stream stood once past the last truncate it met in this run: a restart must resume past it. */
    private StreamPosition passedAt;

    /** @param stream what of the stream Connect stored, and what Kafka took (see {@link #stored}) */
    public TruncateMeeting(StreamReader reader, TruncateRendezvous rendezvous, StoredStream stream) {
        this.reader = reader;
        this.rendezvous = rendezvous;
        this.stream = stream;
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
    public List<SourceRecord> step(boolean nothingInFlight) throws SQLException {
        reader.keepAlive();
        TruncateRendezvous.Step step = rendezvous.step(reader.held().orElseThrow(), stored(nothingInFlight));
        if (step instanceof TruncateRendezvous.Send) {
            // The copies it hands out are waited for afresh.
            notQuiet();
            return reader.sendHeld();
        }
        if (step instanceof TruncateRendezvous.Go) {
            notQuiet();
            List<SourceRecord> released = reader.releaseHeld();
            passedAt = reader.position().orElse(passedAt);
            return released;
        }
        return null;
    }

    /**
     * Whether Kafka has every record the stream handed out ({@code nothingInFlight}) and Connect stored their offsets:
     * only then may the tasks go past a truncate, since a restart resumes at the stored offset, and a record sent again
     * after a truncate the others went on from would bring back a row it emptied.
     *
     * <p>Connect never stores the offset of a record a transform or converter dropped (a tombstone under a Filter), so
     * where the last records handed out were dropped, their offsets would be waited for for good, every task held at
     * the truncate. So once nothing was in flight at two polls in a row and {@link #COMMITS_PAST_QUIET} offset commits
     * ended since the second (Connect gathers what it may commit before each poll, and the second commit after it
     * began after it: everything it will ever store of them is stored), it is enough that the stored offset covers the
     * last record Kafka took, and the last truncate this run went past, whose mark may have been dropped too: its
     * meeting is forgotten at this one's arrival, and a restart must not meet it again. A record dropped then sent
     * again after a restart is dropped again; one a converter failed to convert under errors.tolerance=all and that
     * converts after a restart would go out after the truncate.
     */
    private boolean stored(boolean nothingInFlight) {
        if (!nothingInFlight) {
            notQuiet();
            return false;
        }
        StreamPosition stored = stream.stored().orElse(null);
        if (covered(stored, reader.position().orElse(null))) {
            return true;
        }
        if (++quietPolls == 2) {
            commitsAtSecondQuietPoll = stream.commits();
        }
        return commitsAtSecondQuietPoll >= 0 && stream.commits() - commitsAtSecondQuietPoll >= COMMITS_PAST_QUIET
                && covered(stored, stream.lastSent().orElse(null)) && covered(stored, passedAt);
    }

    /** Something was in flight, or a wait begins afresh: the quiet polls count again from none. */
    private void notQuiet() {
        quietPolls = 0;
        commitsAtSecondQuietPoll = -1;
    }

    /** Offset commits that must end after the second quiet poll before dropped records are taken as dropped. */
    static final int COMMITS_PAST_QUIET = 2;

    /** Whether the {@code stored} offset covers {@code position} (none: nothing to cover). */
    private static boolean covered(StreamPosition stored, StreamPosition position) {
        return position == null || stored != null && stored.covers(position.commitLsn(), position.event());
    }
}
