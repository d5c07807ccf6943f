package io.adbsync.source.catalog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * DDL the task runs at the source while it streams (publishing a table or partition found meanwhile, giving it REPLICA
 * IDENTITY FULL): it runs on the thread that reads the stream, so it waits at most {@value #LOCK_TIMEOUT} for a lock
 * another transaction holds (a transaction still writing to the table, which publishing it waits for; a CREATE INDEX,
 * VACUUM FULL, LOCK TABLE), and what it was for is tried again
 * {@value #RETRY_MS} ms later while every other table streams on.
 *
 * @param <K> what the DDL is for (a table's name, a partition's OID)
 */
public final class LockBoundedDdl<K> {

    private static final Logger log = LoggerFactory.getLogger(LockBoundedDdl.class);
    static final String LOCK_TIMEOUT = "1s";
    static final long RETRY_MS = 15_000;
    /**
     * What bounds the whole transaction's statements: lock_timeout counts per lock, and a LOCK of many tables (or of a
     * partitioned table's partitions) could otherwise keep the ones it holds from writers for a second each.
     */
    static final String STATEMENT_TIMEOUT = "2s";
    /**
     * SQLStates of a lock not granted in time, nothing changed: lock_timeout, a deadlock with another session's DDL,
     * statement_timeout.
     */
    private static final Set<String> NOT_GRANTED = Set.of("55P03", "40P01", "57014");

    private final Map<K, Long> lockedUntil = new HashMap<>();

    /** Whether {@code key} may be tried now: never refused a lock, or refused long enough ago. */
    public boolean due(K key, long nowMs) {
        Long until = lockedUntil.get(key);
        return until == null || nowMs >= until;
    }

    /**
     * Runs {@code statements} on {@code c} (in autocommit mode) in one transaction, all or nothing; false when a lock
     * was not granted (nothing changed), said once in a warning naming {@code what} until it is done.
     */
    public boolean run(Connection c, K key, String what, long nowMs, List<String> statements) throws SQLException {
        if (statements.isEmpty()) {
            lockedUntil.remove(key);
            return true;
        }
        try {
            inOneTransaction(c, statements);
        } catch (SQLException e) {
            if (lockNotGranted(e)) {
                if (lockedUntil.put(key, nowMs + RETRY_MS) == null) {
                    log.warn("{} is new to the connector, but another transaction holds a lock on it that making it "
                            + "capturable must wait for (a transaction still writing to it, a CREATE INDEX, VACUUM FULL or "
                            + "LOCK TABLE); the other tables stream on, and it is tried again every {} s until that "
                            + "transaction ends", what, RETRY_MS / 1000);
                }
                return false;
            }
            throw e;
        }
        lockedUntil.remove(key);
        return true;
    }

    /**
     * Runs {@code statements} on {@code c} (in autocommit mode) in one transaction, all or nothing, each waiting at most
     * {@value #LOCK_TIMEOUT} for a lock ({@link #lockNotGranted} tells that failure); {@code c} is in autocommit mode
     * again after, unless it was lost.
     */
    public static void inOneTransaction(Connection c, List<String> statements) throws SQLException {
        inTransaction(c, s -> {
            for (String statement : statements) {
                s.execute(statement);
            }
            return true;
        });
    }

    /** What one transaction run by {@link #inTransaction} does. */
    @FunctionalInterface
    public interface Work {
        /** Runs the transaction's statements on {@code s}; returns whether to commit them (else they are rolled back). */
        boolean run(Statement s) throws SQLException;
    }

    /**
     * Runs {@code work} on {@code c} (in autocommit mode) in one transaction whose waits are bounded as
     * {@link #inOneTransaction}'s are, committed or rolled back as it says, rolled back if it fails; {@code c} is in
     * autocommit mode again after, or closed where the transaction could not be ended.
     */
    public static void inTransaction(Connection c, Work work) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            s.execute("SET LOCAL statement_timeout = '" + STATEMENT_TIMEOUT + "'");
            if (work.run(s)) {
                c.commit();
            } else {
                c.rollback();
            }
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
                c.setAutoCommit(true);
            } catch (SQLException lost) {
                e.addSuppressed(lost);
                // Never reused inside the transaction it could not end: the caller reconnects.
                try {
                    c.close();
                } catch (SQLException ignored) {
                    e.addSuppressed(ignored);
                }
            }
            throw e;
        }
        c.setAutoCommit(true);
    }

    /** Whether {@code e} is a lock not granted in time (or a deadlock that cancelled this side): nothing was changed. */
    public static boolean lockNotGranted(SQLException e) {
        return NOT_GRANTED.contains(e.getSQLState());
    }

    /** Forgets {@code key} (the table is gone). */
    public void forget(K key) {
        lockedUntil.remove(key);
    }
}
