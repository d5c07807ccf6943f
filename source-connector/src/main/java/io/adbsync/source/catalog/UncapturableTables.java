package io.adbsync.source.catalog;

import io.adbsync.common.jdbc.PgCatalog;
import io.adbsync.common.sql.TableId;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the tables the filter matches that cannot be captured: those whose records would have no key (the sink
 * applies changes by key), and those whose own UPDATE and DELETE PostgreSQL would refuse once they are in a
 * publication (no replica identity). Validation refuses them; a task leaves them out of the publication, so a keyless
 * table created at the source later never breaks the application's writes.
 */
public final class UncapturableTables {

    private static final int MAX_TABLES_NAMED = 10;

    /** A table that cannot be captured, and why. */
    public record Uncapturable(String table, String reason) {
    }

    private UncapturableTables() {
    }

    /**
     * The captured tables (per {@code filter}, without the heartbeat table) that cannot be captured;
     * with {@code identityFullForAll} the task sets REPLICA IDENTITY FULL on every captured table, so only the key is
     * missing where there is no primary key.
     */
    public static List<Uncapturable> find(Connection c, TableFilter filter, TableId heartbeat, boolean identityFullForAll)
            throws SQLException {
        List<Uncapturable> found = new ArrayList<>();
        for (PgCatalog.Table t : PgCatalog.tables(c, false)) {
            if (!filter.captures(t.schema(), t.name()) || (t.schema().equals(heartbeat.schema()) && t.name().equals(heartbeat.table()))) {
                continue;
            }
            if (!t.keyed()) {
                found.add(new Uncapturable(t.qualifiedName(), "no primary key or replica identity index"));
            } else if (t.replicaIdentity() == 'n' && !identityFullForAll) {
                found.add(new Uncapturable(t.qualifiedName(), "REPLICA IDENTITY NOTHING"));
            }
        }
        return found;
    }

    /** What the user reads in the validate response and in the task's log: the tables, why, and what to do. */
    public static String message(List<Uncapturable> tables) {
        List<String> named = tables.subList(0, Math.min(MAX_TABLES_NAMED, tables.size())).stream()
                .map(t -> t.table() + " (" + t.reason() + ")").toList();
        return tables.size() + " table(s) matched by table.include.list cannot be captured: "
                + String.join(", ", named)
                + (tables.size() > MAX_TABLES_NAMED ? " and " + (tables.size() - MAX_TABLES_NAMED) + " more" : "")
                + ". Without a primary key their records would have no key, so the sink could not apply them; without a "
                + "replica identity, publishing them would make their own UPDATE and DELETE fail at the source. Add a "
                + "primary key (or ALTER TABLE ... REPLICA IDENTITY USING INDEX on a unique index of NOT NULL columns; "
                + "for REPLICA IDENTITY NOTHING, ALTER TABLE ... REPLICA IDENTITY DEFAULT), or leave them out with "
                + "table.exclude.list";
    }
}
