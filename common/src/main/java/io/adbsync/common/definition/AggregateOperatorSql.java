package io.adbsync.common.definition;

import io.adbsync.common.sql.SqlIdentifiers;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code CREATE AGGREGATE} and {@code CREATE OPERATOR} statements built from {@code pg_aggregate}, {@code pg_proc} and
 * {@code pg_operator}, since PostgreSQL has no {@code pg_get_aggregatedef} or {@code pg_get_operatordef}. The source
 * sends them; the sink builds the destination's own the same way to tell whether what it has is the same. Run on a
 * session whose {@code search_path} is {@code pg_catalog} alone, so that {@code format_type} qualifies user types. The
 * columns read exist from PostgreSQL 11 on (Greenplum 7 included). Built-in objects (OID below 16384, or in
 * {@code pg_catalog}) are never returned.
 */
public final class AggregateOperatorSql {

    /** The first OID initdb does not assign (FirstNormalObjectId): below it, everything is built in. */
    public static final long FIRST_NORMAL_OID = 16384;

    private static final String EXTENSION_OF = "(SELECT x.extname FROM pg_depend e JOIN pg_extension x ON x.oid = e.refobjid "
            + "WHERE e.classid = '%1$s'::regclass AND e.objid = %2$s AND e.refclassid = 'pg_extension'::regclass "
            + "AND e.deptype = 'e' LIMIT 1)";

    /** Support functions the schema channel cannot carry: not built in, not sql/plpgsql, not an extension's. */
    private static final String UNCARRIED = "(SELECT string_agg(sp.oid::regprocedure::text || ' (language ' || l.lanname "
            + "|| ')', ', ' ORDER BY sp.oid) FROM pg_proc sp JOIN pg_language l ON l.oid = sp.prolang "
            + "WHERE sp.oid IN (%s) AND sp.oid >= " + FIRST_NORMAL_OID + " AND l.lanname NOT IN ('sql', 'plpgsql') "
            + "AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = sp.oid "
            + "AND e.refclassid = 'pg_extension'::regclass AND e.deptype = 'e'))";

    private static final String AGGREGATES = "SELECT p.oid, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
            + "p.pronargs, a.aggkind::text, " + String.format(EXTENSION_OF, "pg_proc", "p.oid") + ", "
            + "tn.nspname, tf.proname, format_type(a.aggtranstype, NULL), a.aggtransspace, "
            + "fn.nspname, ff.proname, a.aggfinalextra, a.aggfinalmodify::text, "
            + "cn.nspname, cf.proname, sn.nspname, sf.proname, dn.nspname, df.proname, quote_literal(a.agginitval), "
            + "mtn.nspname, mtf.proname, mivn.nspname, mif.proname, format_type(NULLIF(a.aggmtranstype, 0), NULL), "
            + "a.aggmtransspace, mfn.nspname, mff.proname, a.aggmfinalextra, a.aggmfinalmodify::text, quote_literal(a.aggminitval), "
            + "son.nspname, so.oprname, p.proparallel::text, "
            + String.format(UNCARRIED, "a.aggtransfn::oid, a.aggfinalfn::oid, a.aggcombinefn::oid, a.aggserialfn::oid, "
            + "a.aggdeserialfn::oid, a.aggmtransfn::oid, a.aggminvtransfn::oid, a.aggmfinalfn::oid") + " "
            + "FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace "
            + "JOIN pg_proc tf ON tf.oid = a.aggtransfn::oid JOIN pg_namespace tn ON tn.oid = tf.pronamespace "
            + proc("ff", "fn", "a.aggfinalfn") + proc("cf", "cn", "a.aggcombinefn") + proc("sf", "sn", "a.aggserialfn")
            + proc("df", "dn", "a.aggdeserialfn") + proc("mtf", "mtn", "a.aggmtransfn") + proc("mif", "mivn", "a.aggminvtransfn")
            + proc("mff", "mfn", "a.aggmfinalfn")
            + "LEFT JOIN pg_operator so ON so.oid = a.aggsortop LEFT JOIN pg_namespace son ON son.oid = so.oprnamespace "
            + "WHERE p.oid = ANY (?::oid[]) AND p.oid >= " + FIRST_NORMAL_OID + " "
            + "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY p.oid";

