package io.adbsync.sink;

import io.adbsync.stack.postgres.PostgresServer;

import java.sql.SQLException;

/** SQL helpers for this module's tests: run statements in one database of a test server, read one value. */
public final class Sql {

    private Sql() {
    }

    /** Runs {@code statements} in order on one connection to {@code database} ({@link PostgresServer#execute}). */
    public static void sql(PostgresServer server, String database, String... statements) throws SQLException {
        server.execute(database, statements);
    }

    /** The first column of the first row of {@code query}, or null where it returns no row. */
    public static String scalar(PostgresServer server, String database, String query) throws SQLException {
        return server.scalar(database, query);
    }
}
