package io.adbsync.stack.postgres;

import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.sql.SqlIdentifiers;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/** Creates uniquely named databases, so tests sharing one server never see each other's tables. */
public final class DatabaseNames {

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,40}");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String OBJECT_IN_USE = "55006";

    private DatabaseNames() {
    }

    public static String create(PostgresServer server, String prefix) throws SQLException {
        String lower = prefix.toLowerCase(Locale.ROOT);
        if (!PREFIX.matcher(lower).matches()) {
            throw new IllegalArgumentException("A database prefix must be a lower-case identifier of at most 41 characters: " + prefix);
        }
        String name = lower + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + SqlIdentifiers.quote(name));
        }
        return name;
    }

    public static void drop(PostgresServer server, String name) throws SQLException {
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
            // Slots keep a database busy; a test that leaves one behind must not leak the database too.
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = "
                    + SqlIdentifiers.literal(name) + " AND NOT active");
            if (ServerCapabilities.of(c).dropDatabaseForce()) {
                s.execute("DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(name) + " WITH (FORCE)");
            } else {
                dropWithoutForce(s, name);
            }
        }
    }

    /**
     * Before PostgreSQL 13 (Greenplum 7 is 12-based) there is no {@code WITH (FORCE)}: end the sessions first. On
     * Greenplum the segments' backends of an ended session leave a moment later, so "in use" is retried for a while.
     */
    private static void dropWithoutForce(Statement s, String name) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = " + SqlIdentifiers.literal(name)
                    + " AND pid <> pg_backend_pid()");
            try {
                s.execute("DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(name));
                return;
            } catch (SQLException e) {
                if (!OBJECT_IN_USE.equals(e.getSQLState()) || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("Interrupted while dropping database " + name, e);
            }
        }
    }
}
