package io.adbsync.stack.verify;

import io.adbsync.common.contract.EventContract;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.postgres.ClientCredentials;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** {@code bin/adbsync verify}: compares source and destination table by table and reports every difference. */
public final class Verify {

    private Verify() {
    }

    /** {@link #run(String, String, List, TableId, int, PrintStream)} for a source with the connector's default heartbeat table. */
    public static List<TableDiff> run(String sourceUrl, String sinkUrl, List<String> tables, int chunkRows, PrintStream out)
            throws SQLException {
        return run(sourceUrl, sinkUrl, tables, TableId.parse(EventContract.DEFAULT_HEARTBEAT_TABLE), chunkRows, out);
    }

    /**
     * Compares {@code tables}, each schema.table (when empty, all source tables with a primary key but {@code heartbeatTable}, the
     * source connector's {@code heartbeat.table}); returns the per-table outcomes. A URL without a password parameter
     * takes it from PGPASSWORD or the password file, as psql would.
     */
    public static List<TableDiff> run(String sourceUrl, String sinkUrl, List<String> tables, TableId heartbeatTable, int chunkRows,
                                      PrintStream out) throws SQLException {
        List<TableDiff> diffs = new ArrayList<>();
        ClientCredentials credentials = ClientCredentials.ofProcess();
        try (Connection source = DriverManager.getConnection(sourceUrl, credentials.forUrl(sourceUrl));
             Connection destination = DriverManager.getConnection(sinkUrl, credentials.forUrl(sinkUrl))) {
            source.setReadOnly(true);
            List<String> names = tables.isEmpty()
                    ? TableVerifier.tablesWithPrimaryKey(source, heartbeatTable).stream().map(TableId::toString).toList() : tables;
            TableVerifier verifier = new TableVerifier(chunkRows);
            for (String table : names) {
                TableDiff diff = table.indexOf('.') < 0
                        ? new TableDiff(table, 0, 0, 0, List.of(), "not a schema.table name")
                        : verifier.compare(source, destination, TableId.parse(table));
                diffs.add(diff);
                out.println(diff.describe());
            }
        }
        long different = diffs.stream().filter(d -> !d.equal()).count();
        out.println(different == 0 ? "All " + diffs.size() + " table(s) equal." : different + " of " + diffs.size() + " table(s) differ.");
        return diffs;
    }
}
