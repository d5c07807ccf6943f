package io.adbsync.sink.writer;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.naming.TableId;
import org.apache.kafka.common.TopicPartition;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumed offsets kept in the destination ({@code exactly.once.offsets.table}), written in the same transaction
 * as the changes they cover: after a crash the task resumes exactly where the destination is.
 */
public final class OffsetStore {

    private final TableId table;
    private final String connector;
    private final Dialect dialect;

    public OffsetStore(TableId table, String connector, Dialect dialect) {
        this.table = table;
        this.connector = connector;
        this.dialect = dialect;
    }

    private static final String CONNECTOR = SqlIdentifiers.quote("connector");
    private static final String TOPIC = SqlIdentifiers.quote("topic");
    private static final String PARTITION = SqlIdentifiers.quote("kafka_partition");
    private static final String NEXT_OFFSET = SqlIdentifiers.quote("next_offset");
    private static final String KEY = CONNECTOR + ", " + TOPIC + ", " + PARTITION;

    public static String createTable(TableId table, Dialect dialect) {
        String sql = "CREATE TABLE IF NOT EXISTS " + table.quoted() + " (" + CONNECTOR + " text NOT NULL, " + TOPIC
                + " text NOT NULL, " + PARTITION + " integer NOT NULL, " + NEXT_OFFSET + " bigint NOT NULL, "
                + "PRIMARY KEY (" + KEY + "))";
        return dialect.distributionKeyQuery() == null ? sql : sql + " DISTRIBUTED BY (" + KEY + ")";
    }

    public static String upsert(TableId table) {
        return "INSERT INTO " + table.quoted() + " (" + KEY + ", " + NEXT_OFFSET + ") VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (" + KEY + ") DO UPDATE SET " + NEXT_OFFSET + " = EXCLUDED." + NEXT_OFFSET;
    }

    public void ensureTable(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifiers.quote(table.schema()));
            s.execute(createTable(table, dialect));
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    /** The next offset to consume of each of {@code partitions} that has one stored. */
    public Map<TopicPartition, Long> load(Connection c, Collection<TopicPartition> partitions) throws SQLException {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + TOPIC + ", " + PARTITION + ", " + NEXT_OFFSET
                + " FROM " + table.quoted() + " WHERE " + CONNECTOR + " = ?")) {
            ps.setString(1, connector);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TopicPartition tp = new TopicPartition(rs.getString(1), rs.getInt(2));
                    if (partitions.contains(tp)) {
                        offsets.put(tp, rs.getLong(3));
                    }
                }
            }
        }
        c.commit();
        return offsets;
    }

    /** Stores the next offsets inside the caller's transaction. */
    public void save(Connection c, Map<TopicPartition, Long> nextOffsets) throws SQLException {
        if (nextOffsets.isEmpty()) {
            return;
        }
        List<Map.Entry<TopicPartition, Long>> sorted = nextOffsets.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(TopicPartition::toString))).toList();
        try (PreparedStatement ps = c.prepareStatement(upsert(table))) {
            for (Map.Entry<TopicPartition, Long> e : sorted) {
                ps.setString(1, connector);
                ps.setString(2, e.getKey().topic());
                ps.setInt(3, e.getKey().partition());
                ps.setLong(4, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
