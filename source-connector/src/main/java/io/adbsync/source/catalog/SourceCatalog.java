package io.adbsync.source.catalog;

import io.adbsync.common.config.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.stream.CapturedTable;
import io.adbsync.source.stream.RowFilter;
import io.adbsync.source.stream.TableFilter;
import io.adbsync.source.stream.UnchangedToastLoader;
import io.adbsync.source.types.TextForms;
import org.apache.kafka.connect.errors.ConnectException;
import org.postgresql.PGProperty;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The few questions the source asks of the catalog over a normal connection: primary keys where the Relation
 * message does not carry them, names of non-built-in types, the captured tables, and TOASTed values not sent.
 */
public final class SourceCatalog implements AutoCloseable, UnchangedToastLoader {

    private final ConnectionConfig config;
    private Connection connection;

    public SourceCatalog(ConnectionConfig config) {
        this.config = config;
    }

    /** The catalog connection, opened again if it was lost. */
    public Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            // Values re-read or filtered here must have the text forms the stream and the snapshot have.
            Properties props = new Properties();
            PGProperty.OPTIONS.set(props, TextForms.SESSION_OPTIONS);
            connection = Jdbc.open(config, props);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    /** Drops the connection after a failure; the next call opens a new one. */
    public void reset() {
        close();
    }

    public String database() throws SQLException {
        return scalar("SELECT current_database()");
    }

    public List<String> primaryKey(int relationOid) {
        String sql = "SELECT a.attname FROM pg_index i "
                + "JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true "
                + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                + "WHERE i.indrelid = ? AND i.indisprimary ORDER BY k.ord";
        try (PreparedStatement ps = connection().prepareStatement(sql)) {
            ps.setLong(1, relationOid & 0xFFFFFFFFL);
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
            return columns;
        } catch (SQLException e) {
            throw new ConnectException("Cannot read the primary key of relation OID " + relationOid + ": " + e.getMessage(), e);
        }
    }