    private static final String OPERATORS = "SELECT o.oid, n.nspname, o.oprname, o.oprkind::text, "
            + "format_type(NULLIF(o.oprleft, 0), NULL), format_type(NULLIF(o.oprright, 0), NULL), "
            + String.format(EXTENSION_OF, "pg_operator", "o.oid") + ", "
            + "fn.nspname, f.proname, o.oprcom, comn.nspname, com.oprname, o.oprnegate, negn.nspname, neg.oprname, "
            + "rn.nspname, r.proname, jn.nspname, j.proname, o.oprcanhash, o.oprcanmerge, "
            + String.format(UNCARRIED, "o.oprcode::oid, o.oprrest::oid, o.oprjoin::oid") + " "
            + "FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace "
            + "JOIN pg_proc f ON f.oid = o.oprcode::oid JOIN pg_namespace fn ON fn.oid = f.pronamespace "
            + proc("r", "rn", "o.oprrest") + proc("j", "jn", "o.oprjoin")
            + "LEFT JOIN pg_operator com ON com.oid = o.oprcom LEFT JOIN pg_namespace comn ON comn.oid = com.oprnamespace "
            + "LEFT JOIN pg_operator neg ON neg.oid = o.oprnegate LEFT JOIN pg_namespace negn ON negn.oid = neg.oprnamespace "
            + "WHERE o.oid = ANY (?::oid[]) AND o.oid >= " + FIRST_NORMAL_OID + " "
            + "AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY o.oid";

    private static final String AGGREGATE_BY_NAME = "SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            + "WHERE EXISTS (SELECT 1 FROM pg_aggregate a WHERE a.aggfnoid = p.oid) AND n.nspname = ? AND p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' = ?";

    /** A shell operator (made by another's COMMUTATOR or NEGATOR, oprcode 0) is not there yet. */
    private static final String OPERATOR_BY_NAME = "SELECT o.oid FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace "
            + "WHERE o.oprcode::oid <> 0 AND n.nspname = ? AND o.oprname || '(' || coalesce(format_type(NULLIF(o.oprleft, 0), NULL), "
            + "'NONE') || ', ' || coalesce(format_type(NULLIF(o.oprright, 0), NULL), 'NONE') || ')' = ?";

    /**
     * One aggregate.
     *
     * @param ref         {@code AGGREGATE}, named with its identity arguments as functions are: {@code total(numeric)}
     * @param extension   the extension it belongs to, or null
     * @param uncarried   the support functions that keep it from being carried (C, internal under another name), or null
     */
    public record Aggregate(long oid, ObjectRef ref, String extension, String uncarried, String statement) {
    }

    /**
     * One operator.
     *
     * @param ref        {@code OPERATOR}, named with its operand types: {@code ===(integer, integer)}, {@code NONE} for
     *                   a missing operand
     * @param commutator the commutator's OID, or 0
     * @param negator    the negator's OID, or 0
     */
    public record Operator(long oid, ObjectRef ref, String extension, String uncarried, long commutator, long negator,
                           String statement) {
    }

    private AggregateOperatorSql() {
    }

    private static String proc(String alias, String namespaceAlias, String column) {
        return "LEFT JOIN pg_proc " + alias + " ON " + alias + ".oid = " + column + "::oid LEFT JOIN pg_namespace "
                + namespaceAlias + " ON " + namespaceAlias + ".oid = " + alias + ".pronamespace ";
    }

