package io.adbsync.sink;

import io.adbsync.stack.postgres.PostgresServer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** SQL helpers for this module's tests: run statements in one database of a test server, read one value. */
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

    /** The first column of the first row of {@code query}, or null where it returns no row. */
    public static String scalar(PostgresServer server, String database, String query) throws SQLException {
        try (Connection c = server.connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
