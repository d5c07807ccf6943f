package io.adbsync.source.setup;

import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.greenplum.TruncateRendezvous;
import io.adbsync.source.reader.StreamReader;
import io.adbsync.source.snapshot.LeftTables;
import io.adbsync.source.snapshot.SnapshotMetrics;
import io.adbsync.source.snapshot.SnapshotRounds;
import io.adbsync.source.snapshot.Snapshotter;
import io.adbsync.source.stream.StoredStream;

import java.sql.SQLException;

/**
 * What {@link TaskSetup} built for one run of the source task: the catalog connection, the stream reader, the
 * snapshot (absent under snapshot.mode=never) and the tables left out of capture. Closing it closes them all.
 *
 * @param snapshotter null under snapshot.mode=never
 * @param rounds      null under snapshot.mode=never
 * @param streaming   false under snapshot.mode=initial_only: the reader is never connected
 * @param truncates   where a Greenplum segment's task meets the others at a truncate; null where the source is read
 *                    as one stream
 * @param stored      how far Connect stored the stream's offsets, told of each commit
 */
public record Capture(SourceCatalog catalog, StreamReader reader, Snapshotter snapshotter, SnapshotRounds rounds,
                      SnapshotMetrics snapshotMetrics, LeftTables leftTables, boolean streaming,
                      TruncateRendezvous truncates, StoredStream stored) implements AutoCloseable {

    /** Whether the snapshot has chunks left to read now (not only ones waiting for an offset commit). */
    public boolean snapshotPending() {
        return snapshotter != null && snapshotter.hasReadyWork();
    }

    /** Whether the snapshot has chunks left, ready or waiting. */
    public boolean snapshotLeft() {
        return snapshotter != null && snapshotter.hasWork();
    }

    /** Whether a snapshot round was started and is not handed out whole yet. */
    public boolean roundInFlight() {
        return snapshotter != null && snapshotter.roundInFlight();
    }

    /** Connects again after a lost connection: the catalog's most likely died with the stream's, so both start afresh. */
    public void reconnect() throws SQLException {
        catalog.reset();
        catalog.scalar("SELECT 1");
        if (streaming) {
            reader.connect();
        }
    }

    @Override
    public void close() {
        reader.close();
        if (snapshotter != null) {
            snapshotter.close();
        }
        snapshotMetrics.unregister();
        catalog.close();
    }
}
