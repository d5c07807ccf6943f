package io.adbsync.sink.error;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the message a user sees for a record the destination refused: where the record is, which table and column. */
public final class RecordFailure {

    private static final Pattern COPY_COLUMN = Pattern.compile("column (\\S+?)(?::|$)");

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
