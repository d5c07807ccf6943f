package io.adbsync.stack.verify;

import io.adbsync.common.sql.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Compares the sequences of the source with the destination's of the same name: before a switchover each must be at or
 * past the source's position in the direction it counts, or the application's next inserts at the destination would
 * take values the source already gave out.
 */
public final class SequenceVerifier {

    /** The problem of a source sequence the destination does not have. */
    public static final String MISSING = "missing at the destination";

    /**
     * One sequence: its name ({@code id}; {@code sequence} as messages show it), its positions ({@code last_value}, null
     * where never used) and what is wrong, if anything.
     */
    public record SequenceDiff(TableId id, Long source, Long destination, String problem) {

        /** {@code schema.name}, for messages only: a schema or name may itself hold a dot. */
        public String sequence() {
            return id.schema() + "." + id.table();
        }

        public boolean ready() {
            return problem == null;
        }

        /** The destination has no sequence of this name. */
        public boolean missing() {
            return MISSING.equals(problem);
        }

        public String describe() {
            if (problem != null) {
                return "sequence " + sequence() + ": " + problem;
            }
            return "sequence " + sequence() + ": ready (source " + text(source) + ", destination " + text(destination) + ")";
        }

        private static String text(Long value) {
            return value == null ? "not used yet" : value.toString();
        }
    }

    /** {@code readable}: whether the role may read the position (else {@code lastValue} is null, as for an unused one). */
    private record Position(Long lastValue, long increment, boolean readable) {
    }

    private SequenceVerifier() {
    }

    /** Every sequence of {@code schemas} at the source, compared with the destination's. */
    public static List<SequenceDiff> compare(Connection source, Connection destination, Collection<String> schemas) throws SQLException {
        Map<TableId, Position> at = positions(source, schemas);
        Map<TableId, Position> there = positions(destination, schemas);
        List<SequenceDiff> diffs = new ArrayList<>();
        for (Map.Entry<TableId, Position> e : at.entrySet()) {
            Position s = e.getValue();
            Position d = there.get(e.getKey());
            if (d == null) {
                diffs.add(new SequenceDiff(e.getKey(), s.lastValue(), null, MISSING));
            } else if (!s.readable()) {
                diffs.add(new SequenceDiff(e.getKey(), null, d.lastValue(), unreadable("source", e.getKey())));
            } else if (s.lastValue() != null && !d.readable()) {
                diffs.add(new SequenceDiff(e.getKey(), s.lastValue(), null, unreadable("destination", e.getKey())));
            } else if (s.lastValue() != null && (d.lastValue() == null
                    || (s.increment() > 0 ? d.lastValue() < s.lastValue() : d.lastValue() > s.lastValue()))) {
                diffs.add(new SequenceDiff(e.getKey(), s.lastValue(), d.lastValue(), "BEHIND — source at " + s.lastValue()
                        + ", destination at " + (d.lastValue() == null ? "not used yet" : d.lastValue())
                        + "; set it past the source's before switching over (schema.sync=all keeps it in step)"));
            } else {
                diffs.add(new SequenceDiff(e.getKey(), s.lastValue(), d.lastValue(), null));
            }
        }
        return diffs;
    }

    private static String unreadable(String side, TableId sequence) {
        return "position unknown: this role may not read it at the " + side + " (GRANT SELECT ON SEQUENCE " + sequence.quoted()
                + " TO it)";
    }

    private static Map<TableId, Position> positions(Connection c, Collection<String> schemas) throws SQLException {
        // In the query's order (schema, name).
        Map<TableId, Position> out = new java.util.LinkedHashMap<>();
        // pg_sequences shows last_value null where the role may not read the sequence, as where it was never used: the
        // privilege it checks tells the two apart.
        try (PreparedStatement ps = c.prepareStatement("SELECT s.schemaname, s.sequencename, s.last_value, s.increment_by, "
                + "pg_catalog.has_sequence_privilege(pg_catalog.format('%I.%I', s.schemaname, s.sequencename), 'SELECT,USAGE') "
                + "FROM pg_catalog.pg_sequences s WHERE s.schemaname = ANY (?) ORDER BY 1, 2")) {
            ps.setArray(1, c.createArrayOf("text", schemas.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long last = rs.getLong(3);
                    Long lastValue = rs.wasNull() ? null : last;
                    out.put(new TableId(rs.getString(1), rs.getString(2)), new Position(lastValue, rs.getLong(4), rs.getBoolean(5)));
                }
            }
        }
        return out;
    }
}
