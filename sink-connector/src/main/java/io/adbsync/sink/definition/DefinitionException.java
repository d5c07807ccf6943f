package io.adbsync.sink.definition;

import org.apache.kafka.connect.errors.ConnectException;

/**
 * A definition the destination cannot be brought to without someone deciding (a column type its values cannot be
 * cast to, a table that exists under {@code table.conflict.mode=fail}): the message names the object and what to do.
 * Retrying does not help; nothing of the definition was committed.
 */
public class DefinitionException extends ConnectException {

    public DefinitionException(String message) {
        super(message);
    }

    public DefinitionException(String message, Throwable cause) {
        super(message, cause);
    }
}
