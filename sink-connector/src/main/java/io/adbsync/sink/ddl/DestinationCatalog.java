package io.adbsync.sink.ddl;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.common.sql.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads what the destination knows about a table; every name travels as a bind parameter. */
public final class DestinationCatalog {

    /**
     * A domain's own default and constraints act where a row is written without the column (a staged NULL would meet
     * its NOT NULL), so a column of a domain counts as making its own value.
     */
    private static final String DOMAIN = "(SELECT t.typtype = 'd' FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid)";
    private static final String COLUMNS = columns("a.atthasdef OR " + DOMAIN);
    /** From PostgreSQL 10 and 12, identity and generated columns make their own values, as a default does. */
    private static final String COLUMNS_12 = columns("a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '' OR " + DOMAIN);

    private static String columns(String makesItsValue) {
        return "SELECT a.attname, format_type(a.atttypid, a.atttypmod), " + makesItsValue + " FROM pg_catalog.pg_attribute a "
                + "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
    }
    /**
     * NOT NULL columns without a default that were added with one: the rows older than them hold its value (PostgreSQL
     * 11+). A record from before such a column was added at the source carries no value of it; its row holds that one.
     */
    private static final String FILLS = "SELECT a.attname, array_to_string(a.attmissingval, '') FROM pg_catalog.pg_attribute a "
            + "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped AND a.atthasmissing AND a.attnotnull "
            + "AND NOT a.atthasdef";
    private static final String UNIQUE_KEYS = uniqueKeys("i.indkey::int2[]");
    /**
     * From PostgreSQL 11 an index's key is its first indnkeyatts columns (int2vector subscripts start at 0): the INCLUDE
     * columns after them are stored, not compared, so they identify nothing and no ON CONFLICT names them.
     */
    private static final String UNIQUE_KEYS_12 = uniqueKeys("(i.indkey::int2[])[0:i.indnkeyatts - 1]");

    private static String uniqueKeys(String keyColumns) {
        return "SELECT i.indexrelid, a.attname, i.indimmediate FROM pg_catalog.pg_index i "
                + "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (" + keyColumns + ") "
                + "WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL";
    }

    private final Dialect dialect;

    public DestinationCatalog(Dialect dialect) {
        this.dialect = dialect;
    }

    public TableState load(Connection c, TableId id) throws SQLException {
        String accessMethod = null;
        try (PreparedStatement ps = c.prepareStatement(dialect.storageQuery())) {
            ps.setString(1, id.regclassText());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    accessMethod = rs.getString(1);
                }
            }
        }
        if (accessMethod == null) {
            return TableState.missing(id);
        }
        Map<String, String> columns = new LinkedHashMap<>();
        Set<String> withoutDefault = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(dialect.postgres12Ddl() ? COLUMNS_12 : COLUMNS)) {
            ps.setString(1, id.regclassText());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), rs.getString(2));
                    if (!rs.getBoolean(3)) {
                        withoutDefault.add(rs.getString(1));
                    }
                }
            }
        }
        Map<Long, Set<String>> indexes = new LinkedHashMap<>();
        Set<Long> deferrable = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(dialect.postgres12Ddl() ? UNIQUE_KEYS_12 : UNIQUE_KEYS)) {
            ps.setString(1, id.regclassText());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    indexes.computeIfAbsent(rs.getLong(1), k -> new HashSet<>()).add(rs.getString(2));
                    if (!rs.getBoolean(3)) {
                        deferrable.add(rs.getLong(1));
                    }
                }
            }
        }
        List<String> distribution = new ArrayList<>();
        if (dialect.distributionKeyQuery().isPresent()) {
            try (PreparedStatement ps = c.prepareStatement(dialect.distributionKeyQuery().get())) {
                ps.setString(1, id.regclassText());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        distribution.add(rs.getString(1));
                    }
                }
            }
        }
        Map<String, String> fills = new LinkedHashMap<>();
        if (dialect.postgres12Ddl()) {
            try (PreparedStatement ps = c.prepareStatement(FILLS)) {
                ps.setString(1, id.regclassText());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        fills.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
        }
        List<Set<String>> uniqueKeys = new ArrayList<>();
        List<Set<String>> immediate = new ArrayList<>();
        indexes.forEach((index, cols) -> {
            uniqueKeys.add(Set.copyOf(cols));
            if (!deferrable.contains(index)) {
                immediate.add(Set.copyOf(cols));
            }
        });
        return new TableState(id, true, columns, uniqueKeys, immediate, StorageEngine.ofAccessMethod(accessMethod), distribution,
                fills, Set.copyOf(withoutDefault));
    }

    /**
     * The statements that make {@code schema} before a table goes into it: none where it exists. CREATE SCHEMA IF NOT
     * EXISTS checks the database's CREATE privilege before it looks, so it would fail for a role that may create
     * tables in the schema but not schemas in the database. IF NOT EXISTS stays for another task creating it meanwhile.
     */
    public static List<String> createSchemaIfMissing(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?)")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1) ? List.of() : List.of("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifiers.quote(schema));
            }
        }
    }

    /** Whether {@code typeName} names a type the destination has; the name is a bind parameter, never SQL text. */
    public boolean typeExists(Connection c, String typeName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regtype(?) IS NOT NULL")) {
            ps.setString(1, typeName);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