    /** The aggregates among {@code oids} (pg_proc OIDs), with their statements. */
    public static List<Aggregate> aggregates(Connection c, Array oids) throws SQLException {
        List<Aggregate> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(AGGREGATES)) {
            ps.setArray(1, oids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(aggregate(rs));
                }
            }
        }
        return found;
    }

    /** The operators among {@code oids} (pg_operator OIDs), with their statements. */
    public static List<Operator> operators(Connection c, Array oids) throws SQLException {
        List<Operator> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(OPERATORS)) {
            ps.setArray(1, oids);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(operator(rs));
                }
            }
        }
        return found;
    }

    /** The statement of the aggregate or operator {@code ref} as {@code c}'s catalog has it, or null where it has none. */
    public static String current(Connection c, ObjectRef ref) throws SQLException {
        boolean aggregate = switch (ref.kind()) {
            case AGGREGATE -> true;
            case OPERATOR -> false;
            default -> throw new IllegalArgumentException(ref + " is neither an aggregate nor an operator");
        };
        List<Long> oids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(aggregate ? AGGREGATE_BY_NAME : OPERATOR_BY_NAME)) {
            ps.setString(1, ref.schema());
            ps.setString(2, ref.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    oids.add(rs.getLong(1));
                }
            }
        }
        if (oids.isEmpty()) {
            return null;
        }
        Array array = c.createArrayOf("oid", oids.toArray());
        List<String> statements = aggregate ? aggregates(c, array).stream().map(Aggregate::statement).toList()
                : operators(c, array).stream().map(Operator::statement).toList();
        return statements.isEmpty() ? null : statements.get(0);
    }

    private static Aggregate aggregate(ResultSet rs) throws SQLException {
        String schema = rs.getString(2);
        String identity = rs.getString(4);
        ObjectRef ref = new ObjectRef(ObjectKind.AGGREGATE, schema, rs.getString(3) + "(" + identity + ")");
        char kind = rs.getString(6).charAt(0);
        List<String> options = new ArrayList<>();
        options.add("SFUNC = " + name(rs, 8, 9));
        options.add("STYPE = " + rs.getString(10));
        if (rs.getInt(11) != 0) {
            options.add("SSPACE = " + rs.getInt(11));
        }
        if (rs.getString(13) != null) {
            options.add("FINALFUNC = " + name(rs, 12, 13));
            if (rs.getBoolean(14)) {
                options.add("FINALFUNC_EXTRA");
            }
            options.add("FINALFUNC_MODIFY = " + modify(rs.getString(15)));
        }
        optional(options, "COMBINEFUNC", rs, 16, 17);
        optional(options, "SERIALFUNC", rs, 18, 19);
        optional(options, "DESERIALFUNC", rs, 20, 21);
        if (rs.getString(22) != null) {
            // quote_literal: E'…' where the value has a backslash, so the text means the same whatever the session's
            // standard_conforming_strings (the statement may be pasted by hand from a skip message).
            options.add("INITCOND = " + rs.getString(22));
        }
        if (rs.getString(24) != null) {
            options.add("MSFUNC = " + name(rs, 23, 24));
            optional(options, "MINVFUNC", rs, 25, 26);
            options.add("MSTYPE = " + rs.getString(27));
            if (rs.getInt(28) != 0) {
                options.add("MSSPACE = " + rs.getInt(28));
            }
            if (rs.getString(30) != null) {
                options.add("MFINALFUNC = " + name(rs, 29, 30));
                if (rs.getBoolean(31)) {
                    options.add("MFINALFUNC_EXTRA");
                }
                options.add("MFINALFUNC_MODIFY = " + modify(rs.getString(32)));
            }
            if (rs.getString(33) != null) {
                options.add("MINITCOND = " + rs.getString(33));
            }
        }
        if (rs.getString(35) != null) {
            options.add("SORTOP = " + operatorName(rs.getString(34), rs.getString(35)));
        }
        switch (rs.getString(36)) {
            case "s" -> options.add("PARALLEL = SAFE");
            case "r" -> options.add("PARALLEL = RESTRICTED");
            default -> {
            }
        }
        if (kind == 'h') {
            options.add("HYPOTHETICAL");
        }
        // An aggregate of no arguments (count(*)'s kind) is written with '*'.
        String arguments = rs.getInt(5) == 0 ? "*" : identity;
        String statement = "CREATE AGGREGATE " + SqlIdentifiers.qualified(schema, rs.getString(3)) + "(" + arguments + ") ("
                + String.join(", ", options) + ")";
        return new Aggregate(rs.getLong(1), ref, rs.getString(7), rs.getString(37), statement);
    }

    private static Operator operator(ResultSet rs) throws SQLException {
        String schema = rs.getString(2);
        String name = rs.getString(3);
        String left = rs.getString(5);
        String right = rs.getString(6);
        ObjectRef ref = new ObjectRef(ObjectKind.OPERATOR, schema, name + "(" + (left == null ? "NONE" : left) + ", "
                + (right == null ? "NONE" : right) + ")");
        List<String> options = new ArrayList<>();
        options.add("FUNCTION = " + name(rs, 8, 9));
        if (left != null) {
            options.add("LEFTARG = " + left);
        }
        if (right != null) {
            options.add("RIGHTARG = " + right);
        }
        if (rs.getString(12) != null) {
            options.add("COMMUTATOR = " + operatorName(rs.getString(11), rs.getString(12)));
        }
        if (rs.getString(15) != null) {
            options.add("NEGATOR = " + operatorName(rs.getString(14), rs.getString(15)));
        }
        optional(options, "RESTRICT", rs, 16, 17);
        optional(options, "JOIN", rs, 18, 19);
        if (rs.getBoolean(20)) {
            options.add("HASHES");
        }
        if (rs.getBoolean(21)) {
            options.add("MERGES");
        }
        String statement = "CREATE OPERATOR " + operatorPath(schema, name) + " (" + String.join(", ", options) + ")";
        return new Operator(rs.getLong(1), ref, rs.getString(7), rs.getString(22), rs.getLong(10), rs.getLong(13), statement);
    }

    /** {@code OPERATOR("schema".===)}: an operator's name is not an identifier and is never quoted, its schema is. */
    static String operatorName(String schema, String name) {
        return "OPERATOR(" + operatorPath(schema, name) + ")";
    }

    /**
     * The start every statement of {@code ref} (an aggregate or an operator) has as this class writes it: the sink runs
     * only a statement that creates the very object its record names, whatever else a topic's writer put there.
     * Empty for an operator name that is not made of operator characters.
     */
    public static java.util.Optional<String> statementStart(ObjectRef ref) {
        int paren = ref.name().indexOf('(');
        if (paren <= 0) {
            return java.util.Optional.empty();
        }
        String name = ref.name().substring(0, paren);
        return switch (ref.kind()) {
            case AGGREGATE -> java.util.Optional.of("CREATE AGGREGATE " + SqlIdentifiers.qualified(ref.schema(), name) + "(");
            case OPERATOR -> OPERATOR_CHARACTERS.matcher(name).matches()
                    ? java.util.Optional.of("CREATE OPERATOR " + operatorPath(ref.schema(), name) + " (")
                    : java.util.Optional.empty();
            default -> java.util.Optional.empty();
        };
    }

    /** What an operator's name may be made of (PostgreSQL's CREATE OPERATOR), at most NAMEDATALEN - 1 characters. */
    private static final java.util.regex.Pattern OPERATOR_CHARACTERS = java.util.regex.Pattern.compile("[+\\-*/<>=~!@#%^&|`?]{1,63}");

    /** Whether {@code ref} is a postfix operator (no right operand), which PostgreSQL 14 and later no longer have. */
    public static boolean postfix(ObjectRef ref) {
        return ref.kind() == ObjectKind.OPERATOR && ref.name().endsWith(", NONE)");
    }

    private static String operatorPath(String schema, String name) {
        return SqlIdentifiers.quote(schema) + "." + name;
    }

    private static String name(ResultSet rs, int schemaColumn, int nameColumn) throws SQLException {
        return SqlIdentifiers.qualified(rs.getString(schemaColumn), rs.getString(nameColumn));
    }

    private static void optional(List<String> options, String option, ResultSet rs, int schemaColumn, int nameColumn)
            throws SQLException {
        if (rs.getString(nameColumn) != null) {
            options.add(option + " = " + name(rs, schemaColumn, nameColumn));
        }
    }

    private static String modify(String code) {
        return switch (code) {
            case "s" -> "SHAREABLE";
            case "w" -> "READ_WRITE";
            default -> "READ_ONLY";
        };
    }
}
