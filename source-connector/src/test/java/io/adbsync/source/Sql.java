package io.adbsync.source;

import io.adbsync.stack.postgres.PostgresServer;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** SQL helper for this module's tests: run statements in one database of a test server. */
public final class Sql {

    private Sql() {
    }

    /** Runs {@code statements} in order on one connection to {@code database}. */
    public static void sql(PostgresServer server, String database, String... statements) throws SQLException {
        try (Connection c = server.connect(database); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }
}
