package io.adbsync.source.definition;

import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.Distribution;
import io.adbsync.common.definition.IndexShape;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.TableShape;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.definition.Dependencies.Dependency;
import io.adbsync.source.definition.Dependencies.Source;
import io.adbsync.source.definition.DependencyOrder.Node;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The captured tables with their columns, constraints, indexes and rules, and the views over them. */
final class Relations {

    private static final String TABLES = "SELECT c.oid, n.nspname, c.relname, c.relkind = 'p', "
            + "CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, c.relispartition, "
            + "(SELECT string_agg(pn.nspname || '.' || p.relname, ', ' ORDER BY pn.nspname, p.relname) FROM pg_inherits i "
            + "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid), "
            + "%s "
            + "FROM unnest(?::text[], ?::text[]) AS t(s, r) "
            + "JOIN pg_namespace n ON n.nspname = t.s JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.r "
            + "AND c.relkind IN ('r', 'p') ORDER BY n.nspname, c.relname";

    /**
     * A Greenplum 7 table's access method; a partitioned table has none of its own (relam 0), so its leaves' ones,
     * comma-separated.
     */
    private static final String STORAGE = "coalesce((SELECT am.amname::text FROM pg_am am WHERE am.oid = c.relam), "
            + "(SELECT string_agg(DISTINCT am.amname::text, ', ') FROM pg_partition_tree(c.oid) pt "
            + "JOIN pg_class l ON l.oid = pt.relid JOIN pg_am am ON am.oid = l.relam WHERE pt.isleaf))";

    private static final String COLUMNS = "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            + "CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, a.attidentity::text, "
            + "CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END, a.atttypid, d.oid, "
            + "a.attgenerated = 'v', "
            // A partitioned table's rows, and so their fast defaults, are its leaves'; a value the leaves disagree on is none.
            + "(SELECT CASE WHEN count(DISTINCT v) = 1 THEN min(v) END FROM (SELECT array_to_string(m.attmissingval, '') AS v "
            + "FROM pg_attribute m WHERE m.attrelid IN (SELECT relid FROM pg_partition_tree(a.attrelid) WHERE isleaf "
            + "UNION SELECT a.attrelid) AND m.attname = a.attname AND m.atthasmissing) x) "
            + "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            + "WHERE a.attrelid = ANY (?::oid[]) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";

    private static final String CONSTRAINTS = "SELECT k.conrelid, k.oid, k.conname, k.contype::text, pg_get_constraintdef(k.oid), "
            + "k.confrelid, rn.nspname, r.relname, "
            + "ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, n) "
            + "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.n) "
            + "FROM pg_constraint k LEFT JOIN pg_class r ON r.oid = k.confrelid LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace "
            + "WHERE k.conrelid = ANY (?::oid[]) AND k.contype IN ('p', 'u', 'c', 'f', 'x') ORDER BY k.conrelid, k.conname";

    /** Indexes that no primary key, UNIQUE or EXCLUDE constraint of the table owns (those come with the constraint). */
    private static final String INDEXES = "SELECT i.indexrelid, i.indrelid, n.nspname, ic.relname, i.indisunique, am.amname, "
            + "i.indisvalid, pg_get_expr(i.indpred, i.indrelid, true) "
            + "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace "
            + "JOIN pg_am am ON am.oid = ic.relam "
            + "WHERE i.indrelid = ANY (?::oid[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
            + "AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')) ORDER BY n.nspname, ic.relname";

