package io.adbsync.source.catalog;

import org.apache.kafka.connect.errors.ConnectException;

import java.sql.SQLException;

/**
 * A catalog query made while converting a change (unchanged-TOAST re-read, connector-side row filter) failed; it
 * carries the SQLException so the task can tell a lost connection (reconnect and read the change again) from a
 * failure that names a table and column for the user.
 */
public final class SourceQueryException extends ConnectException {

    private final SQLException cause;

    public SourceQueryException(String message, SQLException cause) {
        super(message, cause);
        this.cause = cause;
    }

    public SQLException sqlException() {
        return cause;
    }
}
