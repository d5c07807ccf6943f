package io.adbsync.source.greenplum;

import io.adbsync.common.sql.TableId;
import io.adbsync.source.heartbeat.Heartbeat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Rows of the heartbeat table that the segments' tasks share through the coordinator, named by paths under the slot's
 * name (truncate meetings, recorded distribution policies): the one table every task may already write.
 */
public final class HeartbeatRows {

    /** The rows whose name starts with the bound text (bound twice). */
    public static final String STARTS_WITH = "left(slot_name, length(?)) = ?";

    private HeartbeatRows() {
    }

    /** The names in {@code quotedTable} that start with {@code prefix}, oldest first. */
    public static List<String> names(Connection c, String quotedTable, String prefix) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT slot_name FROM " + quotedTable + " WHERE " + STARTS_WITH
                + " ORDER BY ts, slot_name")) {
            ps.setString(1, prefix);
            ps.setString(2, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    /** The names in {@code quotedTable} that start with {@code prefix}, with when each was last written (µs since 1970). */
    public static Map<String, Long> stamped(Connection c, String quotedTable, String prefix) throws SQLException {
        Map<String, Long> rows = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT slot_name, (extract(epoch FROM ts) * 1000000)::bigint FROM "
                + quotedTable + " WHERE " + STARTS_WITH + " ORDER BY ts, slot_name")) {
            ps.setString(1, prefix);
            ps.setString(2, prefix);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return rows;
    }

    /** Writes row {@code name} into {@code quotedTable}, or stamps it anew where it is there. */
    public static void upsert(Connection c, String quotedTable, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + quotedTable + " (slot_name, ts) VALUES (?, now()) "
                + "ON CONFLICT (slot_name) DO UPDATE SET ts = EXCLUDED.ts")) {
            ps.setString(1, name);
            ps.execute();
        }
    }

    /** Deletes rows {@code names} of {@code quotedTable}. */
    public static void delete(Connection c, String quotedTable, List<String> names) throws SQLException {
        if (names.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + quotedTable + " WHERE slot_name = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            ps.execute();
        }
    }

    /** Deletes the rows of {@code heartbeatTable} whose name starts with {@code prefix}, where the table exists. */
    public static int deleteStartingWith(Connection c, TableId heartbeatTable, String prefix) throws SQLException {
        if (!Heartbeat.exists(c, heartbeatTable)) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + heartbeatTable.quoted() + " WHERE " + STARTS_WITH)) {
            ps.setString(1, prefix);
            ps.setString(2, prefix);
            return ps.executeUpdate();
        }
    }

    /** The task's coordinator connection, a failure to get it as an SQLException of a lost connection. */
    public static Connection coordinator(Callable<Connection> coordinator) throws SQLException {
        try {
            return coordinator.call();
        } catch (SQLException e) {
            throw e;
        } catch (Exception e) {
            throw new SQLException("Cannot reach the coordinator: " + e.getMessage(), "08006", e);
        }
    }
}
