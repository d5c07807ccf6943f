package io.adbsync.stack.postgres;

import io.adbsync.common.sql.SqlIdentifiers;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/** Creates uniquely named databases, so tests sharing one server never see each other's tables. */
final class DatabaseNames {

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,40}");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private DatabaseNames() {
    }

    static String create(PostgresServer server, String prefix) throws SQLException {
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

    static void drop(PostgresServer server, String name) throws SQLException {
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
            // Slots keep a database busy; a test that leaves one behind must not leak the database too.
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = "
                    + SqlIdentifiers.literal(name) + " AND NOT active");
            s.execute("DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(name) + " WITH (FORCE)");
        }
    }
}
