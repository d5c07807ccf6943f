package io.adbsync.source.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The lock every change that adds tables to the publication takes on them first, in the same transaction as the change.
 * <p>
 * Why: a transaction that wrote to a table before the table was added and commits after it is decoded with the catalog
 * of before the change, and a server without PostgreSQL's fix of May 2025 (before 13.21, 14.18, 15.13, 16.9 and 17.5;
 * every Greenplum 7 and AnalyticDB 7, PostgreSQL 12 inside) then keeps the table as unpublished in that walsender's
 * cache: every later change of the table is left out of the stream, silently, until the walsender restarts. Adding a
 * table takes only SHARE UPDATE EXCLUSIVE, which lets writers on. SHARE ROW EXCLUSIVE waits for every transaction that
 * holds a writer's lock on the table (ROW EXCLUSIVE, or stronger) and keeps new ones out until the change commits, so
 * none straddles it; readers go on. It conflicts with itself, unlike SHARE: two sessions publishing the same table
 * (two connectors, or one and an administrator) take it one after the other instead of each holding SHARE and waiting
 * for the other's at the ALTER. The tables are locked in one order for the same reason.
 */
public final class PublishingLock {

    /** What an administrator's transaction waits at most for the lock, so that a long writer cannot stall the rest. */
    static final String ADMINISTRATOR_LOCK_TIMEOUT = "5s";

    private PublishingLock() {
    }

    /** {@code LOCK TABLE ... IN SHARE ROW EXCLUSIVE MODE} for {@code quotedTables}, each already quoted. */
    public static String statement(List<String> quotedTables) {
        if (quotedTables.isEmpty()) {
            throw new IllegalArgumentException("No table to lock");
        }
        return "LOCK TABLE " + String.join(", ", new TreeSet<>(quotedTables)) + " IN SHARE ROW EXCLUSIVE MODE";
    }

    /**
     * {@code statements}, which add {@code quotedTables} to the publication, with the lock on those tables first: for one
     * transaction the connector runs. Unchanged when there is no table to add.
     */
    public static List<String> lockedFirst(List<String> quotedTables, List<String> statements) {
        if (quotedTables.isEmpty()) {
            return statements;
        }
        List<String> locked = new ArrayList<>();
        locked.add(statement(quotedTables));
        locked.addAll(statements);
        return locked;
    }

    /**
     * What an administrator runs to make {@code statements} (which add {@code quotedTables} to the publication) safe on
     * every server: one transaction that locks the tables first, waiting for that at most
     * {@value #ADMINISTRATOR_LOCK_TIMEOUT} (a timeout means a transaction still writes to them: run it again later).
     * Unchanged when there is no table to add.
     */
    public static List<String> forAdministrator(List<String> quotedTables, List<String> statements) {
        if (quotedTables.isEmpty()) {
            return statements;
        }
        List<String> wrapped = new ArrayList<>();
        wrapped.add("BEGIN");
        wrapped.add("SET LOCAL lock_timeout = '" + ADMINISTRATOR_LOCK_TIMEOUT + "'");
        wrapped.addAll(lockedFirst(quotedTables, statements));
        wrapped.add("COMMIT");
        return wrapped;
    }
}
