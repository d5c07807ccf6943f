package io.adbsync.sink.session;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.config.SinkConfig.ReplicationRole;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Puts a sink session under {@value SinkConfig#SESSION_REPLICATION_ROLE}, and says what an administrator can do when
 * the connector's user may not set it: the one place the precheck and the task share, so that both say the same.
 */
public final class ReplicationRoleSession {

    private static final String PARAMETER = "session_replication_role";
    /** The first PostgreSQL release where a superuser can GRANT SET ON PARAMETER to a role. */
    private static final int GRANT_SET_SINCE = 150000;
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private ReplicationRoleSession() {
    }

    /**
     * Makes the session of {@code c} run under {@code role} for its whole life, unless it already does (a superuser
     * attached the setting to the user or database). Returns null when it does; else what stops it and how to fix it.
     * {@code c} must be in auto-commit mode: a SET inside a transaction would be undone by its rollback.
     */
    public static String apply(Connection c, ReplicationRole role) throws SQLException {
        String current;
        int version;
        String user;
        try (PreparedStatement ps = c.prepareStatement("SELECT current_setting(?), "
                + "current_setting('server_version_num')::int, current_user::text")) {
            ps.setString(1, PARAMETER);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                current = rs.getString(1);
                version = rs.getInt(2);
                user = rs.getString(3);
            }
        }
        if (role.value().equals(current)) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT set_config(?, ?, false)")) {
            ps.setString(1, PARAMETER);
            ps.setString(2, role.value());
            ps.execute();
            return null;
        } catch (SQLException e) {
            if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                throw e;
            }
            return refusal(role, current, user, version);
        }
    }

    /** Why {@code user}, whose sessions start under {@code current}, may not run under {@code role}, and what to do. */
    static String refusal(ReplicationRole role, String current, String user, int serverVersion) {
        String setting = SinkConfig.SESSION_REPLICATION_ROLE + "=" + role.value();
        String quoted = SqlIdentifiers.quote(user);
        if (role == ReplicationRole.ORIGIN) {
            return "User " + user + " starts its sessions with " + PARAMETER + " = " + current + " (set for the user or "
                    + "the database) and may not change it to origin, which " + setting + " asks for. Set "
                    + SinkConfig.SESSION_REPLICATION_ROLE + "=replica, or have a superuser remove that setting (ALTER ROLE "
                    + quoted + " RESET " + PARAMETER + ", or ALTER DATABASE ... RESET " + PARAMETER + ")";
        }
        String alterRole = "ALTER ROLE " + quoted + " SET " + PARAMETER + " = replica";
        String how = serverVersion >= GRANT_SET_SINCE
                ? "GRANT SET ON PARAMETER " + PARAMETER + " TO " + quoted + "; or " + alterRole + " (every session of the "
                        + "user then starts under it)"
                : alterRole + " (before PostgreSQL 15 only a superuser may set " + PARAMETER + "; a setting a superuser "
                        + "attached to the user applies to its every session)";
        return "User " + user + " may not set " + PARAMETER + " to replica, which " + setting + " (the default) asks "
                + "for: under it the destination's foreign keys and triggers do not act on replicated rows, which a "
                + "batch writes table by table in any order, as PostgreSQL's own logical replication applies them. Run, "
                + "as a superuser: " + how + "; or connect as a superuser; or set " + SinkConfig.SESSION_REPLICATION_ROLE
                + "=origin, where they act on every replicated row, and drop or disable the foreign keys between "
                + "replicated tables and the triggers that change values until switchover (docs/operations.md, "
                + "\"Foreign keys and triggers at the destination\")";
    }
}