    /**
     * Each index column: pg_get_indexdef(oid, n, true) writes only the column or expression, so its collation and
     * operator class (where not the default) and its ordering are read beside it.
     */
    private static final String INDEX_KEYS = "SELECT i.indexrelid, k.n, k.n <= i.indnkeyatts, pg_get_indexdef(i.indexrelid, k.n, true), "
            + "ta.attname, (i.indoption[k.n - 1]::int & 1) <> 0, (i.indoption[k.n - 1]::int & 2) <> 0, "
            + "opcn.nspname, opc.opcname, cn.nspname, co.collname "
            + "FROM pg_index i CROSS JOIN LATERAL generate_series(1, i.indnatts::int) AS k(n) "
            + "LEFT JOIN pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = i.indkey[k.n - 1] "
            + "LEFT JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.n "
            + "LEFT JOIN pg_type it ON it.oid = ia.atttypid "
            + "LEFT JOIN pg_opclass opc ON k.n <= i.indnkeyatts AND opc.oid = i.indclass[k.n - 1] AND NOT opc.opcdefault "
            + "LEFT JOIN pg_namespace opcn ON opcn.oid = opc.opcnamespace "
            + "LEFT JOIN pg_collation co ON k.n <= i.indnkeyatts AND co.oid = i.indcollation[k.n - 1] "
            + "AND i.indcollation[k.n - 1] <> coalesce(ta.attcollation, it.typcollation) "
            + "LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace "
            + "WHERE i.indexrelid = ANY (?::oid[]) ORDER BY 1, 2";

    private static final String DISTRIBUTION = "SELECT p.localoid, p.policytype::text, "
            + "ARRAY(SELECT a.attname::text FROM unnest(p.distkey::int2[]) WITH ORDINALITY AS k(attnum, n) "
            + "JOIN pg_attribute a ON a.attrelid = p.localoid AND a.attnum = k.attnum ORDER BY k.n) "
            + "FROM gp_distribution_policy p WHERE p.localoid = ANY (?::oid[])";

    /** The relations a rewrite rule reads (a view's query, a rule's actions), as OIDs, kinds and names in one order. */
    private static final String READS = "ARRAY(SELECT d.refobjid::bigint FROM (SELECT DISTINCT refobjid FROM pg_depend "
            + "WHERE classid = 'pg_rewrite'::regclass AND objid = r.oid AND refclassid = 'pg_class'::regclass AND deptype = 'n' "
            + "AND refobjid <> r.ev_class) d ORDER BY d.refobjid), "
            + "ARRAY(SELECT x.relkind::text FROM (SELECT DISTINCT refobjid FROM pg_depend WHERE classid = 'pg_rewrite'::regclass "
            + "AND objid = r.oid AND refclassid = 'pg_class'::regclass AND deptype = 'n' AND refobjid <> r.ev_class) d "
            + "JOIN pg_class x ON x.oid = d.refobjid ORDER BY d.refobjid), "
            + "ARRAY(SELECT xn.nspname || '.' || x.relname FROM (SELECT DISTINCT refobjid FROM pg_depend "
            + "WHERE classid = 'pg_rewrite'::regclass AND objid = r.oid AND refclassid = 'pg_class'::regclass AND deptype = 'n' "
            + "AND refobjid <> r.ev_class) d JOIN pg_class x ON x.oid = d.refobjid JOIN pg_namespace xn ON xn.oid = x.relnamespace "
            + "ORDER BY d.refobjid)";

    /** The views and materialized views that read a captured table, directly or through other views. */
    private static final String VIEWS = "WITH RECURSIVE v(oid) AS ("
            + "SELECT r.ev_class FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid AND r.rulename = '_RETURN' "
            + "WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY (?::oid[]) "
            + "AND r.ev_class <> d.refobjid "
            + "UNION "
            + "SELECT r.ev_class FROM v JOIN pg_depend d ON d.refobjid = v.oid AND d.classid = 'pg_rewrite'::regclass "
            + "AND d.refclassid = 'pg_class'::regclass JOIN pg_rewrite r ON r.oid = d.objid AND r.rulename = '_RETURN' "
            + "AND r.ev_class <> v.oid) "
            + "SELECT c.oid, n.nspname, c.relname, c.relkind::text, pg_get_viewdef(c.oid, true), c.reloptions::text[], r.oid, "
            + READS + " "
            + "FROM (SELECT DISTINCT oid FROM v) v JOIN pg_class c ON c.oid = v.oid JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN' "
            + "WHERE c.relkind IN ('v', 'm') ORDER BY n.nspname, c.relname";

    private static final String RULES = "SELECT r.oid, r.ev_class, r.rulename, pg_get_ruledef(r.oid, true), " + READS + " "
            + "FROM pg_rewrite r WHERE r.ev_class = ANY (?::oid[]) AND r.rulename <> '_RETURN' ORDER BY r.ev_class, r.rulename";

