package io.adbsync.stack.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** A running PostgreSQL server with {@code wal_level=logical} that hands out databases to tests and the demo. */
public interface PostgresServer extends AutoCloseable {

    String host();

    int port();

    /** A superuser (with REPLICATION) of this server. */
    String user();

    /** The superuser's password, or null where the server trusts local connections. */
    String password();

    /** Where this server comes from, for logs: "local binaries", "testcontainers", "ADBSYNC_TEST_PG_URL". */
    String kind();

    default String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Creates a fresh database named {@code prefix} plus a unique suffix and returns its name. */
    default String createDatabase(String prefix) throws SQLException {
        return DatabaseNames.create(this, prefix);
    }

    /** Drops a database made by {@link #createDatabase}, ending the sessions still connected to it. */
    default void dropDatabase(String name) throws SQLException {
        DatabaseNames.drop(this, name);
    }

    default Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user());
        if (password() != null) {
            props.setProperty("password", password());
        }
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    /** Runs {@code statements} in order on one connection to {@code database}. */
    default void execute(String database, String... statements) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    /** The first column of the first row of {@code query} in {@code database}, or null where it returns no row. */
    default String scalar(String database, String query) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Whether {@link #stop()} and {@link #start()} can take this server down and up again (fault tests). */
    boolean restartable();

    /** Stops the server; with {@code immediate} it is killed without a checkpoint, as on a crash. */
    void stop(boolean immediate);

    /** Starts a stopped server again on the same port with the same data. */
    void start();

    @Override
    void close();
}
