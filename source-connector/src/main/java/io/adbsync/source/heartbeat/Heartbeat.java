package io.adbsync.source.heartbeat;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.replication.SetupProblem;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.stream.ChangeRecordFactory;
import io.adbsync.source.stream.ChangeStream;
import io.adbsync.source.stream.TransactionContext;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a row into the heartbeat table in a transaction at each interval, so an idle or filtered database still
 * sends a change through the slot; that change becomes a heartbeat record, and once Kafka has it the slot confirms
 * its LSN and the server releases WAL.
 */
public final class Heartbeat implements ChangeStream.HeartbeatSink {

    private static final Schema KEY_SCHEMA = SchemaBuilder.struct().name("io.adbsync.connector.postgresql.HeartbeatKey")
            .field("slot", Schema.STRING_SCHEMA).build();
    private static final Schema VALUE_SCHEMA = SchemaBuilder.struct().name("io.adbsync.connector.postgresql.Heartbeat")
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field("lsn", Schema.INT64_SCHEMA)
            .build();

    private final String schema;
    private final String table;
    private final String slot;
    private final String topic;
    private final long intervalMs;
    private final Map<String, String> partition;
    private long lastWrite;

    /** An {@code intervalMs} of 0 turns the heartbeat off. */
    public Heartbeat(TableId table, String slot, String topic, long intervalMs, Map<String, String> partition) {
        this.schema = table.schema();
        this.table = table.table();
        this.slot = slot;
        this.topic = topic;
        this.intervalMs = intervalMs;
        this.partition = partition;
    }

    public boolean enabled() {
        return intervalMs > 0;
    }

    public TableId tableName() {
        return new TableId(schema, table);
    }

    /** The statement that makes heartbeat table {@code table}, as the connector or an administrator runs it. */
    public static String createStatement(TableId table) {
        return "CREATE TABLE " + table.quoted() + COLUMNS;
    }

    private static final String COLUMNS = " (slot_name text PRIMARY KEY, ts timestamptz NOT NULL)";

    /**
     * Creates the heartbeat table if absent ({@code setup.mode=create}); an error names the config key to change. It
     * looks first: CREATE TABLE IF NOT EXISTS needs CREATE on the schema even where the table exists.
     */
    public void createTable(Connection connection) {
        createTable(connection, false);
    }

    /**
     * As {@link #createTable(Connection)}; {@code onEverySegment} makes it {@code DISTRIBUTED REPLICATED} on a Greenplum
     * coordinator, so that each heartbeat is decoded on every segment and every segment's slot advances.
     */
    public void createTable(Connection connection, boolean onEverySegment) {
        try {
            if (exists(connection, tableName())) {
                return;
            }
            try (Statement s = connection.createStatement()) {
                // IF NOT EXISTS: another connector's task may create the table meanwhile.
                s.execute("CREATE TABLE IF NOT EXISTS " + SqlIdentifiers.qualified(schema, table) + COLUMNS
                        + (onEverySegment ? " DISTRIBUTED REPLICATED" : ""));
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot create the heartbeat table " + schema + "." + table + " (heartbeat.table"
                    + "): " + e.getMessage() + "; grant CREATE on the schema, create it yourself, or set "
                    + "heartbeat.interval.ms=0", e);
        }
    }

    /**
     * {@code setup.mode=check}: what keeps the connector's role from writing heartbeats into {@code table}
     * with the SQL that puts it right; null when nothing does. The upsert reads the row it
     * conflicts with, so it needs SELECT besides INSERT and UPDATE.
     */
    public static SetupProblem check(Connection c, TableId table) throws SQLException {
        String quoted = table.quoted();
        String role = SqlIdentifiers.quote(currentUser(c));
        String name = table.toString();
        if (!exists(c, table)) {
            return new SetupProblem("heartbeat.table", "Heartbeat table " + name + " does not exist",
                    List.of(createStatement(table), grant(quoted, role, HEARTBEAT_PRIVILEGES)));
        }
        List<String> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(to_regclass(?), ?)")) {
            for (String privilege : HEARTBEAT_PRIVILEGES) {
                ps.setString(1, quoted);
                ps.setString(2, privilege);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        missing.add(privilege);
                    }
                }
            }
        }
        return missing.isEmpty() ? null : new SetupProblem("heartbeat.table", "User " + currentUser(c) + " lacks "
                + String.join(", ", missing) + " on heartbeat table " + name, List.of(grant(quoted, role, missing)));
    }

    private static final List<String> HEARTBEAT_PRIVILEGES = List.of("SELECT", "INSERT", "UPDATE");

    private static String grant(String quotedTable, String quotedRole, List<String> privileges) {
        return "GRANT " + String.join(", ", privileges) + " ON " + quotedTable + " TO " + quotedRole;
    }

    /** Whether {@code table} exists. */
    public static boolean exists(Connection c, TableId table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table.regclassText());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static String currentUser(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Writes a heartbeat if the interval has passed; returns whether it wrote. */
    public boolean beatIfDue(Connection connection, long nowMs) throws SQLException {
        if (!enabled() || nowMs - lastWrite < intervalMs) {
            return false;
        }
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + SqlIdentifiers.qualified(schema, table)
                + " (slot_name, ts) VALUES (?, now()) ON CONFLICT (slot_name) DO UPDATE SET ts = excluded.ts")) {
            ps.setString(1, slot);
            ps.executeUpdate();
        }
        lastWrite = nowMs;
        return true;
    }

    @Override
    public boolean isHeartbeatTable(CapturedTable t) {
        return t.schema().equals(schema) && t.table().equals(table);
    }

    /**
     * A heartbeat at {@code lsn} (empty: the stream has no position yet) that carries {@code offset} for another source
     * {@code partition}: how the task stores an offset of a partition it has no other record for (a mark on a table's
     * copy, the end of a copy no row carries).
     */
    public SourceRecord carrying(Map<String, ?> partition, Map<String, ?> offset, Optional<Lsn> lsn, long nowMs) {
        Struct key = new Struct(KEY_SCHEMA).put("slot", slot);
        // The value's lsn is required: without a position it has always been 0.
        Struct value = new Struct(VALUE_SCHEMA).put("ts_ms", nowMs).put("lsn", lsn.map(Lsn::value).orElse(0L));
        return new SourceRecord(partition, offset, topic, null, KEY_SCHEMA, key, VALUE_SCHEMA, value, nowMs);
    }

    @Override
    public SourceRecord heartbeat(TransactionContext tx, long event) {
        Struct key = new Struct(KEY_SCHEMA).put("slot", slot);
        Struct value = new Struct(VALUE_SCHEMA).put("ts_ms", tx.commitTimeMillis()).put("lsn", tx.commitLsn().value());
        return new SourceRecord(partition, ChangeRecordFactory.offset(tx.commitLsn(), event), topic, null,
                KEY_SCHEMA, key, VALUE_SCHEMA, value, tx.commitTimeMillis());
    }
}
