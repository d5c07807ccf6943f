package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.replication.ReplicationStream;
import org.apache.kafka.connect.errors.ConnectException;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Creates a per-segment source's slots, on every segment that lacks one, at one moment for all of them as far as the
 * captured tables go: while the coordinator holds SHARE locks on those tables, which no transaction writing them can
 * pass. Slots created one by one, as each task starts, would begin their streams at different transactions: a
 * truncate committed between two slots' creations would then be in one segment's stream and not in another's, and
 * the segments' tasks could never meet at it ({@link TruncateRendezvous}); rows one segment sent before it would be
 * emptied after another segment copied its rows from after it.
 */
public final class SegmentSlots {

    private static final Logger log = LoggerFactory.getLogger(SegmentSlots.class);
    /** How long the captured tables' writers may hold the lock up before the attempt gives way (and is tried again). */
    private static final String LOCK_TIMEOUT = "30s";
    /**
     * How long one slot's creation may take: it waits for the segment's running transactions, and one of them may be
     * a writer waiting for the lock held here; giving way ends that wait.
     */
    private static final int CREATE_TIMEOUT_SECONDS = 60;

    private SegmentSlots() {
    }

    /**
     * Makes slot {@code slot} exist on every segment of {@code segments}, creating the missing ones together under
     * SHARE locks of {@code captured} taken through {@code coordinator}; {@code heartbeatTable}
     * holds the segments' rendezvous at truncates ({@link TruncateRendezvous}).
     */
    public static void ensure(ConnectionConfig coordinator, List<Segment> segments, String slot, List<TableId> captured,
                              TableId heartbeatTable) throws SQLException {
        ensure(coordinator, segments, missing(coordinator, segments, slot), slot, captured, heartbeatTable);
    }

