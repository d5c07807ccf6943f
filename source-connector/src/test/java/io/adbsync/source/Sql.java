package io.adbsync.source;

import io.adbsync.stack.postgres.PostgresServer;

import java.sql.SQLException;

/** SQL helper for this module's tests: run statements in one database of a test server. */
public final class Sql {

    private Sql() {
    }

    /** Runs {@code statements} in order on one connection to {@code database} ({@link PostgresServer#execute}). */
    public static void sql(PostgresServer server, String database, String... statements) throws SQLException {
        server.execute(database, statements);
    }
}
