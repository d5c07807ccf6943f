package io.adbsync.source.pgoutput;

/** The server sent bytes that do not follow the pgoutput protocol as this decoder knows it. */
public class PgOutputProtocolException extends RuntimeException {

    public PgOutputProtocolException(String message) {
        super(message);
    }
}
