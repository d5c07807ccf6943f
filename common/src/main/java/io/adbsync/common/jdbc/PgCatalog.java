package io.adbsync.common.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The catalog questions that the source connector and {@code verify} both ask: which relations are tables, what
 * identifies their rows, which columns make their primary key. Each is written here once, so the connector and the
 * tool that checks its work cannot come to mean different things by "a table" or "its key".
 */
public final class PgCatalog {

    /**
     * Ordinary and partitioned tables (views, sequences, foreign tables and indexes hold no rows to copy), with whether
     * each has a primary key and a replica identity index.
     */
    private static final String TABLES = "SELECT n.nspname, c.relname, c.oid, c.relkind = 'p', c.relispartition, c.relreplident, "
            + "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), "
            + "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) "
            + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')";

    /**
     * The columns of relation {@code ?}'s primary key in key order, each with its type as {@code format_type} prints it;
     * not its INCLUDE columns, which are stored in the index but are no part of the key.
     */
    private static final String PRIMARY_KEY = "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i "
            + "JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true "
            + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            + "WHERE i.indrelid = ?::oid AND i.indisprimary AND k.ord <= i.indnkeyatts ORDER BY k.ord";

    /** The columns of the index relation {@code ?}'s replica identity uses, in key order, each with its type. */
    private static final String REPLICA_IDENTITY_INDEX = "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i "
            + "JOIN pg_class c ON c.oid = i.indrelid "
            + "JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true "
            + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            + "WHERE i.indrelid = ?::oid AND i.indisreplident AND c.relreplident = 'i' AND k.ord <= i.indnkeyatts ORDER BY k.ord";

    private PgCatalog() {
    }

    /**
     * A table as the catalog lists it: its OID, whether it is partitioned or a partition, and what identifies its rows
     * (a primary key; its replica identity, {@code d} default, {@code f} full, {@code i} index, {@code n} nothing, and
     * whether an index is marked as that identity).
     */
    public record Table(String schema, String name, long oid, boolean partitioned, boolean partition, boolean primaryKey,
                        char replicaIdentity, boolean replicaIdentityIndex) {

        public String qualifiedName() {
            return schema + "." + name;
        }

        /**
         * Whether a key identifies its rows: a primary key, or else the index its replica identity uses. The source
         * captures only such tables (its records carry that key); {@code verify} compares them on it.
         */
        public boolean keyed() {
            return primaryKey || replicaIdentity == 'i' && replicaIdentityIndex;
        }
    }

    /** A primary-key column and its type as {@code format_type} prints it. */
    public record KeyColumn(String name, String type) {
    }

    /**
     * Every table of the database in (schema, name) order; partitions too with {@code withPartitions}, else only the
     * tables that are not a partition of another (a partitioned table stands for its partitions).
     */
    public static List<Table> tables(Connection c, boolean withPartitions) throws SQLException {
        List<Table> tables = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(TABLES + (withPartitions ? "" : " AND NOT c.relispartition") + " ORDER BY 1, 2")) {
            while (rs.next()) {
                tables.add(new Table(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getBoolean(4), rs.getBoolean(5),
                        rs.getBoolean(7), rs.getString(6).charAt(0), rs.getBoolean(8)));
            }
        }
        return tables;
    }

    /** The primary-key columns of relation {@code relationOid} in key order; empty when it has none (or is gone). */
    public static List<KeyColumn> primaryKey(Connection c, long relationOid) throws SQLException {
        return keyColumns(c, PRIMARY_KEY, relationOid);
    }

    /**
     * The columns of the key that identifies relation {@code relationOid}'s rows (see {@link Table#keyed()}): its primary
     * key, else its replica identity index; empty when it has neither.
     */
    public static List<KeyColumn> identifyingKey(Connection c, long relationOid) throws SQLException {
        List<KeyColumn> primaryKey = primaryKey(c, relationOid);
        return primaryKey.isEmpty() ? keyColumns(c, REPLICA_IDENTITY_INDEX, relationOid) : primaryKey;
    }

    private static List<KeyColumn> keyColumns(Connection c, String query, long relationOid) throws SQLException {
        List<KeyColumn> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(query)) {
            ps.setLong(1, relationOid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(new KeyColumn(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return columns;
    }

    /** The OID of the relation named {@code schema.name} (of any kind), or null if there is none. */
    public static Long relationOid(Connection c, String schema, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /** {@code server_version_num}, e.g. 150004. */
    public static int serverVersionNum(Connection c) throws SQLException {
        return Integer.parseInt(scalar(c, "SHOW server_version_num"));
    }

    /** The first column of the first row {@code sql} returns, as text; null when it returns no row. */
    public static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
