package io.adbsync.sink.precheck;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.sink.naming.SourceTable;
import io.adbsync.sink.naming.TableAllowList;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.naming.TableNamer;
import io.adbsync.sink.session.ReplicationRoleSession;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The live checks of {@code validate()}: the destination is reachable, the user may run under the session replication
 * role the sink asks for, may create temporary tables and may create, read and write the tables of the listed topics,
 * the storage engine exists, and no table conflicts under {@code table.conflict.mode=fail}. Each problem is reported
 * on the config key a user has to change.
 */
public final class SinkPrecheck {

    private static final int TIMEOUT_SECONDS = 10;

    private SinkPrecheck() {
    }

    /** Errors by config key; {@code topics} are the explicitly listed topics (a regex cannot be resolved here). */
    public static Map<String, List<String>> run(SinkConfig config, List<String> topics) {
        Map<String, List<String>> errors = new LinkedHashMap<>();
        try (Connection c = Jdbc.open(config.connection(), Jdbc.timeouts(TIMEOUT_SECONDS, 2 * TIMEOUT_SECONDS))) {
            Dialect dialect = Dialects.detect(c);
            if (!dialect.supports(config.storageEngine())) {
                add(errors, SinkConfig.STORAGE_ENGINE, SinkConfig.unsupportedStorage(dialect, config.storageEngine()));
            }
            String refused = ReplicationRoleSession.apply(c, config.replicationRole());
            if (refused != null) {
                add(errors, SinkConfig.SESSION_REPLICATION_ROLE, refused);
            }
            if (!bool(c, "SELECT has_database_privilege(current_database(), 'TEMPORARY')", null)) {
                add(errors, ConnectionConfig.USER, "User " + config.connection().user() + " may not create temporary tables, "
                        + "which hold each batch before it is merged; run GRANT TEMPORARY ON DATABASE "
                        + SqlIdentifiers.quote(scalar(c, "SELECT current_database()")) + " TO "
                        + SqlIdentifiers.quote(scalar(c, "SELECT current_user")));
            }
            TableNamer namer = new TableNamer(config.tableNameFormat(), config.tableNameMap(), config.nameCase());
            TableAllowList allowList = new TableAllowList(config.tableAllowList());
            Set<TableId> tables = new LinkedHashSet<>();
            for (String topic : topics) {
                TableId table = namer.tableFor(SourceTable.fromTopic(topic));
                if (allowList.allows(table)) {
                    tables.add(table);
                } else {
                    add(errors, SinkConfig.TABLE_ALLOW_LIST, "Topic " + topic + " maps to destination table " + table
                            + ", which " + SinkConfig.TABLE_ALLOW_LIST + " does not allow");
                }
            }
            for (TableId table : tables) {
                checkTable(c, config, table, errors);
            }
        } catch (SQLException e) {
            add(errors, ConnectionConfig.URL, "Cannot reach the destination at " + config.connection().redactedUrl() + " as "
                    + config.connection().user() + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")");
        }
        return errors;
    }

    private static void checkTable(Connection c, SinkConfig config, TableId table, Map<String, List<String>> errors)
            throws SQLException {
        boolean exists = bool(c, "SELECT to_regclass(?) IS NOT NULL", table.quoted());
        if (exists) {
            if (config.conflictMode() == SinkConfig.ConflictMode.FAIL) {
                add(errors, SinkConfig.TABLE_CONFLICT_MODE, "Destination table " + table + " already exists; drop or "
                        + "rename it, map the topic elsewhere (" + SinkConfig.TABLE_NAME_MAP + "), or set "
                        + SinkConfig.TABLE_CONFLICT_MODE + "=ignore");
            }
            List<String> missing = new ArrayList<>();
            // SELECT: staging tables are made from the table, and upserts and deletes read the rows they replace.
            List<String> needed = config.truncateEnabled() ? List.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
                    : List.of("SELECT", "INSERT", "UPDATE", "DELETE");
            for (String privilege : needed) {
                if (!privilege(c, "SELECT has_table_privilege(?, '" + privilege + "')", table.quoted())) {
                    missing.add(privilege);
                }
            }
            if (!missing.isEmpty()) {
                add(errors, ConnectionConfig.USER, "User " + config.connection().user() + " lacks " + String.join(", ", missing)
                        + " on destination table " + table);
            }
            return;
        }
        if (!config.autoCreate()) {
            add(errors, SinkConfig.AUTO_CREATE, "Destination table " + table + " does not exist and "
                    + SinkConfig.AUTO_CREATE + " is false");
            return;
        }
        boolean schemaExists = bool(c, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?)", table.schema());
        boolean mayCreate = schemaExists
                ? privilege(c, "SELECT has_schema_privilege(?, 'CREATE')", table.schema())
                : bool(c, "SELECT has_database_privilege(current_database(), 'CREATE')", null);
        if (!mayCreate) {
            add(errors, ConnectionConfig.USER, "User " + config.connection().user() + " may not create table " + table
                    + (schemaExists ? " in schema " + table.schema() : " nor its schema " + table.schema()));
        }
    }

    private static boolean privilege(Connection c, String sql, String name) throws SQLException {
        return bool(c, sql, name);
    }

    /** Runs a one-boolean query; {@code parameter} is its only bind parameter, or null when it has none. */
    private static boolean bool(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (parameter != null) {
                ps.setString(1, parameter);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void add(Map<String, List<String>> errors, String key, String message) {
        errors.computeIfAbsent(key, k -> new ArrayList<>()).add(message);
    }
}
