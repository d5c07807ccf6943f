package io.adbsync.source.discovery;

import io.adbsync.common.sql.TableId;

import io.adbsync.source.partition.AttachedPartitions;
import io.adbsync.source.shard.RecopyRendezvous;
import io.adbsync.source.snapshot.Snapshotter;
import io.adbsync.source.stream.StoredStream;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.Map;

/**
 * Tables created or re-created under the include list ({@link NewTables}) and partitions attached
 * ({@link AttachedPartitions}) while the task streams: looked for between reads, published, and each copy planned
 * once the stream has passed the point where the table was added.
 */
public final class FoundTables {

    private static final Logger log = LoggerFactory.getLogger(FoundTables.class);
    private static final String UNDEFINED_TABLE = "42P01";

    private final NewTables newTables;
    private final AttachedPartitions attachedPartitions;
    private final Snapshotter snapshotter;
    private final RecopyRendezvous recopies;
    private final Map<String, String> rowFilters;
    private final OffsetStorageReader offsets;
    private final StoredStream stored;

    /**
     * @param newTables          null when nothing is streamed
     * @param attachedPartitions null when partitions need no watch
     * @param snapshotter        null under snapshot.mode=never: what is found is then only named, not copied
     * @param recopies           where key shards' tasks meet before a copy again, else null
     * @param rowFilters         the row filters by schema.table, applied to the copies
     * @param stored             how far a restart would resume the stream: copies that replace earlier ones wait for it
     */
    public FoundTables(NewTables newTables, AttachedPartitions attachedPartitions, Snapshotter snapshotter,
                       RecopyRendezvous recopies, Map<String, String> rowFilters, OffsetStorageReader offsets, StoredStream stored) {
        this.newTables = newTables;
        this.attachedPartitions = attachedPartitions;
        this.snapshotter = snapshotter;
        this.recopies = recopies;
        this.rowFilters = rowFilters;
        this.offsets = offsets;
        this.stored = stored;
    }

    /** Looks for new tables and partitions and plans the copies of those the stream, at {@code receivedLsn}, is past. */
    public void check(Lsn receivedLsn, long nowMs) throws SQLException {
        if (attachedPartitions != null) {
            attachedPartitions.discover(nowMs);
            for (AttachedPartitions.Attached a : attachedPartitions.ready(receivedLsn)) {
                Lsn owed = snapshotter == null ? null : snapshotter.owedRecopyAfter(a.root());
                if (owed != null && (receivedLsn.isBefore(owed) || !stored.resumesPast(owed))) {
                    // Its table's copy again starts with this partition's: it waits as a held copy does.
                    continue;
                }
                if (snapshotter != null && snapshotter.waitsForTruncateCarrier(a.root(), offsets)) {
                    // Its table's copy again began with another partition's, whose truncate is not stored yet.
                    continue;
                }
                planCopy("Partition " + a.leaf().qualifiedName() + " of " + a.root(), () ->
                        snapshotter.planPartition(a.root(), a.leaf(), rowFilters, offsets));
                attachedPartitions.planned(a);
            }
        }
        if (snapshotter != null) {
            for (Map.Entry<TableId, Lsn> held : snapshotter.heldRecopies().entrySet()) {
                if (!receivedLsn.isBefore(held.getValue()) && stored.resumesPast(held.getValue())) {
                    planCopy("Table " + held.getKey(), () -> snapshotter.planHeldRecopy(held.getKey(), offsets));
                    snapshotter.heldRecopyDone(held.getKey(), held.getValue());
                }
            }
        }
        if (recopies != null && snapshotter != null) {
            recopies.check(receivedLsn, stored, snapshotter, offsets, nowMs);
        }
        if (newTables != null) {
            newTables.discover(nowMs);
            for (NewTables.Found found : newTables.ready(receivedLsn)) {
                planCopy("Table " + found.qualifiedName(), () ->
                        snapshotter.planNewTable(found.name(), found.added(), rowFilters, offsets));
                newTables.planned(found);
            }
        }
    }

    /** Whether the stream must be opened again for a rename (see {@link NewTables#takeRenamed}). */
    public boolean renamed(Lsn receivedLsn) {
        return newTables != null && newTables.takeRenamed(receivedLsn);
    }

    /** One call that plans a copy with the snapshotter. */
    private interface CopyPlanning {
        void plan() throws SQLException;
    }

    /**
     * Plans the copy of {@code what} (a table or partition new to the connector while streaming); with
     * snapshot.mode=never only says what is not captured, and one dropped before its copy began is left out.
     */
    private void planCopy(String what, CopyPlanning planning) throws SQLException {
        if (snapshotter == null) {
            log.warn("{} is new to the connector and snapshot.mode=never: rows it had before it was added to the "
                    + "publication are not captured", what);
            return;
        }
        try {
            planning.plan();
        } catch (SQLException e) {
            if (!UNDEFINED_TABLE.equals(e.getSQLState())) {
                throw e;
            }
            log.info("{} was dropped before its copy began", what);
        }
    }
}
