package io.adbsync.source.setup;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.greenplum.RecordedPolicies;
import io.adbsync.source.greenplum.Segment;
import io.adbsync.source.greenplum.SegmentShare;
import io.adbsync.source.greenplum.SegmentSlots;
import io.adbsync.source.greenplum.SourceMode;
import io.adbsync.source.greenplum.SourceTopology;
import io.adbsync.source.greenplum.TaskSegments;
import io.adbsync.source.greenplum.TruncateRendezvous;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.shard.KeyShard;
import io.adbsync.source.shard.KeyShare;
import io.adbsync.source.shard.ShardSlots;
import io.adbsync.source.stream.OffsetScope;
import io.adbsync.source.stream.StreamPosition;
import io.adbsync.source.stream.TableShare;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where a task reads: the server its slot, stream and snapshot chunks are on (the source itself, or under
 * {@code source.mode=greenplum_segments} its segment in utility mode), whose offsets they are, and which tables' rows
 * it sends. Everything the task writes at the source (publication, replica identity, heartbeats) and the catalog it
 * describes tables with stay on {@code connection.url}: a Greenplum coordinator dispatches them to every segment, and
 * relation OIDs are the same on all of them.
 *
 * @param segment the segment read, null where the source is read as one stream
 * @param segments     every primary segment, where the source is read per segment
 * @param segmentShare its share of the rows, null where the source is read as one stream
 * @param shard        the key shard read where the source is read as one stream by several tasks, else null
 */