    /** {@code format_type} with every non-catalog type schema-qualified, as the destination needs it. */
    public String formatType(int oid, int typmod) {
        try (Statement s = connection().createStatement()) {
            s.execute("SET search_path = pg_catalog");
            try (PreparedStatement ps = connection().prepareStatement("SELECT format_type(?::oid, ?)")) {
                ps.setLong(1, oid & 0xFFFFFFFFL);
                if (typmod < 0) {
                    ps.setNull(2, java.sql.Types.INTEGER);
                } else {
                    ps.setInt(2, typmod);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            } finally {
                s.execute("RESET search_path");
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot name the type with OID " + oid + ": " + e.getMessage(), e);
        }
    }

    /** The ordinary and partitioned tables the filter captures, as {@code schema.table} pairs in name order. */
    public List<String[]> capturedTables(TableFilter filter) throws SQLException {
        List<String[]> tables = new ArrayList<>();
        try (Statement s = connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                     + "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1, 2")) {
            while (rs.next()) {
                if (filter.captures(rs.getString(1), rs.getString(2))) {
                    tables.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        return tables;
    }

    /**
     * The relation as pgoutput would describe it: published columns (not dropped, not generated) in order, flagged
     * as key by the replica identity (all columns under FULL). Used by the snapshot before any Relation message came.
     */
    public PgOutputMessage.Relation relation(String schema, String table) throws SQLException {
        String sql = "SELECT c.oid, c.relreplident, a.attname, a.atttypid, a.atttypmod, "
                + "CASE c.relreplident WHEN 'f' THEN true WHEN 'n' THEN false "
                + "WHEN 'i' THEN a.attnum = ANY(ri.indkey::int2[]) ELSE a.attnum = ANY(pk.indkey::int2[]) END "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
                + "LEFT JOIN pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary "
                + "LEFT JOIN pg_index ri ON ri.indrelid = c.oid AND ri.indisreplident "
                + "WHERE n.nspname = ? AND c.relname = ? ORDER BY a.attnum";
        try (PreparedStatement ps = connection().prepareStatement(sql)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            List<PgOutputMessage.Column> columns = new ArrayList<>();
            int oid = 0;
            char identity = 'd';
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    oid = (int) rs.getLong(1);
                    identity = rs.getString(2).charAt(0);
                    columns.add(new PgOutputMessage.Column(rs.getBoolean(6), rs.getString(3), (int) rs.getLong(4), rs.getInt(5)));
                }
            }
            if (columns.isEmpty()) {
                throw new SQLException("Table " + schema + "." + table + " does not exist or has no columns", "42P01");
            }
            return new PgOutputMessage.Relation(java.util.OptionalInt.empty(), oid, schema, table, identity, columns);
        }
    }

    /** Size of a table in blocks and its estimated row count, for planning snapshot chunks and showing progress. */
    public long[] sizeOf(int relationOid) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint, greatest(c.reltuples, 0)::bigint "
                        + "FROM pg_class c WHERE c.oid = ?")) {
            ps.setLong(1, relationOid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /** {@code server_version_num}, e.g. 150004. */
    public int serverVersionNum() throws SQLException {
        return Integer.parseInt(scalar("SHOW server_version_num"));
    }

    /**
     * A connector-side row filter: each tuple is checked by the source server itself, by selecting the condition over
     * the tuple's values cast to the columns' types, so the condition means exactly what it would in a publication.
     */
    public RowFilter rowFilter(Map<String, String> conditions) {
        return new RowFilter() {
            @Override
            public boolean filters(CapturedTable table) {
                return conditions.containsKey(table.qualifiedName());
            }

            @Override
            public boolean matches(CapturedTable table, TupleData row) {
                return evaluate(table, conditions.get(table.qualifiedName()), row);
            }
        };
    }

    private boolean evaluate(CapturedTable table, String condition, TupleData row) {
        StringBuilder sql = new StringBuilder("SELECT EXISTS (SELECT 1 FROM (SELECT ");
        for (int i = 0; i < table.columns().size(); i++) {
            CapturedTable.CapturedColumn c = table.columns().get(i);
            sql.append(i == 0 ? "" : ", ").append("CAST(? AS ").append(c.mapping().sourceType()).append(") AS ")
                    .append(SqlIdentifiers.quote(c.name()));
        }
        sql.append(") AS ").append(SqlIdentifiers.quote(table.table())).append(" WHERE (").append(condition).append("))");
        try (PreparedStatement ps = connection().prepareStatement(sql.toString())) {
            for (int i = 0; i < table.columns().size(); i++) {
                TupleData.Value v = row.get(i);
                if (v.isUnchangedToast()) {
                    // Taken as NULL it would decide the row's fate on a value the row does not have.
                    throw new ConnectException("Cannot evaluate the row filter of " + table.qualifiedName() + " ("
                            + condition + "): the value of column " + table.columns().get(i).name()
                            + " was not sent (unchanged TOASTed value) and the old row does not hold it");
                }
                ps.setString(i + 1, v.isNull() ? null : v.text());
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot evaluate the row filter of " + table.qualifiedName() + " (" + condition + "): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String load(CapturedTable table, CapturedTable.CapturedColumn column, List<KeyValue> key) {
        try {
            String current = currentName(table, column, key);
            // concat() prints with the type's output function, as pgoutput does (a ::text cast trims character(n)).
            StringBuilder sql = new StringBuilder("SELECT concat(").append(SqlIdentifiers.quote(column.name())).append("), ")
                    .append(SqlIdentifiers.quote(column.name())).append(" IS NULL FROM ").append(current).append(" WHERE ");
            for (int i = 0; i < key.size(); i++) {
                KeyValue k = key.get(i);
                sql.append(i == 0 ? "" : " AND ").append(SqlIdentifiers.quote(k.column().name()))
                        .append(" = CAST(? AS ").append(k.column().mapping().sourceType()).append(')');
            }
            try (PreparedStatement ps = connection().prepareStatement(sql.toString())) {
                for (int i = 0; i < key.size(); i++) {
                    ps.setString(i + 1, key.get(i).text());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    return rs.getBoolean(2) ? null : rs.getString(1);
                }
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot re-read unchanged TOASTed column " + column.name() + " of "
                    + table.qualifiedName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The table's current qualified name, found by OID; fails naming table and column when the table or one of the
     * columns (by name and type as the Relation message gave them) is gone.
     */
    private String currentName(CapturedTable table, CapturedTable.CapturedColumn column, List<KeyValue> key) throws SQLException {
        List<CapturedTable.CapturedColumn> needed = new ArrayList<>();
        needed.add(column);
        key.forEach(k -> needed.add(k.column()));
        String sql = "SELECT n.nspname, c.relname, (SELECT string_agg(w.name, ', ' ORDER BY w.ord) "
                + "FROM unnest(?::text[], ?::oid[]) WITH ORDINALITY AS w(name, typ, ord) WHERE NOT EXISTS (SELECT 1 "
                + "FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = w.name AND a.atttypid = w.typ "
                + "AND a.attnum > 0 AND NOT a.attisdropped)) "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?";
        try (PreparedStatement ps = connection().prepareStatement(sql)) {
            ps.setArray(1, connection().createArrayOf("text", needed.stream().map(CapturedTable.CapturedColumn::name).toArray()));
            ps.setArray(2, connection().createArrayOf("oid", needed.stream().map(c -> Integer.toUnsignedLong(c.typeOid())).toArray()));
            ps.setLong(3, Integer.toUnsignedLong(table.oid()));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw gone(table, column, "the table no longer exists");
                }
                String missing = rs.getString(3);
                if (missing != null) {
                    throw gone(table, column, "column(s) " + missing + " no longer exist with the type they had "
                            + "(dropped or renamed later)");
                }
                return SqlIdentifiers.qualified(rs.getString(1), rs.getString(2));
            }
        }
    }

    private static ConnectException gone(CapturedTable table, CapturedTable.CapturedColumn column, String why) {
        return new ConnectException("Cannot re-read unchanged TOASTed column " + column.name() + " of " + table.qualifiedName()
                + " (relation OID " + Integer.toUnsignedLong(table.oid()) + "): " + why + ", so its value as of this change "
                + "cannot be read any more and no later change carries it. REPLICA IDENTITY FULL on the table puts such "
                + "values into the change itself (set replica.identity.full=true)");
    }

    public String scalar(String sql) throws SQLException {
        try (Statement s = connection().createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Closing a broken connection has nothing left to report.
            }
            connection = null;
        }
    }
}
