package io.adbsync.source.definition;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What catalog objects refer to, from {@code pg_depend}: the functions, types, operators and relations an expression (a default,
 * a CHECK, an index key, a view's query, a rule's action), a domain or a function was created against. Only normal
 * dependencies ({@code deptype 'n'}): the automatic and internal ones tie an object to its owner, not to what it uses.
 */
final class Dependencies {

    /** One catalog object whose dependencies are asked for: its catalog ({@code pg_attrdef}, …) and OID. */
    record Source(String catalog, long oid) {
    }

    /**
     * One dependency of {@code source}: a function or aggregate ({@code proc}), type ({@code type}), operator
     * ({@code oper}) or relation ({@code class}, with its {@code relkind}).
     */
    record Dependency(Source source, String kind, long oid, String relkind) {
    }

    private static final String DEPENDENCIES = "SELECT DISTINCT s.cls, d.objid, CASE d.refclassid "
            + "WHEN 'pg_proc'::regclass THEN 'proc' WHEN 'pg_type'::regclass THEN 'type' "
            + "WHEN 'pg_operator'::regclass THEN 'oper' ELSE 'class' END, "
            + "d.refobjid, r.relkind::text "
            + "FROM unnest(?::text[], ?::oid[]) AS s(cls, objid) "
            + "JOIN pg_depend d ON d.classid = s.cls::regclass AND d.objid = s.objid "
            + "LEFT JOIN pg_class r ON d.refclassid = 'pg_class'::regclass AND r.oid = d.refobjid "
            + "WHERE d.deptype = 'n' AND d.refclassid IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass, "
            + "'pg_operator'::regclass) "
            + "ORDER BY 1, 2, 3, 4";

    private Dependencies() {
    }

    /** The dependencies of every source in one query. */
    static List<Dependency> of(Reading reading, Collection<Source> sources) throws SQLException {
        List<Dependency> found = new ArrayList<>();
        if (sources.isEmpty()) {
            return found;
        }
        List<String> catalogs = new ArrayList<>();
        List<Long> oids = new ArrayList<>();
        for (Source s : sources) {
            catalogs.add(s.catalog());
            oids.add(s.oid());
        }
        reading.query(DEPENDENCIES, rs -> found.add(new Dependency(new Source(rs.getString(1), rs.getLong(2)),
                rs.getString(3), rs.getLong(4), rs.getString(5))), reading.texts(catalogs), reading.oids(oids));
        return found;
    }
}
