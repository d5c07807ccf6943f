package io.adbsync.source.catalog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * DDL the task runs at the source while it streams (publishing a table or partition found meanwhile, giving it REPLICA
 * IDENTITY FULL): it runs on the thread that reads the stream, so it waits at most {@value #LOCK_TIMEOUT} for a lock
 * another transaction holds (a CREATE INDEX, VACUUM FULL, LOCK TABLE), and what it was for is tried again
 * {@value #RETRY_MS} ms later while every other table streams on.
 *
 * @param <K> what the DDL is for (a table's name, a partition's OID)
 */
public final class LockBoundedDdl<K> {

    private static final Logger log = LoggerFactory.getLogger(LockBoundedDdl.class);
    static final String LOCK_TIMEOUT = "1s";
    static final long RETRY_MS = 15_000;
    /** SQLState of a lock not granted within lock_timeout. */
    private static final String LOCK_NOT_AVAILABLE = "55P03";

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
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
            for (String statement : statements) {
                s.execute(statement);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
                c.setAutoCommit(true);
            } catch (SQLException lost) {
                e.addSuppressed(lost);
                throw e;
            }
            if (e instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
                if (lockedUntil.put(key, nowMs + RETRY_MS) == null) {
                    log.warn("{} is new to the connector, but another transaction holds a lock on it that making it "
                            + "capturable must wait for (a CREATE INDEX, VACUUM FULL or LOCK TABLE); the other tables stream "
                            + "on, and it is tried again every {} s until that transaction ends", what, RETRY_MS / 1000);
                }
                return false;
            }
            throw e;
        }
        c.setAutoCommit(true);
        lockedUntil.remove(key);
        return true;
    }

    /** Forgets {@code key} (the table is gone). */
    public void forget(K key) {
        lockedUntil.remove(key);
    }
}
