package io.adbsync.stack.switchover;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.postgres.ClientCredentials;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code bin/adbsync switchover}: what {@code schema.sync=all} deliberately leaves different at the destination until
 * the switchover (identity columns {@code BY DEFAULT}, rules on tables not created, a sequence behind), printed as an
 * SQL script and, with {@code apply}, run there in one transaction.
 */
public final class Switchover {

    /** Exit code when nothing is left to do, or everything was applied. */
    public static final int DONE = 0;
    /** Exit code when applying failed and was rolled back. */
    public static final int FAILED = 1;
    /** Exit code when statements (or findings that take a person) are pending. */
    public static final int PENDING = 3;

    /** The command line: URLs without passwords ({@link ClientCredentials} finds them), tables (empty: all), apply or not. */
    public record Options(String sourceUrl, String sinkUrl, List<TableId> tables, boolean apply, ClientCredentials credentials) {

        public Options {
            tables = List.copyOf(tables);
        }
    }

    private Switchover() {
    }

    /** Compares, prints the findings and the script, applies it when asked; returns the exit code. */
    public static int run(Options options, PrintStream out) throws SQLException {
        try (Connection source = DriverManager.getConnection(options.sourceUrl(), options.credentials().forUrl(options.sourceUrl()));
             Connection destination = DriverManager.getConnection(options.sinkUrl(), options.credentials().forUrl(options.sinkUrl()))) {
            source.setReadOnly(true);
            // pg_get_ruledef then qualifies every relation, so a rule means the same whatever the destination's path, and
            // the two sides' definitions of one rule read alike. Every statement run here is schema-qualified.
            for (Connection c : List.of(source, destination)) {
                try (Statement s = c.createStatement()) {
                    s.execute("SET search_path = pg_catalog");
                }
            }
            SwitchoverPlan plan = SwitchoverPlan.read(source, destination, options.tables());
            print(plan, out);
            List<Fix> statements = plan.statements();
            if (!plan.complete()) {
                out.println("No table compared: nothing can be said of the destination. Where the sink renames tables "
                        + "(table.name.map, name.case), compare them by hand.");
            }
            if (statements.isEmpty()) {
                out.println(plan.byHand().isEmpty() && plan.complete()
                        ? "Nothing to do: identity columns, table rules and sequences are as at the source."
                        : "No statement to run; " + plan.byHand().size() + " finding(s) to settle by hand (see above).");
                return plan.byHand().isEmpty() && plan.complete() ? DONE : PENDING;
            }
            if (!options.apply()) {
                out.println(statements.size() + " statement(s) pending" + (plan.byHand().isEmpty() ? ""
                        : ", " + plan.byHand().size() + " finding(s) to settle by hand")
                        + "; nothing was changed. Run again with --apply to run them on the destination in one transaction.");
                return PENDING;
            }
            int writers = sinkSessions(destination);
            if (writers > 0) {
                // Once applied, GENERATED ALWAYS refuses the sink's own identity values and a table rule acts on its writes.
                out.println("Not applied: the destination has " + writers + " other session(s) of the connectors "
                        + "(application_name " + ConnectionConfig.APPLICATION_NAME + "): stop the sink connector first "
                        + "(docs/operations.md, switchover checklist), then run --apply again.");
                return FAILED;
            }
            return apply(destination, statements, plan, out);
        }
    }

    private static void print(SwitchoverPlan plan, PrintStream out) {
        plan.notes().forEach(out::println);
        out.println("Compared " + plan.tables().size() + " table(s) present at both under the same schema.table name "
                + "(tables renamed by table.name.map or name.case are not matched).");
        if (!plan.unmatched().isEmpty()) {
            out.println("Not at the destination under the same name, not compared: "
                    + plan.unmatched().stream().map(TableId::toString).collect(Collectors.joining(", ")));
        }
        plan.findings().forEach(f -> out.println(f.describe()));
        if (!plan.statements().isEmpty()) {
            out.println();
            out.println("-- For the destination, in one transaction; setval last, since a rollback does not undo it.");
            out.print(plan.script());
            out.println();
        }
    }

    /** The connectors' sessions on the destination but this command's: a sink still writing. */
    private static int sinkSessions(Connection destination) throws SQLException {
        try (PreparedStatement ps = destination.prepareStatement("SELECT count(*) FROM pg_catalog.pg_stat_activity "
                + "WHERE datname = current_database() AND application_name = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, ConnectionConfig.APPLICATION_NAME);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static int apply(Connection destination, List<Fix> statements, SwitchoverPlan plan, PrintStream out) throws SQLException {
        destination.setAutoCommit(false);
        try (Statement s = destination.createStatement()) {
            // ALTER TABLE waits for its lock behind any reader; better to fail with the table named than to hang.
            s.execute("SET LOCAL lock_timeout = '10s'");
        }
        boolean sequenceSet = false;
        for (Fix fix : statements) {
            try {
                fix.apply(destination);
                sequenceSet |= !fix.transactional();
            } catch (SQLException e) {
                destination.rollback();
                out.println("Failed, rolled back: the destination's identity columns and rules are unchanged"
                        + (sequenceSet ? " (sequences set before the failure keep their new positions: setval is not transactional)" : "")
                        + ".");
                out.println("Failing statement: " + fix.sql() + ";");
                out.println("Error: " + e.getMessage());
                return FAILED;
            }
        }
        destination.commit();
        out.println("Applied on the destination in one transaction:");
        statements.forEach(f -> out.println(f.sql() + ";"));
        out.println(statements.size() + " statement(s) applied" + (plan.byHand().isEmpty() ? "."
                : "; " + plan.byHand().size() + " finding(s) still to settle by hand (see above)."));
        return plan.byHand().isEmpty() ? DONE : PENDING;
    }
}
