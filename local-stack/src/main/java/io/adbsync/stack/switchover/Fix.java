package io.adbsync.stack.switchover;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** One statement that brings the destination to the source's state at switchover: its script text and how it runs. */
public sealed interface Fix permits Fix.SetIdentity, Fix.CreateRule, Fix.AdvanceSequence {

    /** The statement as the printed script shows it, without the closing {@code ;}. */
    String sql();

    /** Runs the statement on {@code destination}, in the caller's transaction. */
    void apply(Connection destination) throws SQLException;

    /** Sequence positions are not undone by a rollback, so they go after everything that is. */
    default boolean transactional() {
        return true;
    }

    /** An identity column made {@code GENERATED ALWAYS} (or {@code BY DEFAULT}) as at the source. */
    record SetIdentity(TableId table, String column, Identity identity) implements Fix {

        @Override
        public String sql() {
            return "ALTER TABLE " + table.quoted() + " ALTER COLUMN " + SqlIdentifiers.quote(column) + " SET GENERATED "
                    + identity.sql();
        }

        @Override
        public void apply(Connection destination) throws SQLException {
            execute(destination, sql());
        }
    }

    /**
     * A rule on a table as {@code pg_get_ruledef} wrote it at the source (read with {@code search_path} set to
     * {@code pg_catalog}, so every relation it names is schema-qualified).
     */
    record CreateRule(TableId table, String rule, String definition) implements Fix {

        @Override
        public String sql() {
            String text = definition.strip();
            return text.endsWith(";") ? text.substring(0, text.length() - 1).stripTrailing() : text;
        }

        @Override
        public void apply(Connection destination) throws SQLException {
            execute(destination, sql());
        }
    }

    /** A destination sequence set to the source's last value, so its next value is one the source never gave out. */
    record AdvanceSequence(TableId sequence, long lastValue) implements Fix {

        @Override
        public String sql() {
            return "SELECT pg_catalog.setval(" + SqlIdentifiers.literal(sequence.quoted()) + ", " + lastValue + ", true)";
        }

        @Override
        public void apply(Connection destination) throws SQLException {
            try (PreparedStatement ps = destination.prepareStatement("SELECT pg_catalog.setval(CAST(? AS regclass), ?, true)")) {
                ps.setString(1, sequence.quoted());
                ps.setLong(2, lastValue);
                ps.execute();
            }
        }

        @Override
        public boolean transactional() {
            return false;
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
