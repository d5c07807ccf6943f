package io.adbsync.common.jdbc;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientException;

/**
 * The one place SQL errors are classified. Connection loss and server overload are transient (retry within the
 * retry window); constraint and data errors belong to the record at hand; authentication, privilege and syntax
 * errors, and a connection TLS refused ({@link TlsFailures}), will not go away by retrying.
 */
public final class SqlErrors {

    /** What a failure means for the caller. */
    public enum Kind {
        /** Connection lost, server restarting, out of resources, serialization failure, deadlock, timeouts: retry. */
        TRANSIENT,
        /** The data itself is wrong (SQLState classes 22 and 23, 54000): the record goes to the dead-letter queue. */
        DATA,
        /** Retrying will not help: authentication, privileges, missing objects, syntax. */
        FATAL
    }

    private SqlErrors() {
    }

    /**
     * Whether a transient failure is a lost connection (connection-class SQLState 08, the server shutting down or
     * starting, 57P0x, or an I/O failure underneath) rather than contention or overload: the two get retry windows
     * of their own.
     */
    public static boolean isConnectionLoss(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P");
    }

    /** Whether the server refused the login: wrong password or user, or no entry in pg_hba.conf (SQLState class 28). */
    public static boolean isAuthenticationFailure(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("28");
    }

    /** Whether the database to connect to does not exist (3D000). */
    public static boolean isUndefinedDatabase(SQLException e) {
        return "3D000".equals(e.getSQLState());
    }

    /** Whether a table named or looked up is gone (42P01): dropped, or never there. */
    public static boolean isUndefinedTable(SQLException e) {
        return "42P01".equals(e.getSQLState());
    }

    public static Kind classify(SQLException e) {
        if (TlsFailures.hint(e) != null) {
            // Reported like a lost connection, with an I/O exception underneath, but the same again on every retry.
            return Kind.FATAL;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof SQLTransientException) {
                return Kind.TRANSIENT;
            }
        }
        String state = e.getSQLState();
        if (state == null || state.length() < 2) {
            // pgjdbc reports an I/O failure on a closed socket without a state in some paths.
            return Kind.TRANSIENT;
        }
        String cls = state.substring(0, 2);
        return switch (cls) {
            case "08", "53", "58" -> Kind.TRANSIENT;
            // 57P01..03: shutdown/starting up; 57014: statement_timeout or a cancel, the statement gave up waiting.
            case "57" -> Kind.TRANSIENT;
            case "40" -> Kind.TRANSIENT; // 40001 serialization failure, 40P01 deadlock
            // 55006 object in use (a slot still held by an old session), 55P03 lock_timeout: both wait on another session.
            case "55" -> state.equals("55006") || state.equals("55P03") ? Kind.TRANSIENT : Kind.FATAL;
            case "22", "23" -> Kind.DATA;
            // program_limit_exceeded: a value too big for what holds it ("index row size … exceeds btree maximum").
            case "54" -> state.equals("54000") ? Kind.DATA : Kind.FATAL;
            default -> Kind.FATAL;
        };
    }
}
