package io.adbsync.sink.error;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.SQLException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the message a user sees for a record the destination refused: where the record is, which table and column. */
public final class RecordFailure {

    private static final Pattern COPY_COLUMN = Pattern.compile("column (\\S+?)(?::|$)");
    /**
     * What DDL for a record's columns fails with when the record asks for something no table can have: syntax error
     * and invalid or too long names (a name the server cannot take), a system column's name (42701), an undefined
     * type, a reserved name, too many columns or a too large value. Privilege errors are not here: they are the
     * config's, and must not send every record to the dead-letter queue.
     */
    private static final Set<String> SCHEMA_STATES = Set.of("42601", "42602", "42622", "42701", "42704", "42939", "54000", "54011");

    private RecordFailure() {
    }

    /** The column the server blames, from the error fields or the COPY context; null when it names none. */
    public static String column(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            if (m.getColumn() != null) {
                return m.getColumn();
            }
            if (m.getWhere() != null) {
                Matcher matcher = COPY_COLUMN.matcher(m.getWhere());
                if (matcher.find()) {
                    return matcher.group(1);
                }
            }
        }
        return null;
    }

    /** Whether DDL (or a type lookup) for a record failed because of what the record asks for. */
    public static boolean schemaCaused(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || SCHEMA_STATES.contains(state));
    }

    public static String message(String coordinates, String table, SQLException e) {
        String column = column(e);
        return "The destination refused the record at " + coordinates + " for table " + table
                + (column == null ? "" : ", column " + column) + ": " + firstLine(e.getMessage())
                + " (SQLState " + e.getSQLState() + ")";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
