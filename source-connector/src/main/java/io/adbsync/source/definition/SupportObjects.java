package io.adbsync.source.definition;

import io.adbsync.common.definition.AggregateOperatorSql;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.definition.Dependencies.Dependency;
import io.adbsync.source.definition.Dependencies.Source;
import io.adbsync.source.definition.DependencyOrder.Node;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The user-defined types, functions, aggregates and operators that captured objects use, found round by round: the
 * types a set of types reaches (array elements, domain base types, range subtypes, composite attributes) in one
 * recursive query, then the functions, aggregates, operators and further types that those types' defaults and
 * constraints, and the functions, aggregates and operators found, use (an aggregate's state, final and other support
 * functions and sort operator; an operator's function, estimators, commutator and negator). Each round is a fixed
 * number of queries; a chain that alternates types and functions n times takes n rounds.
 */
final class SupportObjects {

    private static final String TYPES = "WITH RECURSIVE closure(oid) AS ("
            + "SELECT x FROM unnest(?::oid[]) AS x "
            + "UNION "
            + "SELECT v.ref FROM closure c JOIN pg_type t ON t.oid = c.oid "
            + "LEFT JOIN pg_range r ON r.rngtypid = t.oid "
            + "%1$s "
            + "LEFT JOIN pg_class rc ON rc.oid = t.typrelid AND rc.relkind = 'c' "
            + "LEFT JOIN pg_attribute a ON a.attrelid = rc.oid AND a.attnum > 0 AND NOT a.attisdropped "
            + "CROSS JOIN LATERAL (VALUES (CASE WHEN t.typcategory = 'A' THEN t.typelem END), (t.typbasetype), "
            + "(r.rngsubtype), (a.atttypid)%2$s) AS v(ref) "
            + "WHERE v.ref IS NOT NULL AND v.ref <> 0 "
            + "AND t.typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) "
            + "AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid "
            + "AND e.deptype = 'e')) "
            + "SELECT t.oid, n.nspname, t.typname, t.typtype::text, t.typcategory::text, t.typelem, t.typbasetype, "
            + "rc.relkind::text, (SELECT x.extname FROM pg_depend e JOIN pg_extension x ON x.oid = e.refobjid "
            + "WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid AND e.refclassid = 'pg_extension'::regclass "
            + "AND e.deptype = 'e' LIMIT 1), "
            + "format_type(t.typbasetype, t.typtypmod), t.typnotnull, pg_get_expr(t.typdefaultbin, 0), "
            + "dcn.nspname, dc.collname, "
            + "r.rngsubtype, format_type(r.rngsubtype, NULL), opcn.nspname, opc.opcname, rcn.nspname, rcoll.collname, "
            + "cpn.nspname, cp.proname, r.rngcanonical::oid, spn.nspname, sp.proname, r.rngsubdiff::oid, "
            + "%3$s, t.typrelid, t.typinput::text "
            + "FROM (SELECT DISTINCT oid FROM closure) c JOIN pg_type t ON t.oid = c.oid "
            + "JOIN pg_namespace n ON n.oid = t.typnamespace "
            + "LEFT JOIN pg_class rc ON rc.oid = t.typrelid "
            + "LEFT JOIN pg_type bt ON bt.oid = t.typbasetype "
            + "LEFT JOIN pg_collation dc ON t.typtype = 'd' AND dc.oid = t.typcollation AND t.typcollation <> bt.typcollation "
            + "LEFT JOIN pg_namespace dcn ON dcn.oid = dc.collnamespace "
            + "LEFT JOIN pg_range r ON r.rngtypid = t.oid "
            + "LEFT JOIN pg_type st ON st.oid = r.rngsubtype "
            + "LEFT JOIN pg_opclass opc ON opc.oid = r.rngsubopc AND NOT opc.opcdefault "
            + "LEFT JOIN pg_namespace opcn ON opcn.oid = opc.opcnamespace "
            + "LEFT JOIN pg_collation rcoll ON rcoll.oid = r.rngcollation AND r.rngcollation <> st.typcollation "
            + "LEFT JOIN pg_namespace rcn ON rcn.oid = rcoll.collnamespace "
            + "LEFT JOIN pg_proc cp ON cp.oid = r.rngcanonical LEFT JOIN pg_namespace cpn ON cpn.oid = cp.pronamespace "
            + "LEFT JOIN pg_proc sp ON sp.oid = r.rngsubdiff LEFT JOIN pg_namespace spn ON spn.oid = sp.pronamespace "
            + "%4$s "
            + "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY t.oid";

    /** PostgreSQL 14+: a multirange column needs its range, and a range its multirange's name. */
    private static final String[] MULTIRANGE = {
            "LEFT JOIN pg_range mr ON mr.rngmultitypid = t.oid", ", (mr.rngtypid)",
            "mn.nspname, mt.typname, (SELECT m.rngtypid FROM pg_range m WHERE m.rngmultitypid = t.oid)",
            "LEFT JOIN pg_type mt ON mt.oid = r.rngmultitypid LEFT JOIN pg_namespace mn ON mn.oid = mt.typnamespace"};
    private static final String[] NO_MULTIRANGE = {"", "", "NULL::name, NULL::name, NULL::oid", ""};

    private static final String ENUM_LABELS = "SELECT enumtypid, enumlabel::text FROM pg_enum WHERE enumtypid = ANY (?::oid[]) "
            + "ORDER BY enumtypid, enumsortorder";

    private static final String ATTRIBUTES = "SELECT t.oid, a.attname, format_type(a.atttypid, a.atttypmod), cn.nspname, "
            + "co.collname, a.atttypid FROM pg_type t "
            + "JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped "
            + "JOIN pg_type att ON att.oid = a.atttypid "
            + "LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> att.typcollation "
            + "LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace "
            + "WHERE t.oid = ANY (?::oid[]) ORDER BY t.oid, a.attnum";

    private static final String DOMAIN_CHECKS = "SELECT contypid, oid, conname, pg_get_constraintdef(oid), convalidated "
            + "FROM pg_constraint WHERE contypid = ANY (?::oid[]) AND contype = 'c' ORDER BY contypid, conname";

    private static final String FUNCTIONS = "SELECT p.oid, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
            + "l.lanname, p.prokind::text, (SELECT x.extname FROM pg_depend e JOIN pg_extension x ON x.oid = e.refobjid "
            + "WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.refclassid = 'pg_extension'::regclass "
            + "AND e.deptype = 'e' LIMIT 1), "
            + "CASE WHEN l.lanname IN ('sql', 'plpgsql') AND p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END "
            + "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang "
            + "WHERE p.oid = ANY (?::oid[]) AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY p.oid";

    private record TypeInfo(long oid, String schema, String name, char type, char category, long element, long base,
                            String relkind, String extension, String baseFormatted, boolean notNull, String defaultExpression,
                            String domainCollation, long subtype, String subtypeFormatted, String opclass, String rangeCollation,
                            String canonical, long canonicalOid, String subtypeDiff, long subtypeDiffOid, String multirange,
                            long multirangeOf, long relation, String input) {
    }

    private record Attribute(String name, String type, String collation, long typeOid) {
    }

    private record Check(long oid, String name, String definition, boolean validated) {
    }

    private final Reading reading;
    private final Map<Long, TypeInfo> types = new TreeMap<>();
    private final Map<Long, List<String>> labels = new HashMap<>();
    private final Map<Long, List<Attribute>> attributes = new HashMap<>();
    private final Map<Long, List<Check>> checks = new HashMap<>();
    /** Emitted functions and aggregates (FUNCTION or AGGREGATE refs) by OID; one looked at and skipped maps to null. */
    private final Map<Long, ObjectRef> functions = new HashMap<>();
    /** Emitted operators by OID; one looked at and skipped (or built in) maps to null. */
    private final Map<Long, ObjectRef> operators = new HashMap<>();
    private final Map<Long, String> aggregateStatements = new HashMap<>();
    private final Map<Long, String> operatorStatements = new HashMap<>();
    private final Map<Long, Set<Long>> typeUsesOperators = new HashMap<>();
    private final Map<Long, Set<Long>> functionUsesOperators = new HashMap<>();
    private final Map<Long, Set<Long>> operatorUsesFunctions = new HashMap<>();
    private final Map<Long, Set<Long>> operatorUsesTypes = new HashMap<>();
    /** What each type's default, constraints and range functions use, and what each function uses, by OID. */
    private final Map<Long, Set<Long>> typeUsesFunctions = new HashMap<>();
    private final Map<Long, Set<Long>> typeUsesTypes = new HashMap<>();
    private final Map<Long, Set<Long>> functionUsesTypes = new HashMap<>();
    private final Map<Long, Set<Long>> functionUsesFunctions = new HashMap<>();
    private final Map<Long, String> functionDefinitions = new HashMap<>();
    private final Set<Long> seenTypes = new HashSet<>();
    private final Set<Long> reported = new HashSet<>();

    SupportObjects(Reading reading) {
        this.reading = reading;
    }

    /** Reads the types, functions (aggregates among them) and operators given, and everything they use, round by round. */
    void require(Collection<Long> typeOids, Collection<Long> functionOids, Collection<Long> operatorOids) throws SQLException {
        Set<Long> pendingTypes = new LinkedHashSet<>(typeOids);
        pendingTypes.removeAll(seenTypes);
        Set<Long> pendingFunctions = new LinkedHashSet<>(functionOids);
        pendingFunctions.removeAll(functions.keySet());
        Set<Long> pendingOperators = new LinkedHashSet<>(operatorOids);
        pendingOperators.removeAll(operators.keySet());
        while (!pendingTypes.isEmpty() || !pendingFunctions.isEmpty() || !pendingOperators.isEmpty()) {
            List<TypeInfo> found = readTypes(pendingTypes);
            List<Long> emittedFunctions = readFunctions(pendingFunctions);
            Set<Long> nextOperators = new LinkedHashSet<>();
            List<Long> emittedOperators = readOperators(pendingOperators, nextOperators);
            List<Source> sources = new ArrayList<>();
            Set<Long> nextFunctions = new LinkedHashSet<>();
            for (TypeInfo t : found) {
                if (t.extension != null) {
                    // Created by its extension at the destination, with whatever it needs.
                    continue;
                }
                if (t.type == 'd' || t.type == 'r') {
                    sources.add(new Source("pg_type", t.oid));
                }
                if (t.canonicalOid != 0) {
                    nextFunctions.add(t.canonicalOid);
                }
                if (t.subtypeDiffOid != 0) {
                    nextFunctions.add(t.subtypeDiffOid);
                }
            }
            Map<Long, Long> checkOwner = new HashMap<>();
            for (TypeInfo t : found) {
                for (Check c : checks.getOrDefault(t.oid, List.of())) {
                    sources.add(new Source("pg_constraint", c.oid));
                    checkOwner.put(c.oid, t.oid);
                }
            }
            emittedFunctions.forEach(f -> sources.add(new Source("pg_proc", f)));
            emittedOperators.forEach(o -> sources.add(new Source("pg_operator", o)));
            Set<Long> nextTypes = new LinkedHashSet<>();
            for (Dependency d : Dependencies.of(reading, sources)) {
                long owner = switch (d.source().catalog()) {
                    case "pg_constraint" -> checkOwner.get(d.source().oid());
                    default -> d.source().oid();
                };
                String of = d.source().catalog();
                if (d.kind().equals("proc")) {
                    nextFunctions.add(d.oid());
                    uses(of, functionUsesFunctions, typeUsesFunctions, operatorUsesFunctions).computeIfAbsent(owner,
                            k -> new LinkedHashSet<>()).add(d.oid());
                } else if (d.kind().equals("type")) {
                    nextTypes.add(d.oid());
                    uses(of, functionUsesTypes, typeUsesTypes, operatorUsesTypes).computeIfAbsent(owner,
                            k -> new LinkedHashSet<>()).add(d.oid());
                } else if (d.kind().equals("oper")) {
                    nextOperators.add(d.oid());
                    uses(of, functionUsesOperators, typeUsesOperators, null).computeIfAbsent(owner,
                            k -> new LinkedHashSet<>()).add(d.oid());
                }
            }
            nextTypes.removeAll(seenTypes);
            nextFunctions.removeAll(functions.keySet());
            nextOperators.removeAll(operators.keySet());
            pendingTypes = nextTypes;
            pendingFunctions = nextFunctions;
            pendingOperators = nextOperators;
        }
    }

    /** Which map records what an object of catalog {@code of} uses: a function's (or aggregate's), a type's, an operator's. */
    private static Map<Long, Set<Long>> uses(String of, Map<Long, Set<Long>> ofFunction, Map<Long, Set<Long>> ofType,
                                             Map<Long, Set<Long>> ofOperator) {
        return switch (of) {
            case "pg_proc" -> ofFunction;
            // An operator's own dependencies on operators are its commutator and negator, read from pg_operator.
            case "pg_operator" -> ofOperator == null ? new HashMap<>() : ofOperator;
            default -> ofType;
        };
    }

    private List<TypeInfo> readTypes(Set<Long> oids) throws SQLException {
        List<TypeInfo> found = new ArrayList<>();
        if (oids.isEmpty()) {
            return found;
        }
        String[] m = reading.capabilities.multiranges() ? MULTIRANGE : NO_MULTIRANGE;
        reading.query(String.format(TYPES, (Object[]) m), rs -> {
            long oid = rs.getLong(1);
            if (seenTypes.contains(oid)) {
                return;
            }
            found.add(new TypeInfo(oid, rs.getString(2), rs.getString(3), rs.getString(4).charAt(0), rs.getString(5).charAt(0),
                    rs.getLong(6), rs.getLong(7), rs.getString(8), rs.getString(9), rs.getString(10), rs.getBoolean(11),
                    rs.getString(12), Reading.qualified(rs, 13, 14), rs.getLong(15), rs.getString(16),
                    Reading.qualified(rs, 17, 18), Reading.qualified(rs, 19, 20), Reading.qualified(rs, 21, 22), rs.getLong(23),
                    Reading.qualified(rs, 24, 25), rs.getLong(26), Reading.qualified(rs, 27, 28), rs.getLong(29),
                    rs.getLong(30), rs.getString(31)));
        }, reading.oids(oids));
        seenTypes.addAll(oids);
        List<Long> enums = new ArrayList<>();
        List<Long> composites = new ArrayList<>();
        List<Long> domains = new ArrayList<>();
        for (TypeInfo t : found) {
            seenTypes.add(t.oid);
            types.put(t.oid, t);
            if (t.extension != null) {
                continue;
            }
            switch (t.type) {
                case 'e' -> enums.add(t.oid);
                case 'c' -> composites.add(t.oid);
                case 'd' -> domains.add(t.oid);
                default -> {
                }
            }
        }
        if (!enums.isEmpty()) {
            reading.query(ENUM_LABELS, rs -> labels.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getString(2)),
                    reading.oids(enums));
        }
        if (!composites.isEmpty()) {
            reading.query(ATTRIBUTES, rs -> attributes.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                    .add(new Attribute(rs.getString(2), rs.getString(3), Reading.qualified(rs, 4, 5), rs.getLong(6))),
                    reading.oids(composites));
        }
        if (!domains.isEmpty()) {
            reading.query(DOMAIN_CHECKS, rs -> checks.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                    .add(new Check(rs.getLong(2), rs.getString(3), rs.getString(4), rs.getBoolean(5))), reading.oids(domains));
        }
        return found;
    }

    /** Reads the functions given; returns those that are sent (their own dependencies are then looked up). */
    private List<Long> readFunctions(Set<Long> oids) throws SQLException {
        List<Long> emitted = new ArrayList<>();
        if (oids.isEmpty()) {
            return emitted;
        }
        oids.forEach(o -> functions.put(o, null));
        List<Long> aggregates = new ArrayList<>();
        reading.query(FUNCTIONS, rs -> {
            long oid = rs.getLong(1);
            ObjectRef ref = new ObjectRef(ObjectKind.FUNCTION, rs.getString(2), rs.getString(3) + "(" + rs.getString(4) + ")");
            String language = rs.getString(5);
            char kind = rs.getString(6).charAt(0);
            String extension = rs.getString(7);
            String definition = rs.getString(8);
            String object = "function " + ref.qualifiedName();
            if (extension != null) {
                reading.skip(object, belongsTo(extension));
            } else if (kind == 'a') {
                aggregates.add(oid);
            } else if (kind == 'w') {
                reading.skip(object, "is a window function, which the schema channel does not carry: create it at the "
                        + "destination by hand");
            } else if (definition == null) {
                reading.skip(object, switch (language) {
                    case "c" -> "is written in C (compiled code in a shared library), which the schema channel cannot carry: "
                            + "install the library at the destination and create the function there by hand";
                    case "internal" -> "is a built-in function under another name (language internal): create it at the "
                            + "destination by hand";
                    default -> "is written in language " + language + ", which the schema channel does not carry (only sql "
                            + "and plpgsql): install the language at the destination and create the function there by hand";
                });
            } else {
                functions.put(oid, ref);
                functionDefinitions.put(oid, definition.strip());
                emitted.add(oid);
            }
        }, reading.oids(oids));
        if (!aggregates.isEmpty()) {
            for (AggregateOperatorSql.Aggregate a : AggregateOperatorSql.aggregates(reading.connection, reading.oids(aggregates))) {
                if (a.uncarried() != null) {
                    reading.skip("aggregate " + a.ref().qualifiedName(), "uses " + a.uncarried() + ", which the schema channel "
                            + "cannot carry (only sql and plpgsql functions): create the function and the aggregate at the "
                            + "destination by hand");
                    continue;
                }
                functions.put(a.oid(), a.ref());
                aggregateStatements.put(a.oid(), a.statement());
                emitted.add(a.oid());
            }
        }
        return emitted;
    }

    /**
     * Reads the operators given; returns those that are sent, and adds their commutators and negators to {@code next}:
     * those are sent too, but not depended on, since each names the other (CREATE OPERATOR makes a shell of the one
     * not there yet, which the other's definition then completes).
     */
    private List<Long> readOperators(Set<Long> oids, Set<Long> next) throws SQLException {
        List<Long> emitted = new ArrayList<>();
        if (oids.isEmpty()) {
            return emitted;
        }
        oids.forEach(o -> operators.put(o, null));
        for (AggregateOperatorSql.Operator o : AggregateOperatorSql.operators(reading.connection, reading.oids(oids))) {
            String object = "operator " + o.ref().qualifiedName();
            if (o.extension() != null) {
                reading.skip(object, belongsTo(o.extension()));
            } else if (o.uncarried() != null) {
                reading.skip(object, "uses " + o.uncarried() + ", which the schema channel cannot carry (only sql and "
                        + "plpgsql functions): create the function and the operator at the destination by hand");
            } else {
                operators.put(o.oid(), o.ref());
                operatorStatements.put(o.oid(), o.statement());
                emitted.add(o.oid());
                for (long other : new long[] {o.commutator(), o.negator()}) {
                    if (other != 0 && !operators.containsKey(other)) {
                        next.add(other);
                    }
                }
            }
        }
        return emitted;
    }

    /** The operator sent for {@code oid}, or null (built in, or skipped). */
    ObjectRef operator(long oid) {
        return operators.get(oid);
    }

    static String belongsTo(String extension) {
        return "belongs to extension " + extension + ": create the extension at the destination (CREATE EXTENSION "
                + SqlIdentifiers.quote(extension) + ") before the objects that use it arrive";
    }

    /** The function sent for {@code oid}, or null (built in, or skipped). */
    ObjectRef function(long oid) {
        return functions.get(oid);
    }

    /**
     * The object a column, attribute or expression of type {@code oid} needs: the type itself, the element type of an
     * array, the range of a multirange, the table whose row type it is; null for a built-in type or one not carried
     * (which is reported once).
     */
    ObjectRef type(long oid) {
        return type(oid, 0);
    }

    private ObjectRef type(long oid, int depth) {
        TypeInfo t = types.get(oid);
        if (t == null || depth > 32) {
            return null;
        }
        String object = "type " + t.schema + "." + t.name;
        if (t.extension != null) {
            report(t, object, belongsTo(t.extension));
            return null;
        }
        if (t.category == 'A' && t.element != 0) {
            return type(t.element, depth + 1);
        }
        return switch (t.type) {
            case 'e' -> new ObjectRef(ObjectKind.ENUM, t.schema, t.name);
            case 'd' -> new ObjectRef(ObjectKind.DOMAIN, t.schema, t.name);
            case 'r' -> new ObjectRef(ObjectKind.RANGE, t.schema, t.name);
            case 'm' -> type(t.multirangeOf, depth + 1);
            case 'c' -> {
                if ("c".equals(t.relkind)) {
                    yield new ObjectRef(ObjectKind.COMPOSITE, t.schema, t.name);
                }
                ObjectRef relation = reading.relations.get(t.relation);
                if (relation == null) {
                    report(t, object, "is the row type of " + t.schema + "." + t.name + ", which is not captured: capture it, "
                            + "or create it at the destination before the objects that use its row type arrive");
                }
                yield relation;
            }
            case 'b' -> {
                report(t, object, "is a base type with its own input and output functions (" + t.input + "), which the "
                        + "schema channel cannot carry: create it at the destination by hand");
                yield null;
            }
            default -> null;
        };
    }

    private void report(TypeInfo t, String object, String reason) {
        if (reported.add(t.oid)) {
            reading.skip(object, reason);
        }
    }

    /** Makes the nodes of every type and function that is sent. */
    void addNodes() {
        for (TypeInfo t : types.values()) {
            ObjectRef ref = type(t.oid);
            if (ref == null || ref.kind() == ObjectKind.TABLE || ref.kind() == ObjectKind.VIEW
                    || !ref.equals(new ObjectRef(ref.kind(), t.schema, t.name))) {
                continue;
            }
            Node node = reading.node(ref);
            String name = SqlIdentifiers.qualified(t.schema, t.name);
            List<String> statements = new ArrayList<>();
            switch (t.type) {
                case 'e' -> statements.add("CREATE TYPE " + name + " AS ENUM (" + String.join(", ",
                        labels.getOrDefault(t.oid, List.of()).stream().map(SqlIdentifiers::literal).toList()) + ")");
                case 'c' -> {
                    List<String> columns = new ArrayList<>();
                    for (Attribute a : attributes.getOrDefault(t.oid, List.of())) {
                        columns.add(SqlIdentifiers.quote(a.name) + " " + a.type + (a.collation == null ? "" : " COLLATE " + a.collation));
                        dependOn(node, type(a.typeOid));
                    }
                    statements.add("CREATE TYPE " + name + " AS (" + String.join(", ", columns) + ")");
                }
                case 'd' -> {
                    StringBuilder sql = new StringBuilder("CREATE DOMAIN ").append(name).append(" AS ").append(t.baseFormatted);
                    if (t.domainCollation != null) {
                        sql.append(" COLLATE ").append(t.domainCollation);
                    }
                    if (t.defaultExpression != null) {
                        sql.append(" DEFAULT ").append(t.defaultExpression);
                    }
                    if (t.notNull) {
                        sql.append(" NOT NULL");
                    }
                    List<String> later = new ArrayList<>();
                    for (Check c : checks.getOrDefault(t.oid, List.of())) {
                        String constraint = " CONSTRAINT " + SqlIdentifiers.quote(c.name) + " " + c.definition;
                        // CREATE DOMAIN takes no NOT VALID: such a constraint is added after, as at the source.
                        if (c.validated) {
                            sql.append(constraint);
                        } else {
                            later.add("ALTER DOMAIN " + name + " ADD" + constraint);
                        }
                    }
                    statements.add(sql.toString());
                    statements.addAll(later);
                    dependOn(node, type(t.base));
                }
                case 'r' -> {
                    StringBuilder sql = new StringBuilder("CREATE TYPE ").append(name).append(" AS RANGE (SUBTYPE = ")
                            .append(t.subtypeFormatted);
                    if (t.opclass != null) {
                        sql.append(", SUBTYPE_OPCLASS = ").append(t.opclass);
                    }
                    if (t.rangeCollation != null) {
                        sql.append(", COLLATION = ").append(t.rangeCollation);
                    }
                    if (t.canonical != null) {
                        sql.append(", CANONICAL = ").append(t.canonical);
                        dependOn(node, functions.get(t.canonicalOid));
                    }
                    if (t.subtypeDiff != null) {
                        sql.append(", SUBTYPE_DIFF = ").append(t.subtypeDiff);
                        dependOn(node, functions.get(t.subtypeDiffOid));
                    }
                    if (t.multirange != null && !t.multirange.equals(SqlIdentifiers.qualified(t.schema, defaultMultirangeName(t.name)))) {
                        sql.append(", MULTIRANGE_TYPE_NAME = ").append(t.multirange);
                    }
                    statements.add(sql.append(")").toString());
                    dependOn(node, type(t.subtype));
                }
                default -> {
                }
            }
            node.statements = statements;
            typeUsesTypes.getOrDefault(t.oid, Set.of()).forEach(u -> dependOn(node, type(u)));
            typeUsesFunctions.getOrDefault(t.oid, Set.of()).forEach(f -> dependOn(node, function(f)));
            typeUsesOperators.getOrDefault(t.oid, Set.of()).forEach(o -> dependOn(node, operator(o)));
        }
        for (Map.Entry<Long, ObjectRef> f : functions.entrySet()) {
            if (f.getValue() == null) {
                continue;
            }
            Node node = reading.node(f.getValue());
            node.statements = List.of(f.getValue().kind() == ObjectKind.AGGREGATE ? aggregateStatements.get(f.getKey())
                    : functionDefinitions.get(f.getKey()));
            functionUsesTypes.getOrDefault(f.getKey(), Set.of()).forEach(t -> dependOn(node, type(t)));
            functionUsesFunctions.getOrDefault(f.getKey(), Set.of()).forEach(g -> dependOn(node, function(g)));
            functionUsesOperators.getOrDefault(f.getKey(), Set.of()).forEach(o -> dependOn(node, operator(o)));
        }
        for (Map.Entry<Long, ObjectRef> o : operators.entrySet()) {
            if (o.getValue() == null) {
                continue;
            }
            Node node = reading.node(o.getValue());
            node.statements = List.of(operatorStatements.get(o.getKey()));
            operatorUsesTypes.getOrDefault(o.getKey(), Set.of()).forEach(t -> dependOn(node, type(t)));
            operatorUsesFunctions.getOrDefault(o.getKey(), Set.of()).forEach(g -> dependOn(node, function(g)));
        }
    }

    /** The name PostgreSQL gives a range's multirange when none is given (makeMultirangeTypeName). */
    static String defaultMultirangeName(String range) {
        int at = range.indexOf("range");
        return at >= 0 ? range.substring(0, at) + "multirange" + range.substring(at + "range".length()) : range + "_multirange";
    }

    private static void dependOn(Node node, ObjectRef ref) {
        if (ref != null) {
            node.dependsOn.add(ref);
        }
    }
}
