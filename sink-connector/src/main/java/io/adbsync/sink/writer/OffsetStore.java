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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    /** The first offset of a partition; no row is written when one appeared meanwhile. */
    public static String insertFirst(TableId table) {
        return "INSERT INTO " + table.quoted() + " (" + KEY + ", " + NEXT_OFFSET + ") VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (" + KEY + ") DO NOTHING";
    }

    /** Moves a partition's offset on only from the value this task last read or wrote. */
    public static String advance(TableId table) {
        return "UPDATE " + table.quoted() + " SET " + NEXT_OFFSET + " = ? WHERE " + CONNECTOR + " = ? AND " + TOPIC
                + " = ? AND " + PARTITION + " = ? AND " + NEXT_OFFSET + " = ?";
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

    /**
     * Stores the next offsets inside the caller's transaction, each only over the offset the task expects to find
     * ({@code expected}; none for a partition without a stored row). A destination whose offsets moved under the task
     * (restored from a backup, failed over to a lagging replica, written by another task) makes it throw
     * {@link OffsetsMovedException}: storing over them would leave the records in between unapplied for good.
     */
    public void save(Connection c, Map<TopicPartition, Long> nextOffsets, Map<TopicPartition, Long> expected)
            throws SQLException {
        List<Map.Entry<TopicPartition, Long>> sorted = nextOffsets.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(TopicPartition::toString))).toList();
        Set<TopicPartition> moved = new LinkedHashSet<>();
        try (PreparedStatement advance = c.prepareStatement(advance(table));
             PreparedStatement first = c.prepareStatement(insertFirst(table))) {
            for (Map.Entry<TopicPartition, Long> e : sorted) {
                TopicPartition tp = e.getKey();
                Long previous = expected.get(tp);
                int written;
                if (previous == null) {
                    first.setString(1, connector);
                    first.setString(2, tp.topic());
                    first.setInt(3, tp.partition());
                    first.setLong(4, e.getValue());
                    written = first.executeUpdate();
                } else {
                    advance.setLong(1, e.getValue());
                    advance.setString(2, connector);
                    advance.setString(3, tp.topic());
                    advance.setInt(4, tp.partition());
                    advance.setLong(5, previous);
                    written = advance.executeUpdate();
                }
                if (written != 1) {
                    moved.add(tp);
                }
            }
        }
        if (!moved.isEmpty()) {
            throw new OffsetsMovedException(moved, table);
        }
    }

    /** The stored offsets of some partitions are not where this task left them. */
    public static final class OffsetsMovedException extends SQLException {
        private final Set<TopicPartition> partitions;

        OffsetsMovedException(Set<TopicPartition> partitions, TableId table) {
            super("The offsets stored in " + table + " for " + partitions + " are not where this task left them "
                    + "(destination restored or failed over?)");
            this.partitions = Set.copyOf(partitions);
        }

        public Set<TopicPartition> partitions() {
            return partitions;
        }
    }
}