record ReadSite(ConnectionConfig data, OffsetScope scope, Segment segment, List<Segment> segments, SegmentShare segmentShare,
                KeyShard shard) {

    private static final Logger log = LoggerFactory.getLogger(ReadSite.class);

    /**
     * The site of a task assigned {@code assigned} (a segment's content id, or none) or {@code shard} (a key shard, or
     * null) on a source of {@code topology}.
     */
    static ReadSite of(SourceTopology topology, OptionalInt assigned, KeyShard shard, SourceConfig config,
                       SourceCatalog catalog) {
        if (topology.problem().isPresent()) {
            throw new ConnectException(topology.problem().get().message());
        }
        if (topology.mode() != SourceMode.GREENPLUM_SEGMENTS) {
            if (assigned.isPresent()) {
                // Made for a per-segment source that is no longer one: fails naming what to do.
                TaskSegments.segment(topology, assigned);
            }
            if (shard != null) {
                return new ReadSite(config.connection(), OffsetScope.ofShard(config.topicPrefix(), shard.toString()), null,
                        List.of(), null, shard);
            }
            return new ReadSite(config.connection(), OffsetScope.of(config.topicPrefix()), null, List.of(), null, null);
        }
        if (shard != null) {
            throw new ConnectException("This task was made to read key shard " + shard + ", but the source mode is now "
                    + topology.describe() + ", read with a task per segment: restart the connector (POST /connectors/"
                    + "<name>/restart?includeTasks=true) so its tasks are made for that mode");
        }
        Segment segment = TaskSegments.segment(topology, assigned);
        return new ReadSite(segment.utilityConnection(config.connection()),
                OffsetScope.ofSegment(config.topicPrefix(), segment.content()), segment, topology.segments(),
                new SegmentShare(catalog::connection, segment, topology.replicatedTableReader(), topology.segments().size(),
                        new RecordedPolicies(catalog::connection, config.heartbeatTable(), config.slotName(),
                                SourceConfig.SLOT_DROP_ON_OFFSETS_RESET)), null);
    }

    /** The tables' rows this task sends: all, its segment's share, or its key shard's. */
    TableShare share() {
        return segmentShare != null ? segmentShare : shard != null ? new KeyShare(shard) : TableShare.WHOLE;
    }

    /** The slot this task reads, of the connector's {@code slot.name} {@code base}: its own where it reads a key shard. */
    String slot(String base) {
        return shard == null ? base : ShardSlots.name(base, shard);
    }

    /** Whether several tasks read parts of one source's rows, meeting at truncates in the heartbeat table. */
    boolean shared() {
        return segment != null || shard != null;
    }

    boolean perSegment() {
        return segment != null;
    }

    /**
     * Whether this task makes the changes at the source that tables found while streaming need (publication, replica
     * identity): every task looks, one acts (the one reading replicated tables), and the others wait until they see
     * the change done, as under {@code setup.mode=check}; several acting at once would fail on each other's changes.
     */
    boolean writes() {
        return shard != null ? shard.index() == 0 : segmentShare == null || segmentShare.readsReplicated();
    }

    /** Takes the lock that makes the tasks sharing {@code publication} set up one at a time; where tasks share a source. */
    void lockSetup(Connection coordinator, String publication) throws SQLException {
        if (shared()) {
            advisory(coordinator, "pg_advisory_lock", publication);
        }
    }

    void unlockSetup(Connection coordinator, String publication) throws SQLException {
        if (shared()) {
            advisory(coordinator, "pg_advisory_unlock", publication);
        }
    }

    private static void advisory(Connection c, String function, String publication) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(hashtext(?))")) {
            ps.setString(1, "adbsync setup of publication " + publication);
            ps.execute();
        }
    }

    /** Where this task meets the others at a truncate; null where one task reads the source. */
    TruncateRendezvous truncates(SourceCatalog catalog, TableId heartbeatTable, String slot) {
        if (shard != null) {
            return new TruncateRendezvous(catalog::connection, share(), heartbeatTable, slot, "shard", shard.index());
        }
        return segment == null ? null : new TruncateRendezvous(catalog::connection, segmentShare,
                heartbeatTable, slot, "segment", segment.content());
    }

    /**
     * Creates the task's slot where it reads, if absent; per segment, on every segment that lacks it at one moment
     * ({@link SegmentSlots}), the {@code captured} tables locked meanwhile; {@code heartbeatTable} holds
     * the segments' rendezvous at truncates.
     */
    void ensureSlot(String slot, ConnectionConfig coordinator, List<TableId> captured, TableId heartbeatTable,
                    StoredStreams stored, String connector) throws SQLException {
        if (segment != null) {
            List<Segment> missing = SegmentSlots.missing(coordinator, segments, slot);
            // Where only some segments lack it, SegmentSlots refuses with what to do about the others' slots.
            if (missing.size() == segments.size()) {
                for (Segment s : missing) {
                    Optional<StreamPosition> at = stored.at(OffsetScope.ofSegment(scope.server(), s.content()));
                    if (at.isPresent()) {
                        throw LostSlot.failure(slot, " on " + s.describe(), at.get(), connector);
                    }
                }
            }
            SegmentSlots.ensure(coordinator, segments, missing, slot, captured, heartbeatTable);
            return;
        }
        try (SourceCatalog site = new SourceCatalog(data)) {
            // Slots of another count of key shards (or the one slot of an unsharded source) are refused either way.
            Map<String, ReplicationSetup.ExistingSlot> found = ShardSlots.existing(site.connection(), slot);
            int count = shard == null ? 1 : shard.count();
            Optional<String> another = ShardSlots.madeForAnotherCount(found, slot, count, connector);
            if (another.isPresent()) {
                throw new ConnectException(another.get());
            }
            if (shard != null) {
                ensureShardSlots(site, slot, found, heartbeatTable, stored, connector);
                return;
            }
            Optional<StreamPosition> at = ReplicationSetup.existingSlot(site.connection(), slot) == null
                    ? stored.at(scope) : Optional.empty();
            if (at.isPresent()) {
                throw LostSlot.failure(slot, "", at.get(), connector);
            }
            ReplicationSetup.ensureSlot(data, site, slot);
        }
    }

    /**
     * Makes the key shards' slots together where none exists; some existing and some not is refused, as is a missing set
     * whose streams the offsets say were read.
     */
    private void ensureShardSlots(SourceCatalog site, String base, Map<String, ReplicationSetup.ExistingSlot> found,
                                  TableId heartbeatTable, StoredStreams stored, String connector) throws SQLException {
        for (ReplicationSetup.ExistingSlot existing : found.values()) {
            String problem = existing.problem(site.database());
            if (problem != null) {
                throw new ConnectException(problem);
            }
        }
        List<KeyShard> missing = ShardSlots.missing(found, base, shard.count());
        if (missing.isEmpty()) {
            return;
        }
        Optional<String> tooLong = ShardSlots.nameTooLong(base, shard.count());
        if (tooLong.isPresent()) {
            throw new ConnectException(tooLong.get());
        }
        // Each shard's stored stream position, read once: whether any was read decides, and a missing one read is lost.
        Map<KeyShard, StreamPosition> read = new java.util.HashMap<>();
        for (int i = 0; i < shard.count(); i++) {
            KeyShard s = new KeyShard(i, shard.count());
            stored.at(OffsetScope.ofShard(scope.server(), s.toString())).ifPresent(at -> read.put(s, at));
        }
        if (missing.size() < shard.count() && read.isEmpty()) {
            // Made in part (a task stopped while making them) and never read: made again, all together.
            for (String name : found.keySet()) {
                ReplicationSetup.dropSlot(site.connection(), name);
            }
            log.info("Dropped replication slot(s) {}, made without the others of their key shards and never read; making "
                    + "all {} again together", found.keySet(), shard.count());
            ShardSlots.createAll(data, site, base, shard.count(), heartbeatTable);
            return;
        }
        if (missing.size() < shard.count()) {
            throw new ConnectException("Replication slot(s) " + found.keySet() + " exist but not "
                    + missing.stream().map(s -> ShardSlots.name(base, s)).toList() + ". A slot made now would start its "
                    + "stream at another transaction than the others (the shards' tasks could not meet at truncates), and "
                    + "the changes of its keys made since the others' start would be lost. Stop the connector, drop "
                    + found.keySet() + ", DELETE its offsets and start it again, so that every table is copied anew from "
                    + "slots made together");
        }
        for (KeyShard s : missing) {
            if (read.containsKey(s)) {
                throw LostSlot.failure(ShardSlots.name(base, s), "", read.get(s), connector);
            }
        }
        ShardSlots.createAll(data, site, base, shard.count(), heartbeatTable);
    }

    /** The stream position the connector's offsets hold for a stream, if any. */
    @FunctionalInterface
    interface StoredStreams {
        Optional<StreamPosition> at(OffsetScope scope);
    }

    /** How logs name the site after a slot name: empty, {@code " on segment 1 at sdw2:6001"} or {@code " (key shard 1/4)"}. */
    String describe() {
        return segment != null ? " on " + segment.describe() : shard != null ? " (key shard " + shard + ")" : "";
    }
}
