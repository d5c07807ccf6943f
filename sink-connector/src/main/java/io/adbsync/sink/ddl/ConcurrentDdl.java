package io.adbsync.sink.ddl;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * Runs DDL that another task of the connector may run at the same moment (tasks of one topic's partitions create
 * the same table, the same offsets table, the same column). The server lets one win; the other gets a duplicate
 * error once the winner commits, and must go on with what the winner made instead of failing.
 */
public final class ConcurrentDdl {

    /** How often the DDL is tried again when it lost a race and the catalog still lacks what it makes. */
    public static final int ATTEMPTS = 3;

    /**
     * Duplicate schema, table, column or object, and a unique violation in a catalog index (a concurrent CREATE of the
     * same name fails on pg_namespace/pg_type's unique index rather than with duplicate_table).
     */
    private static final Set<String> DUPLICATE = Set.of("42P06", "42P07", "42701", "42710", "23505");

    private ConcurrentDdl() {
    }

    /**
     * Runs {@code statements} and commits them; on any failure rolls back. A failure because another session made
     * one of the objects meanwhile is thrown as {@link LostRace}: the caller reads the catalog again.
     */
    public static void execute(Connection c, String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            if (lostRace(e)) {
                throw new LostRace(e);
            }
            throw e;
        } catch (RuntimeException e) {
            c.rollback();
            throw e;
        }
    }

    /** Whether {@code e} is the failure of DDL that another session made the same object with first. */
    public static boolean lostRace(SQLException e) {
        return DUPLICATE.contains(e.getSQLState());
    }

    /** The DDL was rolled back because another session made the same object first; same message and SQLState. */
    public static final class LostRace extends SQLException {
        LostRace(SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
        }
    }
}
