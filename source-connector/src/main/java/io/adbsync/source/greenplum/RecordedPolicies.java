package io.adbsync.source.greenplum;

import io.adbsync.common.sql.TableId;
import io.adbsync.source.heartbeat.Heartbeat;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The distribution policy each captured table had when the segments' slots were made, kept as rows of the heartbeat
 * table ({@code <slot>/policy/<OID>/<policy>}, written through the coordinator). Per-key order across the segments'
 * tasks rests on a key's rows staying on one segment; {@code ALTER TABLE ... SET DISTRIBUTED BY} and gpexpand move
 * rows by a rewrite pgoutput does not send, after which a key's changes come from another segment's task, which may
 * be ahead of the one that had them. The rewrite invalidates the table's relation cache on every segment, so each
 * segment's stream carries a Relation message before the table's next change: there the task compares the policy with
 * the recorded one and stops before sending anything of the new distribution.
 */
public final class RecordedPolicies {

    private static final Logger log = LoggerFactory.getLogger(RecordedPolicies.class);
    /** The policy of a relation gp_distribution_policy has no row for (gone, or a partitioned table's parent). */
    static final String NONE = "none";
    /**
     * A policy's text form, of {@code gp_distribution_policy p}: type, segment count, key columns, operator classes.
     * Written once, since a recorded and a current policy are compared as text.
     */
    private static final String POLICY_TEXT = "p.policytype || ':' || p.numsegments || ':' || p.distkey::text || ':' "
            + "|| p.distclass::text";

    private final Callable<Connection> coordinator;
    private final String table;
    private final String slot;
    private final String dropSlotsKey;

    /**
     * @param coordinator    the task's connection to the coordinator
     * @param heartbeatTable the heartbeat table, which holds the records
     * @param dropSlotsKey   the setting that drops the slots with the offsets, for the remedy a failure gives
     */
    public RecordedPolicies(Callable<Connection> coordinator, TableId heartbeatTable, String slot, String dropSlotsKey) {
        this.coordinator = coordinator;
        this.table = heartbeatTable.quoted();
        this.slot = slot;
        this.dropSlotsKey = dropSlotsKey;
    }

    static String prefix(String slot) {
        return slot + "/policy/";
    }

    /** The text form of relation {@code relationOid}'s policy now, or {@link #NONE}. */
    static String current(Connection c, int relationOid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + POLICY_TEXT + " FROM gp_distribution_policy p "
                + "WHERE p.localoid = ?::oid")) {
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : NONE;
            }
        }
    }

    /**
     * Records the policies of {@code tables} and of their partitions (whose OIDs the changes come under) as they are
     * now; called before the slots are made, {@link #requireRecorded} checking them once the tables are locked.
     */
    static void recordAll(Connection c, TableId heartbeatTable, String slot, List<TableId> tables) throws SQLException {
        if (tables.isEmpty() || !Heartbeat.exists(c, heartbeatTable)) {
            return;
        }
        String table = heartbeatTable.quoted();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (slot_name, ts) "
                + "SELECT ? || p.localoid::bigint || '/' || " + POLICY_TEXT + ", now() FROM gp_distribution_policy p "
                + "WHERE p.localoid IN (SELECT relid FROM pg_partition_tree(to_regclass(?))) "
                + "ON CONFLICT (slot_name) DO NOTHING")) {
            for (TableId t : tables) {
                ps.setString(1, prefix(slot));
                ps.setString(2, t.quoted());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Fails where a table of {@code tables} is no longer distributed as {@link #recordAll} recorded: redistributed in
     * between, before the lock that keeps it from happening again was taken.
     */
    static void requireRecorded(Connection c, TableId heartbeatTable, String slot, List<TableId> tables) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT t.name FROM unnest(?::text[]) AS t(name) "
                + "CROSS JOIN LATERAL pg_partition_tree(to_regclass(t.name)) tree "
                + "JOIN gp_distribution_policy p ON p.localoid = tree.relid WHERE NOT EXISTS (SELECT 1 FROM "
                + heartbeatTable.quoted() + " h WHERE h.slot_name = ? || p.localoid::bigint || '/' || " + POLICY_TEXT + ")")) {
            ps.setArray(1, c.createArrayOf("text", tables.stream().map(TableId::quoted).toArray()));
            ps.setString(2, prefix(slot));
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new ConnectException("Table " + rs.getString(1) + " was redistributed while slot " + slot
                            + " was being made on the segments; the slots were not made: restart the task");
                }
            }
        }
    }

    /** Deletes the records of earlier slots named {@code slot}, where the heartbeat table exists. */
    static void forgetAll(Connection c, TableId heartbeatTable, String slot) throws SQLException {
        HeartbeatRows.deleteStartingWith(c, heartbeatTable, prefix(slot));
    }

    /**
     * Compares relation {@code relationOid}'s policy {@code now} with the recorded one: records it where none is (a table
     * captured after the slots were made, or slots made before policies were recorded), and fails naming the table
     * where it changed (or where two rows disagree: recorded on either side of a redistribution). A relation without a
     * policy now (dropped) is not compared.
     */
    void check(int relationOid, String now) throws SQLException {
        if (NONE.equals(now)) {
            return;
        }
        String mine = prefix(slot) + Integer.toUnsignedLong(relationOid) + "/";
        List<String> all = recordedAll(mine);
        // Two rows: tasks recorded it on either side of a redistribution (each at its first sight of the table).
        Optional<String> recorded = all.stream().filter(p -> !p.equals(now)).findFirst()
                .or(() -> all.stream().findFirst());
        if (recorded.isEmpty()) {
            try (PreparedStatement ps = coordinator().prepareStatement("INSERT INTO " + table + " (slot_name, ts) VALUES (?, now()) "
                    + "ON CONFLICT (slot_name) DO NOTHING")) {
                ps.setString(1, mine + now);
                ps.execute();
            }
            return;
        }
        if (!recorded.get().equals(now)) {
            throw new ConnectException("Table " + name(relationOid) + " (relation OID " + Integer.toUnsignedLong(relationOid)
                    + ") was redistributed since slot " + slot + " was made on the segments: its distribution policy "
                    + "(type:segments:key columns:operator classes) was " + recorded.get() + " and is now " + now
                    + " (ALTER TABLE ... SET DISTRIBUTED BY, or gpexpand). Its rows moved between segments without a "
                    + "decoded change, and a key's later changes come from another segment's task, which may be ahead of "
                    + "the one that had it: per-key order would no longer hold, so this task stops before sending any "
                    + "change of the new distribution. Copy every table again: PUT /connectors/<name>/stop, DELETE "
                    + "/connectors/<name>/offsets (with " + dropSlotsKey + "=true, or drop slot "
                    + slot + " on every segment yourself), then PUT /connectors/<name>/resume");
        }
    }

    /** The policy recorded for relation {@code relationOid}, if any. */
    Optional<String> recorded(int relationOid) throws SQLException {
        return recordedAll(prefix(slot) + Integer.toUnsignedLong(relationOid) + "/").stream().findFirst();
    }

    private List<String> recordedAll(String mine) throws SQLException {
        return HeartbeatRows.names(coordinator(), table, mine).stream().map(n -> n.substring(mine.length())).toList();
    }

    private String name(int relationOid) {
        try (PreparedStatement ps = coordinator().prepareStatement("SELECT ?::oid::regclass::text")) {
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "?";
            }
        } catch (SQLException e) {
            log.debug("Cannot name relation {}: {}", relationOid, e.getMessage());
            return "?";
        }
    }

    private Connection coordinator() throws SQLException {
        return HeartbeatRows.coordinator(coordinator);
    }
}
