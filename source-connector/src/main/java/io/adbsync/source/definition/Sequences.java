package io.adbsync.source.definition;

import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SequenceShape;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.definition.DependencyOrder.Node;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sequences captured tables use and where each stands. A position is read from the sequence itself
 * ({@code SELECT last_value, is_called}), all sequences in one statement: {@code pg_sequences.last_value} would not
 * say whether {@code nextval} has returned it.
 */
final class Sequences {

    /**
     * The sequences a captured table owns (serial columns, {@code OWNED BY}) or whose identity columns use, and those
     * given; each with its owning column, if any, and whether the connector's role may read it.
     */
    private static final String SEQUENCES = "WITH wanted AS ("
            + "SELECT d.objid AS oid FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
            + "WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY (?::oid[]) "
            + "AND d.deptype IN ('a', 'i') "
            + "UNION SELECT unnest(?::oid[])) "
            + "SELECT s.seqrelid, n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, "
            + "s.seqmax, s.seqcache, s.seqcycle, o.refobjid, tn.nspname, t.relname, a.attname, o.deptype::text, "
            + "has_sequence_privilege(s.seqrelid, 'SELECT'), (SELECT x.extname FROM pg_depend e "
            + "JOIN pg_extension x ON x.oid = e.refobjid WHERE e.classid = 'pg_class'::regclass AND e.objid = s.seqrelid "
            + "AND e.refclassid = 'pg_extension'::regclass AND e.deptype = 'e' LIMIT 1) "
            + "FROM (SELECT DISTINCT oid FROM wanted) w JOIN pg_sequence s ON s.seqrelid = w.oid "
            + "JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "LEFT JOIN pg_depend o ON o.classid = 'pg_class'::regclass AND o.objid = s.seqrelid "
            + "AND o.refclassid = 'pg_class'::regclass AND o.deptype IN ('a', 'i') "
            + "LEFT JOIN pg_class t ON t.oid = o.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace "
            + "LEFT JOIN pg_attribute a ON a.attrelid = o.refobjid AND a.attnum = o.refobjsubid "
            + "ORDER BY n.nspname, c.relname";

    private static final String BY_NAME = "SELECT t.ord, c.oid, has_sequence_privilege(c.oid, 'SELECT') "
            + "FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS t(s, r, ord) "
            + "JOIN pg_namespace n ON n.nspname = t.s JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.r "
            + "AND c.relkind = 'S' ORDER BY t.ord";

    /** Sequences read by one statement: one plan of a few hundred scans, far below the limit of bind parameters. */
    private static final int PER_STATEMENT = 500;

    private Sequences() {
    }

    /** A sequence to read the position of. */
    record Readable(ObjectRef ref, boolean mayRead) {
    }

    /**
     * Adds the nodes of the sequences that the tables {@code tableOids} own or use for identity, and of
     * {@code moreOids}; returns them by OID.
     */
    static Map<Long, ObjectRef> read(Reading reading, Collection<Long> tableOids, Collection<Long> moreOids) throws SQLException {
        Map<Long, ObjectRef> found = new LinkedHashMap<>();
        Map<ObjectRef, SequenceShape> shapes = new LinkedHashMap<>();
        Map<ObjectRef, Boolean> readable = new LinkedHashMap<>();
        reading.query(SEQUENCES, rs -> {
            long oid = rs.getLong(1);
            ObjectRef ref = new ObjectRef(ObjectKind.SEQUENCE, rs.getString(2), rs.getString(3));
            String extension = rs.getString(17);
            if (extension != null) {
                reading.skip(ref.toString(), SupportObjects.belongsTo(extension));
                return;
            }
            long owner = rs.getLong(11);
            ObjectRef ownerRef = reading.relations.get(owner);
            String ownedBy = null;
            if (ownerRef != null && ownerRef.kind() == ObjectKind.TABLE && rs.getString(14) != null) {
                ownedBy = SqlIdentifiers.qualified(rs.getString(12), rs.getString(13)) + "." + SqlIdentifiers.quote(rs.getString(14));
            }
            found.put(oid, ref);
            Node node = reading.node(ref);
            if (ownedBy != null && "i".equals(rs.getString(15))) {
                // An identity column's sequence is made by CREATE TABLE: it exists once its table does.
                node.dependsOn.add(ownerRef);
            }
            shapes.put(ref, new SequenceShape(rs.getString(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8),
                    rs.getLong(9), rs.getBoolean(10), ownedBy, null, false));
            readable.put(ref, rs.getBoolean(16));
        }, reading.oids(tableOids), reading.oids(moreOids));
        List<Readable> toRead = new ArrayList<>();
        readable.forEach((ref, may) -> toRead.add(new Readable(ref, may)));
        Map<ObjectRef, SequencePosition> positions = positions(reading, toRead);
        shapes.forEach((ref, shape) -> {
            SequencePosition p = positions.get(ref);
            reading.node(ref).sequence = new SequenceShape(shape.dataType(), shape.start(), shape.increment(), shape.min(),
                    shape.max(), shape.cache(), shape.cycle(), shape.ownedBy(), p.lastValue(), p.isCalled());
        });
        reading.sequences.putAll(found);
        return found;
    }

    /**
     * The positions of {@code sequences}, in one statement per {@value #PER_STATEMENT}; a sequence the role may not read
     * gets a null {@code lastValue} and a report.
     */
    static Map<ObjectRef, SequencePosition> positions(Reading reading, List<Readable> sequences) throws SQLException {
        Map<ObjectRef, SequencePosition> positions = new HashMap<>();
        List<ObjectRef> read = new ArrayList<>();
        for (Readable s : sequences) {
            if (s.mayRead()) {
                read.add(s.ref());
                continue;
            }
            positions.put(s.ref(), new SequencePosition(null, false));
            reading.skip(s.ref().toString() + " (its position)", "the connector's role may not read it: GRANT SELECT ON "
                    + "SEQUENCE " + SqlIdentifiers.qualified(s.ref().schema(), s.ref().name()) + " TO the role, so "
                    + "that the destination's sequence is moved past the source's");
        }
        for (int from = 0; from < read.size(); from += PER_STATEMENT) {
            List<ObjectRef> part = read.subList(from, Math.min(read.size(), from + PER_STATEMENT));
            StringBuilder sql = new StringBuilder();
            for (ObjectRef ref : part) {
                sql.append(sql.length() == 0 ? "" : " UNION ALL ").append("SELECT ?::int, last_value, is_called FROM ")
                        .append(SqlIdentifiers.qualified(ref.schema(), ref.name()));
            }
            try (PreparedStatement ps = reading.connection.prepareStatement(sql.toString())) {
                for (int i = 0; i < part.size(); i++) {
                    ps.setInt(i + 1, i);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        positions.put(part.get(rs.getInt(1)), new SequencePosition(rs.getLong(2), rs.getBoolean(3)));
                    }
                }
            }
        }
        return positions;
    }

    /** The sequences named, each with whether the role may read it; those that do not exist are left out. */
    static List<Readable> byName(Reading reading, List<ObjectRef> sequences) throws SQLException {
        List<Readable> found = new ArrayList<>();
        reading.query(BY_NAME, rs -> found.add(new Readable(sequences.get(rs.getInt(1) - 1), rs.getBoolean(3))),
                reading.texts(sequences.stream().map(ObjectRef::schema).toList()),
                reading.texts(sequences.stream().map(ObjectRef::name).toList()));
        return found;
    }
}
