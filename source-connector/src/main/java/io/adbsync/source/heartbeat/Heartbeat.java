package io.adbsync.source.heartbeat;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.SourceConfig;
import io.adbsync.source.stream.CapturedTable;
import io.adbsync.source.stream.ChangeRecordFactory;
import io.adbsync.source.stream.ChangeStream;
import io.adbsync.source.stream.TransactionContext;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

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

    public Heartbeat(SourceConfig config, Map<String, String> partition) {
        String[] t = config.heartbeatTable();
        this.schema = t[0];
        this.table = t[1];
        this.slot = config.slotName();
        this.topic = config.heartbeatTopic();
        this.intervalMs = config.heartbeatIntervalMs();
        this.partition = partition;
    }

    public boolean enabled() {
        return intervalMs > 0;
    }

    public String[] tableName() {
        return new String[] {schema, table};
    }

    /** Creates the heartbeat table if absent; an error names the config key to change. */
    public void createTable(Connection connection) {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + SqlIdentifiers.qualified(schema, table)
                    + " (slot_name text PRIMARY KEY, ts timestamptz NOT NULL)");
        } catch (SQLException e) {
            throw new ConnectException("Cannot create the heartbeat table " + schema + "." + table + " (" + SourceConfig.HEARTBEAT_TABLE
                    + "): " + e.getMessage() + "; grant CREATE on the schema, create it yourself, or set "
                    + SourceConfig.HEARTBEAT_INTERVAL_MS + "=0", e);
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

    @Override
    public SourceRecord heartbeat(TransactionContext tx, long event) {
        Struct key = new Struct(KEY_SCHEMA).put("slot", slot);
        Struct value = new Struct(VALUE_SCHEMA).put("ts_ms", tx.commitTimeMillis()).put("lsn", tx.commitLsn());
        return new SourceRecord(partition, ChangeRecordFactory.offset(tx.commitLsn(), event), topic, null,
                KEY_SCHEMA, key, VALUE_SCHEMA, value, tx.commitTimeMillis());
    }
}
