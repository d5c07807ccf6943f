package io.adbsync.sink.definition;

import io.adbsync.common.definition.AggregateOperatorSql;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.ddl.DestinationCatalog;
import io.adbsync.sink.ddl.TableState;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.sink.dialect.TableDefinition.Placement;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the destination's catalog says about the objects definitions make. Names travel as bind parameters. Types and
 * default expressions are read with {@code search_path} set to {@code pg_catalog} for the one query, so that they name
 * every object outside pg_catalog with its schema, as the source writes them into definitions.
 */
final class DefinitionCatalog {

    private static final String COLUMNS_12 = "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, a.attnotnull, "
            + "pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text FROM pg_catalog.pg_attribute a "
            + "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            + "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
    private static final String COLUMNS_94 = "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.atttypid, a.attnotnull, "
            + "pg_get_expr(d.adbin, d.adrelid), '', '' FROM pg_catalog.pg_attribute a "
            + "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            + "WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
    private static final String CONSTRAINTS = "SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint "
            + "WHERE conrelid = to_regclass(?) AND contype IN ('u', 'c', 'f', 'x') ORDER BY conname";
    private static final String PRIMARY_KEY = primaryKey("");
    /** From PostgreSQL 11 a primary key's INCLUDE columns follow its indnkeyatts key columns and are no part of it. */
    private static final String PRIMARY_KEY_12 = primaryKey(" AND k.n <= i.indnkeyatts");

    private static String primaryKey(String keyColumnsOnly) {
        return "SELECT a.attname FROM pg_catalog.pg_index i "
                + "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, n) "
                + "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                + "WHERE i.indrelid = to_regclass(?) AND i.indisprimary" + keyColumnsOnly + " ORDER BY k.n";
    }

    private final Dialect dialect;
    private final DestinationCatalog tables;

    DefinitionCatalog(Dialect dialect) {
        this.dialect = dialect;
        this.tables = new DestinationCatalog(dialect);
    }

    /** A column of a destination table. {@code identity} and {@code generated} are the catalog's codes ('' for none). */
    record ColumnState(String name, String type, long typeOid, boolean notNull, String defaultExpression, String identity,
                       String generated) {
    }

    /** A destination table as far as the applier compares it. */
    record TableInfo(TableId id, Map<String, ColumnState> columns, List<String> primaryKey,
                     Map<String, String> constraints, Layout layout, boolean storageKnown) {
    }

