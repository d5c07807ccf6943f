package io.adbsync.source.definition;

import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.IndexShape;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SequenceShape;
import io.adbsync.common.definition.TableShape;
import io.adbsync.common.sql.SqlIdentifiers;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies definitions to a PostgreSQL database in their order, as the simplest sink would: statements as they are,
 * tables, sequences and indexes made from their shapes with source names. Only for checking that a read carries
 * enough to build the source again; the sink's own rendering (names mapped, Greenplum options) is its own.
 */
final class ShapeRenderer {

    private ShapeRenderer() {
    }

    static void apply(Statement s, List<Definition> definitions) throws SQLException {
        Map<ObjectRef, List<String>> ownedBy = new HashMap<>();
        for (Definition d : definitions) {
            for (String statement : d.statements()) {
                s.execute(statement);
            }
            if (d.table() != null) {
                s.execute(createTable(d.ref(), d.table()));
                for (String alter : ownedBy.getOrDefault(d.ref(), List.of())) {
                    s.execute(alter);
                }
            }
            if (d.sequence() != null && d.dependsOn().stream().noneMatch(r -> r.kind() == ObjectKind.TABLE)) {
                SequenceShape q = d.sequence();
                String name = SqlIdentifiers.qualified(d.ref().schema(), d.ref().name());
                s.execute("CREATE SEQUENCE " + name + " AS " + q.dataType() + " INCREMENT BY " + q.increment() + " MINVALUE "
                        + q.min() + " MAXVALUE " + q.max() + " START WITH " + q.start() + " CACHE " + q.cache()
                        + (q.cycle() ? " CYCLE" : " NO CYCLE"));
                if (q.ownedBy() != null) {
                    String table = q.ownedBy().substring(0, q.ownedBy().lastIndexOf(".\""));
                    ObjectRef owner = tableRef(table);
                    ownedBy.computeIfAbsent(owner, k -> new ArrayList<>()).add("ALTER SEQUENCE " + name + " OWNED BY " + q.ownedBy());
                }
            }
            if (d.index() != null) {
                IndexShape i = d.index();
                s.execute("CREATE " + (i.unique() ? "UNIQUE " : "") + "INDEX " + SqlIdentifiers.quote(d.ref().name()) + " ON "
                        + SqlIdentifiers.qualified(i.table().schema(), i.table().name()) + " USING " + i.method() + " ("
                        + String.join(", ", i.keys()) + ")"
                        + (i.include().isEmpty() ? "" : " INCLUDE (" + String.join(", ", i.include().stream().map(SqlIdentifiers::quote).toList()) + ")")
                        + (i.predicate() == null ? "" : " WHERE " + i.predicate()));
            }
        }
    }

    private static ObjectRef tableRef(String quotedSchemaTable) {
        return ObjectRef.parse("table:" + quotedSchemaTable);
    }

    private static String createTable(ObjectRef ref, TableShape t) {
        List<String> parts = new ArrayList<>();
        for (ColumnShape c : t.columns()) {
            StringBuilder col = new StringBuilder(SqlIdentifiers.quote(c.name())).append(' ').append(c.type());
            if (c.notNull()) {
                col.append(" NOT NULL");
            }
            if (c.defaultExpression() != null) {
                col.append(" DEFAULT ").append(c.defaultExpression());
            }
            if (c.identity() != null) {
                col.append(" GENERATED ").append(c.identity()).append(" AS IDENTITY");
            }
            if (c.generated() != null) {
                col.append(" GENERATED ALWAYS AS (").append(c.generated()).append(") STORED");
            }
            parts.add(col.toString());
        }
        if (!t.primaryKey().isEmpty()) {
            parts.add("PRIMARY KEY (" + String.join(", ", t.primaryKey().stream().map(SqlIdentifiers::quote).toList()) + ")");
        }
        for (ConstraintShape k : t.constraints()) {
            parts.add("CONSTRAINT " + SqlIdentifiers.quote(k.name()) + " " + k.definition());
        }
        return "CREATE TABLE " + SqlIdentifiers.qualified(ref.schema(), ref.name()) + " (" + String.join(", ", parts) + ")";
    }
}
