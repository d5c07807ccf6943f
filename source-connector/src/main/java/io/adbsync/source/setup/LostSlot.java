package io.adbsync.source.setup;

import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.snapshot.SnapshotMode;
import io.adbsync.source.stream.StreamPosition;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * The refusal to make a slot where the connector's offsets show one was streamed before. A slot starts at the moment it
 * is made; the one that was lost (dropped by hand, {@code slot.name} changed, a failover without slot synchronisation)
 * held every change after the stored position, so a new slot streaming on from the stored offsets would skip them
 * without a trace. Only copying every table again, or a user choosing to accept the gap, makes that whole.
 */
final class LostSlot {

    private LostSlot() {
    }

    /**
     * @param where     empty, or where the slot is missing ({@code " on segment 1 at sdw2:6001"})
     * @param stored    the position the connector's offsets hold for that stream
     * @param connector the connector's name, for the REST calls of the remedy
     */
    static ConnectException failure(String slot, String where, StreamPosition stored, String connector) {
        return new ConnectException("Replication slot " + slot + " does not exist" + where + ", but the connector's "
                + "stored offsets say it streamed up to " + stored.commitLsn() + ": the slot was dropped, "
                + SourceConfig.SLOT_NAME + " changed, or the source failed over without slot synchronisation, and the "
                + "changes committed since the lost slot's position cannot be read any more (a new slot would start "
                + "now and skip them). Copy every table again: PUT /connectors/" + connector + "/stop, DELETE "
                + "/connectors/" + connector + "/offsets, then PUT /connectors/" + connector + "/resume with "
                + SourceConfig.SNAPSHOT_MODE + "=" + SnapshotMode.INITIAL.configValue() + ". The copy overwrites the "
                + "destination's rows by key but keeps rows deleted at the source meanwhile: truncate the destination "
                + "tables before resuming (the sink stopped), or find those rows afterwards with bin/adbsync verify. To "
                + "accept the gap instead, do the same with " + SourceConfig.SNAPSHOT_MODE + "="
                + SnapshotMode.NEVER.configValue());
    }
}