    Optional<TableInfo> table(Connection c, TableId id) throws SQLException {
        TableState state = tables.load(c, id);
        if (!state.exists()) {
            return Optional.empty();
        }
        String saved = catalogPath(c);
        Map<String, ColumnState> columns = new LinkedHashMap<>();
        Map<String, String> constraints = new LinkedHashMap<>();
        try {
            try (PreparedStatement ps = c.prepareStatement(dialect.postgres12Ddl() ? COLUMNS_12 : COLUMNS_94)) {
                ps.setString(1, id.regclassText());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.put(rs.getString(1), new ColumnState(rs.getString(1), rs.getString(2), rs.getLong(3),
                                rs.getBoolean(4), rs.getString(5), rs.getString(6), rs.getString(7)));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(CONSTRAINTS)) {
                ps.setString(1, id.regclassText());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        constraints.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
        } finally {
            restorePath(c, saved);
        }
        List<String> primaryKey = strings(c, dialect.postgres12Ddl() ? PRIMARY_KEY_12 : PRIMARY_KEY, id.regclassText());
        Placement placement = Placement.KEY;
        if (dialect.distributesRows()) {
            String policy = string(c, "SELECT policytype::text FROM pg_catalog.gp_distribution_policy WHERE localoid = to_regclass(?)",
                    id.regclassText());
            if ("r".equals(policy)) {
                placement = Placement.REPLICATED;
            } else if (state.distributionKey().isEmpty()) {
                placement = Placement.RANDOM;
            }
        }
        Layout layout = new Layout(state.storage().orElse(StorageEngine.HEAP), placement, state.distributionKey());
        return Optional.of(new TableInfo(id, columns, primaryKey, constraints, layout, state.storage().isPresent()));
    }

    /** The oid of the type {@code typeName} names at the destination (typmod and all), or 0 where it names none. */
    long typeOid(Connection c, String typeName) throws SQLException {
        String oid = string(c, "SELECT to_regtype(?)::oid::text", typeName);
        return oid == null ? 0 : Long.parseLong(oid);
    }

    boolean schemaExists(Connection c, String schema) throws SQLException {
        return bool(c, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?)", schema);
    }

    /**
     * A function (not an aggregate) by schema and ObjectRef name, as the source wrote it: {@code search_path} must be
     * pg_catalog alone, as it was there, so that argument types are qualified the same.
     */
    private static final String FUNCTION_BY_SIGNATURE = "SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n "
            + "ON n.oid = p.pronamespace WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid = p.oid) "
            + "AND n.nspname = ? "
            + "AND p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' = ?";

    boolean relationExists(Connection c, TableId relation) throws SQLException {
        return bool(c, "SELECT to_regclass(?) IS NOT NULL", relation.regclassText());
    }

    boolean typeExists(Connection c, String schema, String name) throws SQLException {
        return bool(c, "SELECT to_regtype(?) IS NOT NULL", SqlIdentifiers.qualified(schema, name));
    }

    /**
     * Whether function {@code name(arguments)} exists in {@code schema}; {@code signature} as ObjectRef names functions:
     * with {@code pg_get_function_identity_arguments}' text, argument names included, which to_regprocedure refuses.
     */
    boolean functionExists(Connection c, String schema, String signature) throws SQLException {
        String saved = catalogPath(c);
        try {
            return bool(c, "SELECT EXISTS (" + FUNCTION_BY_SIGNATURE + ")", schema, signature);
        } finally {
            restorePath(c, saved);
        }
    }

    boolean ruleExists(Connection c, String schema, String name) throws SQLException {
        return bool(c, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class t ON t.oid = r.ev_class "
                + "JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = ? AND r.rulename = ?)", schema, name);
    }

    List<String> enumLabels(Connection c, String schema, String name) throws SQLException {
        return strings(c, "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = to_regtype(?) ORDER BY enumsortorder",
                SqlIdentifiers.qualified(schema, name));
    }

    /** The sequence behind an identity or serial column ({@code pg_get_serial_sequence}), or empty. */
    Optional<TableId> serialSequence(Connection c, TableId table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT n.nspname, s.relname FROM pg_catalog.pg_class s "
                + "JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace "
                + "WHERE s.oid = to_regclass(pg_get_serial_sequence(?, ?))")) {
            ps.setString(1, table.quoted());
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new TableId(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /** A sequence's parameters as {@code pg_sequence} has them (PostgreSQL 10+ kernels), or empty. */
    Optional<List<String>> sequenceParameters(Connection c, TableId sequence) throws SQLException {
        if (!dialect.postgres12Ddl()) {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT format_type(seqtypid, NULL), seqstart::text, seqincrement::text, "
                + "seqmin::text, seqmax::text, seqcache::text, seqcycle::text FROM pg_catalog.pg_sequence WHERE seqrelid = to_regclass(?)")) {
            ps.setString(1, sequence.regclassText());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= 7; i++) {
                    values.add(rs.getString(i));
                }
                return Optional.of(values);
            }
        }
    }

    /** Whether {@code sequence} is owned by {@code table.column} (OWNED BY, an automatic dependency). */
    boolean ownedBy(Connection c, TableId sequence, TableId table, String column) throws SQLException {
        return bool(c, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attribute a "
                + "ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE d.classid = 'pg_catalog.pg_class'::regclass "
                + "AND d.objid = to_regclass(?) AND d.refobjid = to_regclass(?) AND a.attname = ? AND d.deptype = 'a')",
                sequence.regclassText(), table.regclassText(), column);
    }

    /**
     * The destination's own text of a function ({@code pg_get_functiondef}), view ({@code pg_get_viewdef}), rule
     * ({@code pg_get_ruledef}), aggregate or operator ({@link AggregateOperatorSql}), as the source's text was made;
     * null where it has none.
     */
    String currentDefinition(Connection c, ObjectKind kind, String schema, String name) throws SQLException {
        String saved = catalogPath(c);
        try {
            return switch (kind) {
                case FUNCTION -> string(c, "SELECT pg_get_functiondef(p.oid) FROM (" + FUNCTION_BY_SIGNATURE + ") p", schema, name);
                case AGGREGATE, OPERATOR -> AggregateOperatorSql.current(c, new ObjectRef(kind, schema, name));
                case VIEW -> string(c, "SELECT pg_get_viewdef(to_regclass(?))", SqlIdentifiers.qualified(schema, name));
                case RULE -> string(c, "SELECT pg_get_ruledef(r.oid) FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class t "
                        + "ON t.oid = r.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace "
                        + "WHERE n.nspname = ? AND r.rulename = ?", schema, name);
                default -> null;
            };
        } finally {
            restorePath(c, saved);
        }
    }

    /** Sets {@code search_path} to pg_catalog for this transaction; returns the setting to restore. */
    private static String catalogPath(Connection c) throws SQLException {
        String saved = string(c, "SELECT current_setting('search_path')");
        string(c, "SELECT set_config('search_path', 'pg_catalog', true)");
        return saved;
    }

    private static void restorePath(Connection c, String saved) throws SQLException {
        string(c, "SELECT set_config('search_path', ?, true)", saved);
    }

    private static boolean bool(Connection c, String sql, String... params) throws SQLException {
        return "t".equals(string(c, sql, params, true));
    }

    private static String string(Connection c, String sql, String... params) throws SQLException {
        return string(c, sql, params, false);
    }

    private static String string(Connection c, String sql, String[] params, boolean asBoolean) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (asBoolean) {
                    return rs.getBoolean(1) ? "t" : "f";
                }
                return rs.getString(1);
            }
        }
    }

    private static List<String> strings(Connection c, String sql, String... params) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
