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
import java.util.Set;
import java.util.TreeSet;

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
     * Compares {@code tables}, each schema.table (when empty, all source tables a key identifies the rows of but {@code heartbeatTable}, the
     * source connector's {@code heartbeat.table}); returns the per-table outcomes. The sequences of the tables' schemas
     * are compared too and printed (a destination sequence behind the source's is not ready for a switchover), without
     * counting as a table difference. A URL without a password parameter
     * takes it from PGPASSWORD or the password file, as psql would.
     */
    public static List<TableDiff> run(String sourceUrl, String sinkUrl, List<String> tables, TableId heartbeatTable, int chunkRows,
                                      PrintStream out) throws SQLException {
        List<TableDiff> diffs = new ArrayList<>();
        List<SequenceVerifier.SequenceDiff> sequences;
        ClientCredentials credentials = ClientCredentials.ofProcess();
        try (Connection source = DriverManager.getConnection(sourceUrl, credentials.forUrl(sourceUrl));
             Connection destination = DriverManager.getConnection(sinkUrl, credentials.forUrl(sinkUrl))) {
            source.setReadOnly(true);
            List<TableId> ids = new ArrayList<>();
            if (tables.isEmpty()) {
                TableVerifier.SourceTables found = TableVerifier.sourceTables(source, heartbeatTable);
                ids.addAll(found.keyed());
                found.notCaptured().forEach(t -> out.println(t + ": not compared (no primary key or replica identity index: "
                        + "the source connector does not capture it)"));
            }
            TableVerifier verifier = new TableVerifier(chunkRows);
            for (String table : tables) {
                if (table.indexOf('.') < 0) {
                    TableDiff diff = new TableDiff(table, 0, 0, 0, List.of(), "not a schema.table name");
                    diffs.add(diff);
                    out.println(diff.describe());
                } else {
                    ids.add(TableId.parse(table));
                }
            }
            for (TableId id : ids) {
                TableDiff diff = verifier.compare(source, destination, id);
                diffs.add(diff);
                out.println(diff.describe());
            }
            Set<String> schemas = new TreeSet<>();
            ids.forEach(id -> schemas.add(id.schema()));
            try {
                sequences = SequenceVerifier.compare(source, destination, schemas);
                sequences.forEach(d -> out.println(d.describe()));
            } catch (SQLException e) {
                // A server without pg_sequences (Greenplum 6 and others before PostgreSQL 10): tables are still compared.
                sequences = List.of();
                out.println("sequences: not compared (" + e.getMessage() + ")");
            }
        }
        long different = diffs.stream().filter(d -> !d.equal()).count();
        if (!sequences.isEmpty()) {
            long behind = sequences.stream().filter(d -> !d.ready()).count();
            out.println(behind == 0 ? "All " + sequences.size() + " sequence(s) at or past the source's."
                    : behind + " of " + sequences.size() + " sequence(s) not ready for a switchover (see above).");
        }
        out.println(different == 0 ? "All " + diffs.size() + " table(s) equal." : different + " of " + diffs.size() + " table(s) differ.");
        return diffs;
    }
}