    private record Table(long oid, ObjectRef ref, boolean partitioned, String partitionKey, boolean partition, String parents,
                         String storage) {
    }

    private record Column(long table, String name, String type, boolean notNull, String defaultExpression, String identity,
                          String generated, long typeOid, long attrdef, boolean virtual, String missingValue) {
    }

    private record Constraint(long table, long oid, String name, char type, String definition, long referenced,
                              String referencedName, List<String> columns) {
    }

    private record Index(long oid, long table, ObjectRef ref, boolean unique, String method, boolean valid, String predicate) {
    }

    private record Reads(List<Long> oids, List<String> kinds, List<String> names) {
    }

    private record View(long oid, ObjectRef ref, boolean materialized, String query, List<String> options, long rewrite,
                        Reads reads) {
    }

    private record Rule(long oid, long relation, String name, String definition, Reads reads) {
    }

    private final Reading reading;
    private final Map<Long, Table> tables = new LinkedHashMap<>();
    private final Map<Long, List<Column>> columns = new HashMap<>();
    private final Map<Long, List<Constraint>> constraints = new HashMap<>();
    private final List<Index> indexes = new ArrayList<>();
    private final Map<Long, List<String>> keys = new HashMap<>();
    private final Map<Long, List<String>> includes = new HashMap<>();
    private final Map<Long, Distribution> distributions = new HashMap<>();
    private final List<View> views = new ArrayList<>();
    private final List<Rule> rules = new ArrayList<>();
    /** What each table (its defaults and constraints), index, view and rule uses, by its relation or rule OID. */
    private final Map<Long, Set<Long>> usesTypes = new HashMap<>();
    private final Map<Long, Set<Long>> usesFunctions = new HashMap<>();
    private final Map<Long, Set<Long>> usesOperators = new HashMap<>();
    private final Map<Long, Set<Long>> usesSequences = new HashMap<>();

    Relations(Reading reading) {
        this.reading = reading;
    }

