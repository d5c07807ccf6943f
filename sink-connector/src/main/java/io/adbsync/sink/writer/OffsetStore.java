package io.adbsync.sink.writer;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.sink.ddl.BookkeepingTables;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.common.sql.TableId;
import org.apache.kafka.common.TopicPartition;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
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
        return sql + dialect.keyedTableOptions(List.of("connector", "topic", "kafka_partition"));
    }

    private static final String WRITTEN = " RETURNING " + TOPIC + ", " + PARTITION;

    /**
     * The first offsets of {@code partitions} partitions, bound as (connector, topic, partition, offset) each; returns
     * the partitions written: none is for one whose row appeared meanwhile.
     */
    public static String insertFirst(TableId table, int partitions) {
        return "INSERT INTO " + table.quoted() + " (" + KEY + ", " + NEXT_OFFSET + ") VALUES "
                + String.join(", ", Collections.nCopies(partitions, "(?, ?, ?, ?)"))
                + " ON CONFLICT (" + KEY + ") DO NOTHING" + WRITTEN;
    }

    /**
     * Moves the offsets of {@code partitions} partitions on, each only from the value this task last read or wrote:
     * bound as (topic, partition, next offset, expected offset) each, then the connector. Returns the partitions moved.
     */
    public static String advance(TableId table, int partitions) {
        String o = SqlIdentifiers.quote("o");
        String v = SqlIdentifiers.quote("v");
        String expected = SqlIdentifiers.quote("expected");
        return "UPDATE " + table.quoted() + " AS " + o + " SET " + NEXT_OFFSET + " = " + v + "." + NEXT_OFFSET
                + " FROM (VALUES " + String.join(", ", Collections.nCopies(partitions, "(?, ?, ?, ?)")) + ") AS " + v
                + " (" + TOPIC + ", " + PARTITION + ", " + NEXT_OFFSET + ", " + expected + ") WHERE " + o + "."
                + CONNECTOR + " = ? AND " + o + "." + TOPIC + " = " + v + "." + TOPIC + " AND " + o + "." + PARTITION
                + " = " + v + "." + PARTITION + " AND " + o + "." + NEXT_OFFSET + " = " + v + "." + expected
                + " RETURNING " + o + "." + TOPIC + ", " + o + "." + PARTITION;
    }

    /** Creates the table if missing; every task of the connector does so when it connects, possibly at once. */
    public void ensureTable(Connection c) throws SQLException {
        BookkeepingTables.ensure(c, table, createTable(table, dialect));
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
        List<Map.Entry<TopicPartition, Long>> advancing = sorted.stream().filter(e -> expected.containsKey(e.getKey())).toList();
        List<Map.Entry<TopicPartition, Long>> first = sorted.stream().filter(e -> !expected.containsKey(e.getKey())).toList();
        Set<TopicPartition> written = new HashSet<>();
        // One statement per kind (per chunk, to stay under the driver's bind parameter limit), not one per partition.
        for (int from = 0; from < advancing.size(); from += MAX_ROWS_PER_STATEMENT) {
            List<Map.Entry<TopicPartition, Long>> chunk = advancing.subList(from, Math.min(advancing.size(), from + MAX_ROWS_PER_STATEMENT));
            try (PreparedStatement ps = c.prepareStatement(advance(table, chunk.size()))) {
                int i = 1;
                for (Map.Entry<TopicPartition, Long> e : chunk) {
                    ps.setString(i++, e.getKey().topic());
                    ps.setInt(i++, e.getKey().partition());
                    ps.setLong(i++, e.getValue());
                    ps.setLong(i++, expected.get(e.getKey()));
                }
                ps.setString(i, connector);
                collect(ps, written);
            }
        }
        for (int from = 0; from < first.size(); from += MAX_ROWS_PER_STATEMENT) {
            List<Map.Entry<TopicPartition, Long>> chunk = first.subList(from, Math.min(first.size(), from + MAX_ROWS_PER_STATEMENT));
            try (PreparedStatement ps = c.prepareStatement(insertFirst(table, chunk.size()))) {
                int i = 1;
                for (Map.Entry<TopicPartition, Long> e : chunk) {
                    ps.setString(i++, connector);
                    ps.setString(i++, e.getKey().topic());
                    ps.setInt(i++, e.getKey().partition());
                    ps.setLong(i++, e.getValue());
                }
                collect(ps, written);
            }
        }
        Set<TopicPartition> moved = new LinkedHashSet<>();
        sorted.stream().map(Map.Entry::getKey).filter(tp -> !written.contains(tp)).forEach(moved::add);
        if (!moved.isEmpty()) {
            throw new OffsetsMovedException(moved, table);
        }
    }

    /** Partitions per statement: 4 bind parameters each, far below the 32767 a PostgreSQL statement takes. */
    private static final int MAX_ROWS_PER_STATEMENT = 1000;

    private static void collect(PreparedStatement ps, Set<TopicPartition> written) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                written.add(new TopicPartition(rs.getString(1), rs.getInt(2)));
            }
        }
    }

    /**
     * Why a task stops when the stored offsets of partitions it had stored offsets for are gone, and how to go on:
     * starting such a partition afresh from the consumer position would skip every record after the lost offset.
     */
    public String vanishedMessage(List<TopicPartition> partitions) {
        return "The offsets of " + partitions + " stored in " + table + " for connector " + connector + " are gone "
                + "(destination restored from a backup older than them, or the rows deleted); the task stops rather "
                + "than start afresh where its consumer stands, which would skip the records the destination lost. "
                + "To recover, insert the row of each partition with the offset to resume from (INSERT INTO " + table.quoted()
                + " (" + KEY + ", " + NEXT_OFFSET + ") VALUES (" + SqlIdentifiers.literal(connector) + ", '<topic>', "
                + "<partition>, <offset>)), or reset the sink's consumer group offsets (kafka-consumer-groups.sh "
                + "--group connect-" + connector + " --reset-offsets ...), then restart the task";
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
