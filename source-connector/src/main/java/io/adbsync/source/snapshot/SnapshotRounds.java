package io.adbsync.source.snapshot;

import io.adbsync.source.reconnect.ConnectionRetry;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.List;

/**
 * Reads the snapshot one round at a time for the task's polls: a round is started in one poll and handed out over as
 * many as it takes, its records as its readers convert them, each poll waiting at most a poll interval, since
 * KAFKA-10792 stop() runs only after poll() returns, and until then the old task keeps the slot the next task needs.
 */
public final class SnapshotRounds {

    private static final Logger log = LoggerFactory.getLogger(SnapshotRounds.class);

    /**
     * What one poll takes of a round: records (the rows and the leading truncates) and, with the round's last records,
     * what the round cost, for the throttles (0 before).
     */
    public record Round(List<SourceRecord> records, long bytes, int queries) {
    }

    private final Snapshotter snapshotter;
    private final long pollIntervalMs;
    private final int maxRecords;
    private final String topicPrefix;

    public SnapshotRounds(Snapshotter snapshotter, long pollIntervalMs, int maxRecords, String topicPrefix) {
        this.snapshotter = snapshotter;
        this.pollIntervalMs = pollIntervalMs;
        this.maxRecords = maxRecords;
        this.topicPrefix = topicPrefix;
    }

    /**
     * Starts a round if none is in flight and takes its next records, waiting for them at most a poll interval. A
     * transient failure abandons the round (its plans are read again from what was handed out) and is thrown for the
     * task to reconnect; any other fails the task.
     */
    public Round next() throws SQLException, InterruptedException {
        try {
            if (!snapshotter.roundInFlight()) {
                snapshotter.startRound();
            }
            Snapshotter.Taken taken = snapshotter.takeFromRound(pollIntervalMs, maxRecords);
            if (!taken.roundEnded()) {
                return new Round(taken.records(), 0, 0);
            }
            if (!snapshotter.hasWork()) {
                log.info("Snapshot complete for connector {}", topicPrefix);
            }
            return new Round(taken.records(), snapshotter.lastRoundBytes(), snapshotter.lastRoundQueries());
        } catch (SQLException | ConnectException failure) {
            SQLException e = ConnectionRetry.transientCause(failure);
            if (e == null) {
                SQLException sql = ConnectionRetry.sqlCause(failure);
                throw new ConnectException("Snapshot failed: " + failure.getMessage()
                        + (sql == null ? "" : " (SQLState " + sql.getSQLState() + ")")
                        + "; it resumes at the last completed chunk when the task restarts", failure);
            }
            // The stream's connections most likely went with the snapshot's: the task brings both back.
            snapshotter.abandonRound();
            throw e;
        }
    }
}