    /** As above, where the caller has just asked which segments lack the slot ({@link #missing}). */
    public static void ensure(ConnectionConfig coordinator, List<Segment> segments, List<Segment> missing, String slot,
                              List<TableId> captured, TableId heartbeatTable) throws SQLException {
        if (missing.isEmpty()) {
            return;
        }
        if (missing.size() < segments.size()) {
            List<Segment> having = segments.stream().filter(s -> !missing.contains(s)).toList();
            throw new ConnectException("Replication slot " + slot + " exists on " + describe(having) + " but not on "
                    + describe(missing) + ". A slot made there now would start its stream at another transaction than "
                    + "the others (the segments' tasks could not meet at truncates), and the changes made there since "
                    + "the old slots' start would be lost. Drop slot " + slot + " on " + describe(having) + " (in utility "
                    + "mode), delete the connector's offsets and start it again, so that every table is copied anew "
                    + "from slots made together");
        }
        if (missing.size() == segments.size()) {
            // Not in the transaction that locks: a write there takes an xid on every segment, and each slot's creation
            // would wait for that transaction to end.
            try (Connection c = Jdbc.open(coordinator)) {
                TruncateRendezvous.forgetAll(c, heartbeatTable, slot);
                RecordedPolicies.forgetAll(c, heartbeatTable, slot);
                RecordedPolicies.recordAll(c, heartbeatTable, slot, captured);
            }
        }
        long started = System.currentTimeMillis();
        List<Segment> created = new ArrayList<>();
        try (Connection c = Jdbc.open(coordinator)) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                if (!captured.isEmpty()) {
                    lock(s, captured, slot, missing);
                    if (missing.size() == segments.size()) {
                        // Recorded before this transaction (a write here would be a running transaction the slots
                        // wait for); locked now, no redistribution can run until the slots exist.
                        RecordedPolicies.requireRecorded(c, heartbeatTable, slot, captured);
                    }
                }
                for (Segment segment : missing) {
                    create(segment.utilityConnection(coordinator), slot);
                    created.add(segment);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                dropAgain(coordinator, created, slot);
                throw e;
            }
        }
        log.info("Created logical replication slot {} (pgoutput) on {} together, the captured tables locked against "
                + "writes for {} ms", slot, missing.stream().map(Segment::describe).toList(), System.currentTimeMillis() - started);
    }

    /** The segments of {@code segments} that lack slot {@code slot}; a slot there that cannot serve fails naming why. */
    public static List<Segment> missing(ConnectionConfig coordinator, List<Segment> segments, String slot) throws SQLException {
        List<Segment> missing = new ArrayList<>();
        for (Found found : look(coordinator, segments, slot)) {
            if (found.slot() == null) {
                missing.add(found.segment());
            } else if (found.slot().problem(found.database()) != null) {
                throw new ConnectException(found.slot().problem(found.database()) + " (on " + found.segment().describe() + ")");
            }
        }
        return missing;
    }

    /**
     * Why the connector's user could not create the slots (it may not lock {@code captured} in SHARE mode), or null:
     * asked only while some segment lacks slot {@code slot}, since that is when the lock is taken.
     */
    public static String lockProblem(Connection coordinator, ConnectionConfig config, List<Segment> segments, String slot,
                                     List<TableId> captured) throws SQLException {
        boolean missing = look(config, segments, slot).stream().anyMatch(found -> found.slot() == null);
        if (!missing || captured.isEmpty()) {
            return null;
        }
        List<String> refused = new ArrayList<>();
        try (PreparedStatement ps = coordinator.prepareStatement("SELECT NOT (has_table_privilege(to_regclass(?), 'UPDATE') "
                + "OR has_table_privilege(to_regclass(?), 'DELETE') OR has_table_privilege(to_regclass(?), 'TRUNCATE'))")) {
            for (TableId t : captured) {
                String quoted = t.quoted();
                ps.setString(1, quoted);
                ps.setString(2, quoted);
                ps.setString(3, quoted);
                try (var rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        refused.add(t.toString());
                    }
                }
            }
        }
        return refused.isEmpty() ? null : "User " + config.user() + " may not lock " + String.join(", ", refused)
                + " in SHARE mode, which the connector does at the coordinator while it creates slot " + slot + " on every "
                + "segment together (so that no write to the captured tables commits in between): grant it UPDATE, "
                + "DELETE or TRUNCATE on them, or create the slots yourself (see docs/operations.md, Greenplum sources)";
    }

    private static void lock(Statement s, List<TableId> captured, String slot, List<Segment> missing) throws SQLException {
        String tables = captured.stream().map(TableId::quoted).collect(Collectors.joining(", "));
        try {
            s.execute("LOCK TABLE " + tables + " IN SHARE MODE");
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) {
                throw e;
            }
            throw new ConnectException("Slot " + slot + " must be created on " + missing.stream().map(Segment::describe)
                    .toList() + " while no write to the captured tables can commit, which takes LOCK TABLE " + tables
                    + " IN SHARE MODE at the coordinator, and it was refused: " + e.getMessage() + ". Let the "
                    + "connector's user lock them (it owns them, or has UPDATE, DELETE or TRUNCATE on them), or create "
                    + "the slot yourself on every segment at once: in one coordinator session run BEGIN; LOCK TABLE "
                    + tables + " IN SHARE MODE; then on each segment in utility mode SELECT "
                    + "pg_create_logical_replication_slot('" + slot + "', 'pgoutput'); then COMMIT", e);
        }
    }

    /** Slot {@code slot} as each segment has it (null where it does not), with the database it is read from. */
    private record Found(Segment segment, ReplicationSetup.ExistingSlot slot, String database) {
    }

    private static List<Found> look(ConnectionConfig coordinator, List<Segment> segments, String slot) throws SQLException {
        List<Found> found = new ArrayList<>();
        for (Segment segment : segments) {
            try (SourceCatalog catalog = new SourceCatalog(segment.utilityConnection(coordinator))) {
                found.add(new Found(segment, ReplicationSetup.existingSlot(catalog.connection(), slot), catalog.database()));
            }
        }
        return found;
    }

    private static void create(ConnectionConfig segment, String slot) throws SQLException {
        Properties timeout = new Properties();
        timeout.setProperty("socketTimeout", Integer.toString(CREATE_TIMEOUT_SECONDS));
        try (Connection replication = ReplicationStream.openReplicationConnection(segment, "", timeout)) {
            replication.unwrap(PGConnection.class).getReplicationAPI()
                    .createReplicationSlot().logical().withSlotName(slot).withOutputPlugin("pgoutput").make();
        }
    }

    private static String describe(List<Segment> segments) {
        return segments.stream().map(Segment::describe).collect(Collectors.joining(", "));
    }

    /** Drops the slots an attempt that failed had created, so the next attempt creates them all together again. */
    private static void dropAgain(ConnectionConfig coordinator, List<Segment> created, String slot) {
        for (Segment segment : created) {
            try (Connection c = Jdbc.open(segment.utilityConnection(coordinator))) {
                ReplicationSetup.dropSlot(c, slot);
            } catch (SQLException e) {
                log.warn("Slot {} created on {} by an attempt that failed could not be dropped again ({}): drop it "
                        + "there before the connector creates its slots again", slot, segment.describe(), e.getMessage());
            }
        }
    }
}
