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
import io.adbsync.source.stream.OffsetScope;
import io.adbsync.source.stream.StreamPosition;
import io.adbsync.source.stream.TableShare;
import org.apache.kafka.connect.errors.ConnectException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
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
 */
record ReadSite(ConnectionConfig data, OffsetScope scope, Segment segment, List<Segment> segments, SegmentShare segmentShare) {

    /** The site of a task assigned {@code assigned} (a segment's content id, or none) on a source of {@code topology}. */
    static ReadSite of(SourceTopology topology, OptionalInt assigned, SourceConfig config, SourceCatalog catalog) {
        if (topology.problem().isPresent()) {
            throw new ConnectException(topology.problem().get().message());
        }
        if (topology.mode() != SourceMode.GREENPLUM_SEGMENTS) {
            if (assigned.isPresent()) {
                // Made for a per-segment source that is no longer one: fails naming what to do.
                TaskSegments.segment(topology, assigned);
            }
            return new ReadSite(config.connection(), OffsetScope.of(config.topicPrefix()), null, List.of(), null);
        }
        Segment segment = TaskSegments.segment(topology, assigned);
        return new ReadSite(segment.utilityConnection(config.connection()),
                OffsetScope.ofSegment(config.topicPrefix(), segment.content()), segment, topology.segments(),
                new SegmentShare(catalog::connection, segment, topology.replicatedTableReader(), topology.segments().size(),
                        new RecordedPolicies(catalog::connection, config.heartbeatTable(), config.slotName(),
                                SourceConfig.SLOT_DROP_ON_OFFSETS_RESET)));
    }

    /** The tables' rows this task sends: all, or its segment's share. */
    TableShare share() {
        return segmentShare == null ? TableShare.WHOLE : segmentShare;
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
        return segmentShare == null || segmentShare.readsReplicated();
    }

    /** Takes the lock that makes the tasks sharing {@code publication} set up one at a time; per segment only. */
    void lockSetup(Connection coordinator, String publication) throws SQLException {
        if (segment != null) {
            advisory(coordinator, "pg_advisory_lock", publication);
        }
    }

    void unlockSetup(Connection coordinator, String publication) throws SQLException {
        if (segment != null) {
            advisory(coordinator, "pg_advisory_unlock", publication);
        }
    }

    private static void advisory(Connection c, String function, String publication) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(hashtext(?))")) {
            ps.setString(1, "adbsync setup of publication " + publication);
            ps.execute();
        }
    }

    /** Where this segment's task meets the others at a truncate; null where the source is read as one stream. */
    TruncateRendezvous truncates(SourceCatalog catalog, TableId heartbeatTable, String slot) {
        return segment == null ? null : new TruncateRendezvous(catalog::connection, segmentShare,
                heartbeatTable, slot, segment.content());
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
            Optional<StreamPosition> at = ReplicationSetup.existingSlot(site.connection(), slot) == null
                    ? stored.at(scope) : Optional.empty();
            if (at.isPresent()) {
                throw LostSlot.failure(slot, "", at.get(), connector);
            }
            ReplicationSetup.ensureSlot(data, site, slot);
        }
    }

    /** The stream position the connector's offsets hold for a stream, if any. */
    @FunctionalInterface
    interface StoredStreams {
        Optional<StreamPosition> at(OffsetScope scope);
    }

    /** How logs name the site after a slot name: empty, or {@code " on segment 1 at sdw2:6001"}. */
    String describe() {
        return segment == null ? "" : " on " + segment.describe();
    }
}
