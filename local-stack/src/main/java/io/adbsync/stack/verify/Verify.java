package io.adbsync.stack.verify;

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

    /**
     * Compares {@code tables} (all source tables with a primary key when empty); returns the per-table outcomes. A
     * URL without a password parameter takes it from PGPASSWORD or the password file, as psql would.
     */
    public static List<TableDiff> run(String sourceUrl, String sinkUrl, List<String> tables, int chunkRows, PrintStream out)
            throws SQLException {
        List<TableDiff> diffs = new ArrayList<>();
        ClientCredentials credentials = ClientCredentials.ofProcess();
        try (Connection source = DriverManager.getConnection(sourceUrl, credentials.forUrl(sourceUrl));
             Connection destination = DriverManager.getConnection(sinkUrl, credentials.forUrl(sinkUrl))) {
            source.setReadOnly(true);
            List<String> names = tables.isEmpty() ? TableVerifier.tablesWithPrimaryKey(source) : tables;
            TableVerifier verifier = new TableVerifier(chunkRows);
            for (String table : names) {
                TableDiff diff = verifier.compare(source, destination, table);
                diffs.add(diff);
                out.println(diff.describe());
            }
        }
        long different = diffs.stream().filter(d -> !d.equal()).count();
        out.println(different == 0 ? "All " + diffs.size() + " table(s) equal." : different + " of " + diffs.size() + " table(s) differ.");
        return diffs;
    }
}
