package io.adbsync.source.definition;

import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.definition.DependencyOrder.Node;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The state of one read: the connection, the objects found so far and what was left out. */
final class Reading {

    /** A query's rows, one at a time. */
    interface RowHandler {
        void row(ResultSet rs) throws SQLException;
    }

    final Connection connection;
    final ServerCapabilities capabilities;
    final boolean greenplum;
    final Map<ObjectRef, Node> nodes = new HashMap<>();
    final List<Skipped> skipped = new ArrayList<>();
    /** Captured tables and emitted views by relation OID. */
    final Map<Long, ObjectRef> relations = new HashMap<>();
    /** Emitted sequences by relation OID. */
    final Map<Long, ObjectRef> sequences = new HashMap<>();

    Reading(Connection connection, ServerCapabilities capabilities, boolean greenplum) {
        this.connection = connection;
        this.capabilities = capabilities;
        this.greenplum = greenplum;
    }

    /** The node of {@code ref}, made on first use, depending on its schema. */
    Node node(ObjectRef ref) {
        Node n = nodes.get(ref);
        if (n != null) {
            return n;
        }
        n = new Node(ref);
        nodes.put(ref, n);
        if (ref.kind() != ObjectKind.SCHEMA) {
            ObjectRef schema = new ObjectRef(ObjectKind.SCHEMA, ref.schema(), ref.schema());
            n.dependsOn.add(schema);
            node(schema).statements = List.of("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifiers.quote(ref.schema()));
        }
        return n;
    }

    void skip(String object, String reason) {
        skipped.add(new Skipped(object, reason));
    }

    Array oids(Collection<Long> oids) throws SQLException {
        return connection.createArrayOf("oid", oids.toArray());
    }

    Array texts(Collection<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray());
    }

    /** Runs {@code sql} with {@code params} bound in order, handing each row to {@code handler}. */
    void query(String sql, RowHandler handler, Object... params) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    handler.row(rs);
                }
            }
        }
    }

    static List<String> strings(ResultSet rs, int column) throws SQLException {
        Array a = rs.getArray(column);
        if (a == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (Object o : (Object[]) a.getArray()) {
            values.add((String) o);
        }
        return values;
    }

    static List<Long> longs(ResultSet rs, int column) throws SQLException {
        Array a = rs.getArray(column);
        if (a == null) {
            return List.of();
        }
        List<Long> values = new ArrayList<>();
        for (Object o : (Object[]) a.getArray()) {
            values.add(((Number) o).longValue());
        }
        return values;
    }

    /** {@code "schema"."name"} where the schema is given, else null: an optional qualified name read as two columns. */
    static String qualified(ResultSet rs, int schemaColumn, int nameColumn) throws SQLException {
        String name = rs.getString(nameColumn);
        return name == null ? null : SqlIdentifiers.qualified(rs.getString(schemaColumn), name);
    }
}
