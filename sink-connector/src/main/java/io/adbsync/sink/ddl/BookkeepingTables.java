package io.adbsync.sink.ddl;

import io.adbsync.common.sql.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Tables the connector keeps its own state in (offsets, truncate barriers): created on first need by whichever of its
 * tasks gets there first, possibly several at once.
 */
public final class BookkeepingTables {

    private BookkeepingTables() {
    }

    /** Whether {@code table} exists. Ends the transaction. */
    public static boolean exists(Connection c, TableId table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table.regclassText());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean exists = rs.getBoolean(1);
                c.commit();
                return exists;
            }
        }
    }

    /**
     * Creates {@code table} with {@code createTable}, and its schema where that is missing too, unless the table
     * exists. It looks first: {@code CREATE TABLE IF NOT EXISTS} needs CREATE on the schema even where the table
     * exists, and {@code CREATE SCHEMA IF NOT EXISTS} the database's CREATE privilege even where the schema exists,
     * while a table an administrator made needs no more than the rights to read and write it. A task that loses the
     * race to another looks again.
     */
    public static void ensure(Connection c, TableId table, String createTable) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            if (exists(c, table)) {
                return;
            }
            try {
                List<String> ddl = new ArrayList<>(DestinationCatalog.createSchemaIfMissing(c, table.schema()));
                ddl.add(createTable);
                ConcurrentDdl.execute(c, ddl.toArray(String[]::new));
                return;
            } catch (ConcurrentDdl.LostRace e) {
                // Another task made the table, or only its schema: look again.
                if (exists(c, table)) {
                    return;
                }
                if (attempt == ConcurrentDdl.ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