    /** Reads the tables named and everything on them; the views and rules over them; what all of these use. */
    void read(Collection<TableId> captured) throws SQLException {
        readTables(captured);
        if (tables.isEmpty()) {
            return;
        }
        List<Long> tableOids = List.copyOf(tables.keySet());
        reading.query(COLUMNS, rs -> columns.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new Column(rs.getLong(1),
                rs.getString(2), rs.getString(3), rs.getBoolean(4), rs.getString(5), identity(rs.getString(6)), rs.getString(7),
                rs.getLong(8), rs.getLong(9), rs.getBoolean(10), rs.getString(11))), reading.oids(tableOids));
        reading.query(CONSTRAINTS, rs -> constraints.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new Constraint(
                rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4).charAt(0), rs.getString(5), rs.getLong(6),
                rs.getString(7) == null ? null : rs.getString(7) + "." + rs.getString(8), Reading.strings(rs, 9))),
                reading.oids(tableOids));
        readIndexes(tableOids);
        if (reading.greenplum) {
            reading.query(DISTRIBUTION, rs -> distributions.put(rs.getLong(1), distribution(rs.getString(2), Reading.strings(rs, 3))),
                    reading.oids(tableOids));
        }
        readViews(tableOids);
        List<Long> ruleRelations = new ArrayList<>(tableOids);
        views.forEach(v -> ruleRelations.add(v.oid));
        reading.query(RULES, rs -> rules.add(new Rule(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                reads(rs, 5))), reading.oids(ruleRelations));
        readDependencies();
    }

    private void readTables(Collection<TableId> captured) throws SQLException {
        String sql = String.format(TABLES, reading.greenplum ? STORAGE : "NULL::text");
        Set<TableId> missing = new LinkedHashSet<>(captured);
        reading.query(sql, rs -> {
            Table t = new Table(rs.getLong(1), new ObjectRef(ObjectKind.TABLE, rs.getString(2), rs.getString(3)), rs.getBoolean(4),
                    rs.getString(5), rs.getBoolean(6), rs.getString(7), rs.getString(8));
            missing.remove(new TableId(t.ref.schema(), t.ref.name()));
            tables.put(t.oid, t);
            reading.relations.put(t.oid, t.ref);
        }, reading.texts(captured.stream().map(TableId::schema).toList()), reading.texts(captured.stream().map(TableId::table).toList()));
        for (TableId m : missing) {
            reading.skip("table " + m, "no such table exists (any more)");
        }
    }

    private void readIndexes(List<Long> tableOids) throws SQLException {
        List<Long> indexOids = new ArrayList<>();
        reading.query(INDEXES, rs -> {
            Index i = new Index(rs.getLong(1), rs.getLong(2), new ObjectRef(ObjectKind.INDEX, rs.getString(3), rs.getString(4)),
                    rs.getBoolean(5), rs.getString(6), rs.getBoolean(7), rs.getString(8));
            if (!i.valid) {
                reading.skip(i.ref.toString(), "is not valid (a CREATE INDEX CONCURRENTLY that failed, or one still running): "
                        + "build it again at the source (REINDEX) to have it carried");
                return;
            }
            indexes.add(i);
            indexOids.add(i.oid);
        }, reading.oids(tableOids));
        if (indexOids.isEmpty()) {
            return;
        }
        reading.query(INDEX_KEYS, rs -> {
            long index = rs.getLong(1);
            if (!rs.getBoolean(3)) {
                includes.computeIfAbsent(index, k -> new ArrayList<>()).add(rs.getString(5));
                return;
            }
            StringBuilder key = new StringBuilder(rs.getString(4));
            String collation = Reading.qualified(rs, 10, 11);
            if (collation != null) {
                key.append(" COLLATE ").append(collation);
            }
            String opclass = Reading.qualified(rs, 8, 9);
            if (opclass != null) {
                key.append(' ').append(opclass);
            }
            boolean descending = rs.getBoolean(6);
            boolean nullsFirst = rs.getBoolean(7);
            if (descending) {
                key.append(" DESC");
            }
            if (descending && !nullsFirst) {
                key.append(" NULLS LAST");
            } else if (!descending && nullsFirst) {
                key.append(" NULLS FIRST");
            }
            keys.computeIfAbsent(index, k -> new ArrayList<>()).add(key.toString());
        }, reading.oids(indexOids));
    }

    private void readViews(List<Long> tableOids) throws SQLException {
        List<View> candidates = new ArrayList<>();
        reading.query(VIEWS, rs -> {
            List<String> options = Reading.strings(rs, 6);
            candidates.add(new View(rs.getLong(1), new ObjectRef(ObjectKind.VIEW, rs.getString(2), rs.getString(3)),
                    "m".equals(rs.getString(4)), rs.getString(5), options, rs.getLong(7), reads(rs, 8)));
        }, reading.oids(tableOids));
        Map<Long, View> undecided = new LinkedHashMap<>();
        for (View v : candidates) {
            if (v.materialized) {
                reading.skip("materialized view " + v.ref.qualifiedName(), "materialized views are not carried (their rows "
                        + "are not replicated): create it at the destination and refresh it there");
            } else {
                undecided.put(v.oid, v);
            }
        }
        // A view is sent when everything it reads is: captured tables, sequences, views sent. Views over views are
        // decided once the views they read are.
        boolean progress = true;
        while (progress && !undecided.isEmpty()) {
            progress = false;
            for (View v : List.copyOf(undecided.values())) {
                String missing = missing(v.reads, undecided.keySet());
                if (missing == null) {
                    undecided.remove(v.oid);
                    views.add(v);
                    reading.relations.put(v.oid, v.ref);
                    progress = true;
                } else if (!missing.isEmpty()) {
                    undecided.remove(v.oid);
                    reading.skip(v.ref.toString(), "reads " + missing + ", which " + (missing.contains(",") ? "are" : "is")
                            + " not captured: capture it, or create the view at the destination by hand");
                    progress = true;
                }
            }
        }
        undecided.values().forEach(v -> reading.skip(v.ref.toString(), "reads views that are not carried"));
    }

    /**
     * What of {@code reads} is neither captured nor sent, by name; empty when only views still {@code undecided} are
     * missing; null when nothing is.
     */
    private String missing(Reads reads, Set<Long> undecided) {
        List<String> missing = new ArrayList<>();
        boolean waiting = false;
        for (int i = 0; i < reads.oids.size(); i++) {
            long oid = reads.oids.get(i);
            if (reading.relations.containsKey(oid) || "S".equals(reads.kinds.get(i))) {
                continue;
            }
            if (undecided.contains(oid)) {
                waiting = true;
            } else {
                missing.add(reads.names.get(i));
            }
        }
        return !missing.isEmpty() ? String.join(", ", missing) : waiting ? "" : null;
    }

    private void readDependencies() throws SQLException {
        List<Source> sources = new ArrayList<>();
        Map<Source, Long> owner = new HashMap<>();
        for (List<Column> cs : columns.values()) {
            for (Column c : cs) {
                if (c.attrdef != 0) {
                    Source s = new Source("pg_attrdef", c.attrdef);
                    sources.add(s);
                    owner.put(s, c.table);
                }
            }
        }
        for (List<Constraint> ks : constraints.values()) {
            for (Constraint k : ks) {
                if (k.type != 'f') {
                    Source s = new Source("pg_constraint", k.oid);
                    sources.add(s);
                    owner.put(s, k.table);
                }
            }
        }
        for (Index i : indexes) {
            Source s = new Source("pg_class", i.oid);
            sources.add(s);
            owner.put(s, i.oid);
        }
        for (View v : views) {
            Source s = new Source("pg_rewrite", v.rewrite);
            sources.add(s);
            owner.put(s, v.oid);
        }
        for (Rule r : rules) {
            Source s = new Source("pg_rewrite", r.oid);
            sources.add(s);
            owner.put(s, r.oid);
        }
        for (Dependency d : Dependencies.of(reading, sources)) {
            long o = owner.get(d.source());
            switch (d.kind()) {
                case "proc" -> usesFunctions.computeIfAbsent(o, k -> new LinkedHashSet<>()).add(d.oid());
                case "type" -> usesTypes.computeIfAbsent(o, k -> new LinkedHashSet<>()).add(d.oid());
                case "oper" -> usesOperators.computeIfAbsent(o, k -> new LinkedHashSet<>()).add(d.oid());
                default -> {
                    if ("S".equals(d.relkind())) {
                        usesSequences.computeIfAbsent(o, k -> new LinkedHashSet<>()).add(d.oid());
                    }
                }
            }
        }
        for (View v : views) {
            sequencesRead(v.oid, v.reads);
        }
        for (Rule r : rules) {
            sequencesRead(r.oid, r.reads);
        }
    }

    private void sequencesRead(long owner, Reads reads) {
        for (int i = 0; i < reads.oids.size(); i++) {
            if ("S".equals(reads.kinds.get(i))) {
                usesSequences.computeIfAbsent(owner, k -> new LinkedHashSet<>()).add(reads.oids.get(i));
            }
        }
    }

    /** The relation OIDs of the captured tables found. */
    Set<Long> tableOids() {
        return tables.keySet();
    }

    /** Every type the tables' columns, and the tables', indexes', views' and rules' expressions use. */
    Set<Long> typesUsed() {
        Set<Long> all = new LinkedHashSet<>();
        columns.values().forEach(cs -> cs.forEach(c -> all.add(c.typeOid)));
        usesTypes.values().forEach(all::addAll);
        return all;
    }

    Set<Long> functionsUsed() {
        Set<Long> all = new LinkedHashSet<>();
        usesFunctions.values().forEach(all::addAll);
        return all;
    }

    Set<Long> operatorsUsed() {
        Set<Long> all = new LinkedHashSet<>();
        usesOperators.values().forEach(all::addAll);
        return all;
    }

    Set<Long> sequencesUsed() {
        Set<Long> all = new LinkedHashSet<>();
        usesSequences.values().forEach(all::addAll);
        return all;
    }

    /** Makes the nodes of the tables, indexes, views and rules, once the types, functions and sequences are known. */
    void addNodes(SupportObjects support) {
        for (Table t : tables.values()) {
            addTable(t, support);
        }
        for (Index i : indexes) {
            Table t = tables.get(i.table);
            Node node = reading.node(i.ref);
            node.index = new IndexShape(t.ref, i.unique, i.method, keys.getOrDefault(i.oid, List.of()),
                    includes.getOrDefault(i.oid, List.of()), i.predicate);
            node.dependsOn.add(t.ref);
            uses(node, i.oid, support);
        }
        for (View v : views) {
            Node node = reading.node(v.ref);
            node.statements = List.of(viewStatement(v));
            readsOf(node, v.reads);
            uses(node, v.oid, support);
        }
        for (Rule r : rules) {
            ObjectRef on = reading.relations.get(r.relation);
            String object = "rule " + r.name + " on " + on.qualifiedName();
            String missing = missing(r.reads, Set.of());
            if (missing != null) {
                reading.skip(object, "reads or writes " + missing + ", which " + (missing.contains(",") ? "are" : "is")
                        + " not captured: capture it, or create the rule at the destination by hand");
                continue;
            }
            Node node = reading.node(new ObjectRef(ObjectKind.RULE, on.schema(), r.name + " on " + on.name()));
            String definition = stripSemicolon(r.definition);
            // pg_get_ruledef writes CREATE RULE; the same rule again must replace, not fail.
            if (definition.startsWith("CREATE RULE ")) {
                definition = "CREATE OR REPLACE RULE " + definition.substring("CREATE RULE ".length());
            }
            node.statements = List.of(definition);
            node.dependsOn.add(on);
            readsOf(node, r.reads);
            uses(node, r.oid, support);
        }
    }

    private void addTable(Table t, SupportObjects support) {
        Node node = reading.node(t.ref);
        List<ColumnShape> shapes = new ArrayList<>();
        for (Column c : columns.getOrDefault(t.oid, List.of())) {
            shapes.add(new ColumnShape(c.name, c.type, c.notNull, c.defaultExpression, c.identity, c.generated, c.missingValue));
            if (c.virtual) {
                reading.skip("column " + c.name + " of " + t.ref, "is a virtual generated column: it is sent as a stored one "
                        + "(GENERATED ALWAYS AS (" + c.generated + ") STORED), which has the same values");
            }
            ObjectRef type = support.type(c.typeOid);
            if (type != null) {
                node.dependsOn.add(type);
            }
        }
        List<String> primaryKey = List.of();
        List<ConstraintShape> others = new ArrayList<>();
        for (Constraint k : constraints.getOrDefault(t.oid, List.of())) {
            if (k.type == 'p') {
                primaryKey = k.columns;
                continue;
            }
            ConstraintShape shape = new ConstraintShape(k.name, switch (k.type) {
                case 'u' -> "UNIQUE";
                case 'c' -> "CHECK";
                case 'f' -> "FOREIGN KEY";
                default -> "EXCLUDE";
            }, k.definition);
            if (k.type == 'f' && k.referenced != t.oid) {
                ObjectRef referenced = reading.relations.get(k.referenced);
                if (referenced == null || referenced.kind() != ObjectKind.TABLE) {
                    reading.skip("foreign key " + k.name + " of " + t.ref, "references " + k.referencedName + ", which is not "
                            + "captured: capture it too, or add the constraint at the destination by hand once the table is "
                            + "there: ALTER TABLE " + SqlIdentifiers.qualified(t.ref.schema(), t.ref.name()) + " ADD CONSTRAINT "
                            + SqlIdentifiers.quote(k.name) + " " + k.definition);
                    continue;
                }
                node.dependsOn.add(referenced);
                node.foreignKeys.computeIfAbsent(referenced, r -> new ArrayList<>()).add(shape);
            }
            others.add(shape);
        }
        String storage = reading.greenplum ? t.storage : null;
        if (storage != null && storage.contains(",")) {
            reading.skip("storage of " + t.ref, "its partitions are stored differently (" + storage + "): the destination "
                    + "table gets the sink's storage; create it there by hand to store it otherwise");
            storage = null;
        }
        node.table = new TableShape(shapes, primaryKey, others, distributions.get(t.oid), storage);
        uses(node, t.oid, support);
        if (t.partitioned) {
            reading.skip("partitioning of " + t.ref, "is partitioned (PARTITION BY " + t.partitionKey + "): it is sent as one "
                    + "plain table, which receives the rows of all its partitions; to partition it at the destination, "
                    + "create it there by hand before the data arrives");
        } else if (t.parents != null) {
            reading.skip((t.partition ? "partition of " : "inheritance of ") + t.ref, (t.partition ? "is a partition of "
                    : "inherits from ") + t.parents + ": it is sent as a plain table with all its columns, without that link");
        }
    }

    private void uses(Node node, long owner, SupportObjects support) {
        for (long f : usesFunctions.getOrDefault(owner, Set.of())) {
            ObjectRef ref = support.function(f);
            if (ref != null) {
                node.dependsOn.add(ref);
            }
        }
        for (long o : usesOperators.getOrDefault(owner, Set.of())) {
            ObjectRef ref = support.operator(o);
            if (ref != null) {
                node.dependsOn.add(ref);
            }
        }
        for (long t : usesTypes.getOrDefault(owner, Set.of())) {
            ObjectRef ref = support.type(t);
            if (ref != null) {
                node.dependsOn.add(ref);
            }
        }
        for (long s : usesSequences.getOrDefault(owner, Set.of())) {
            ObjectRef ref = reading.sequences.get(s);
            // An identity column's sequence is made with its table: the table cannot wait for it.
            if (ref != null && !node.ref.equals(identityOwner(ref))) {
                node.dependsOn.add(ref);
            }
        }
    }

    private ObjectRef identityOwner(ObjectRef sequence) {
        Node n = reading.nodes.get(sequence);
        return n == null ? null : n.dependsOn.stream().filter(d -> d.kind() == ObjectKind.TABLE).findFirst().orElse(null);
    }

    private void readsOf(Node node, Reads reads) {
        for (long oid : reads.oids) {
            ObjectRef ref = reading.relations.get(oid);
            if (ref == null) {
                ref = reading.sequences.get(oid);
            }
            if (ref != null) {
                node.dependsOn.add(ref);
            }
        }
    }

    private String viewStatement(View v) {
        StringBuilder sql = new StringBuilder("CREATE OR REPLACE VIEW ").append(SqlIdentifiers.qualified(v.ref.schema(), v.ref.name()));
        String checkOption = null;
        List<String> options = new ArrayList<>();
        for (String option : v.options) {
            int eq = option.indexOf('=');
            String name = eq < 0 ? option : option.substring(0, eq);
            String value = eq < 0 ? "true" : option.substring(eq + 1);
            if (name.equals("check_option")) {
                checkOption = value;
            } else {
                options.add(SqlIdentifiers.quote(name) + " = " + SqlIdentifiers.literal(value));
            }
        }
        if (!options.isEmpty()) {
            sql.append(" WITH (").append(String.join(", ", options)).append(')');
        }
        sql.append(" AS\n").append(stripSemicolon(v.query));
        if (checkOption != null) {
            sql.append("\n WITH ").append(checkOption.equals("local") ? "LOCAL" : "CASCADED").append(" CHECK OPTION");
        }
        return sql.toString();
    }

    /** The server's text without its closing ';' (a statement here has none), otherwise as the server wrote it. */
    private static String stripSemicolon(String sql) {
        String s = sql.stripTrailing();
        return s.endsWith(";") ? s.substring(0, s.length() - 1).stripTrailing() : s;
    }

    private static Reads reads(java.sql.ResultSet rs, int first) throws SQLException {
        return new Reads(Reading.longs(rs, first), Reading.strings(rs, first + 1), Reading.strings(rs, first + 2));
    }

    private static String identity(String attidentity) {
        return switch (attidentity == null ? "" : attidentity) {
            case "a" -> "ALWAYS";
            case "d" -> "BY DEFAULT";
            default -> null;
        };
    }

    private static Distribution distribution(String policy, List<String> key) {
        return switch (policy) {
            case "r" -> new Distribution("replicated", List.of());
            case "p" -> key.isEmpty() ? new Distribution("random", List.of()) : new Distribution("hash", key);
            default -> null;
        };
    }
}
