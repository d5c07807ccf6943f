package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders.Position;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.sink.ddl.BookkeepingTables;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.writer.MergeSql;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The truncate barriers of one sink connector in the destination ({@code truncate.barrier.table}): one row per
 * barrier and partition that reached it, written in the same transaction as the records before that copy. The
 * arrival that makes the count reach the barrier's partition count truncates the destination table in its
 * transaction and marks the barrier applied. Arrivals of one barrier are serialized by a transaction-scoped advisory
 * lock on it, taken before any row of the batch is written; an arrival and a batch writing rows of the same partition
 * are ordered by another ({@link #lockArrivals}). A copy the sink does not apply (truncates off for its
 * table) is recorded too, as passed: its partition went on past it, so a barrier with such an arrival completes
 * without truncating (a truncate then would remove rows written after the copy), whatever the sink's settings were
 * when its other partitions arrived.
 */
public final class BarrierStore {

    private static final Logger log = LoggerFactory.getLogger(BarrierStore.class);

    private static final String CONNECTOR = SqlIdentifiers.quote("connector");
    private static final String TOPIC = SqlIdentifiers.quote("topic");
    private static final String BARRIER = SqlIdentifiers.quote("barrier");
    private static final String PARTITION = SqlIdentifiers.quote("kafka_partition");
    private static final String OFFSET = SqlIdentifiers.quote("kafka_offset");
    private static final String PARTITIONS = SqlIdentifiers.quote("partitions");
    private static final String SERVER = SqlIdentifiers.quote("source_server");
    private static final String LSN = SqlIdentifiers.quote("source_commit_lsn");
    private static final String EVENT = SqlIdentifiers.quote("source_event");
    private static final String SEEN_LSN = SqlIdentifiers.quote("seen_commit_lsn");
    private static final String SEEN_EVENT = SqlIdentifiers.quote("seen_event");
    private static final String APPLIED = SqlIdentifiers.quote("applied");
    private static final String TRUNCATES = SqlIdentifiers.quote("truncates");
    private static final String ARRIVED_AT = SqlIdentifiers.quote("arrived_at");
    private static final String APPLIED_AT = SqlIdentifiers.quote("applied_at");
    private static final List<String> KEY = List.of("connector", "topic", "barrier", "kafka_partition");
    /** Rows of one barrier stay on one segment of an MPP destination: the count and the update touch one segment. */
    private static final List<String> DISTRIBUTION = List.of("connector", "topic", "barrier");

    private final TableId table;
    private final String connector;
    private final Dialect dialect;

    public BarrierStore(TableId table, String connector, Dialect dialect) {
        this.table = table;
        this.connector = connector;
        this.dialect = dialect;
    }

    public TableId table() {
        return table;
    }

    public static String createTable(TableId table, Dialect dialect) {
        String key = String.join(", ", KEY.stream().map(SqlIdentifiers::quote).toList());
        return "CREATE TABLE IF NOT EXISTS " + table.quoted() + " (" + CONNECTOR + " text NOT NULL, " + TOPIC + " text NOT NULL, "
                + BARRIER + " text NOT NULL, " + PARTITION + " integer NOT NULL, " + OFFSET + " bigint NOT NULL, "
                + PARTITIONS + " integer NOT NULL, " + SERVER + " text, " + LSN + " bigint, " + EVENT + " bigint, " + SEEN_LSN
                + " bigint, " + SEEN_EVENT + " bigint, " + TRUNCATES + " boolean NOT NULL DEFAULT true, " + APPLIED
                + " boolean NOT NULL DEFAULT false, " + ARRIVED_AT + " timestamptz NOT NULL DEFAULT now(), " + APPLIED_AT
                + " timestamptz, PRIMARY KEY (" + key + "))"
                + dialect.keyedTableOptions(DISTRIBUTION);
    }

    /** Whether the table exists (reading barriers needs nothing to be created). Ends the transaction. */
    public boolean exists(Connection c) throws SQLException {
        return BookkeepingTables.exists(c, table);
    }

    /** Creates the table if missing, and its schema if that is missing too. Tasks of the connector may race here. */
    public void ensureTable(Connection c) throws SQLException {
        BookkeepingTables.ensure(c, table, createTable(table, dialect));
    }

    /** Locks {@code barriers} until the caller's transaction ends, always in the same order so two tasks cannot deadlock. */
    public void lock(Connection c, Collection<BarrierKey> barriers) throws SQLException {
        List<Long> keys = barriers.stream().distinct().map(this::lockKey).sorted().toList();
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            for (long key : keys) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
            }
        }
    }

    /**
     * Locks, until the caller's transaction ends, the arrivals of partitions: {@code exclusive} those whose arrival the
     * transaction records, shared the others it writes records of. Call after {@link #lock}, before any row is written:
     * every transaction takes these locks in one order, after the barriers' and before any lock on a row or table, so
     * they cannot deadlock. A transaction holding the shared lock then reads every arrival committed before it
     * ({@link #arrivals}), and none can be committed until it ends.
     */
    public void lockArrivals(Connection c, Collection<TopicPartition> exclusive, Collection<TopicPartition> shared)
            throws SQLException {
        TreeMap<Long, Boolean> keys = new TreeMap<>();
        shared.forEach(tp -> keys.put(arrivalLockKey(tp), false));
        exclusive.forEach(tp -> keys.put(arrivalLockKey(tp), true));
        if (keys.isEmpty()) {
            return;
        }
        // One round trip; the function scan takes the locks in the arrays' order, which is sorted.
        try (PreparedStatement ps = c.prepareStatement("SELECT CASE WHEN x THEN pg_advisory_xact_lock(k) ELSE "
                + "pg_advisory_xact_lock_shared(k) END FROM unnest(?::bigint[], ?::boolean[]) AS u(k, x)")) {
            ps.setArray(1, c.createArrayOf("bigint", keys.keySet().toArray(Long[]::new)));
            ps.setArray(2, c.createArrayOf("boolean", keys.values().toArray(Boolean[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // Each row is one lock taken.
                }
            }
        }
    }

    /**
     * Inside the caller's transaction, after {@link #lockArrivals}: per partition of {@code partitions}, the offset of
     * the latest copy whose arrival is recorded; partitions with none are left out.
     */
    public Map<TopicPartition, Long> arrivals(Connection c, Collection<TopicPartition> partitions) throws SQLException {
        List<TopicPartition> list = List.copyOf(partitions);
        Map<TopicPartition, Long> arrivals = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + TOPIC + ", " + PARTITION + ", max(" + OFFSET + ") FROM "
                + table.quoted() + " WHERE " + CONNECTOR + " = ? AND (" + TOPIC + ", " + PARTITION + ") IN (SELECT t, p FROM "
                + "unnest(?::text[], ?::integer[]) AS u(t, p)) GROUP BY " + TOPIC + ", " + PARTITION)) {
            ps.setString(1, connector);
            ps.setArray(2, c.createArrayOf("text", list.stream().map(TopicPartition::topic).toArray(String[]::new)));
            ps.setArray(3, c.createArrayOf("integer", list.stream().map(TopicPartition::partition).toArray(Integer[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    arrivals.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        }
        return arrivals;
    }

    /** The advisory lock key of a partition's arrivals; like {@link #lockKey}, a collision only makes two waits one. */
    long arrivalLockKey(TopicPartition tp) {
        return hash(List.of(connector, tp.topic(), "arrivals of partition", Integer.toString(tp.partition())));
    }

    /** A 64-bit advisory lock key for a barrier of this connector; a collision only makes two barriers wait for each other. */
    long lockKey(BarrierKey barrier) {
        return hash(List.of(connector, barrier.topic(), barrier.id()));
    }

    private static long hash(List<String> parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /**
     * Inside the caller's transaction, after {@link #lock}: records {@code copies} (an arrival already recorded for a
     * partition is kept), and applies each barrier that now has an arrival from every partition: truncates its table
     * and marks it applied. Returns every barrier of {@code copies} that is applied, by this call or earlier.
     */
    public Map<BarrierKey, Completion> arrive(Connection c, List<BarrierCopy> copies) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table.quoted() + " (" + CONNECTOR + ", " + TOPIC + ", "
                + BARRIER + ", " + PARTITION + ", " + OFFSET + ", " + PARTITIONS + ", " + SERVER + ", " + LSN + ", " + EVENT
                + ", " + SEEN_LSN + ", " + SEEN_EVENT + ", " + TRUNCATES + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (" + String.join(", ", KEY.stream().map(SqlIdentifiers::quote).toList())
                + ") DO NOTHING")) {
            for (BarrierCopy copy : copies) {
                ps.setString(1, connector);
                ps.setString(2, copy.barrier().topic());
                ps.setString(3, copy.barrier().id());
                ps.setInt(4, copy.partition().partition());
                ps.setLong(5, copy.offset());
                ps.setInt(6, copy.partitions());
                // A copy passed unapplied states no position: a barrier it is part of is never applied as a truncate.
                if (copy.position() == null || !copy.truncates()) {
                    ps.setNull(7, Types.VARCHAR);
                    ps.setNull(8, Types.BIGINT);
                    ps.setNull(9, Types.BIGINT);
                } else {
                    ps.setString(7, copy.position().source());
                    ps.setLong(8, copy.position().commitLsn());
                    ps.setLong(9, copy.position().event());
                }
                // Only a place of the same server caps the copy's: places of two servers are not ordered.
                if (copy.truncates() && copy.position() != null && copy.seen() != null
                        && copy.seen().source().equals(copy.position().source())) {
                    ps.setLong(10, copy.seen().commitLsn());
                    ps.setLong(11, copy.seen().event());
                } else {
                    ps.setNull(10, Types.BIGINT);
                    ps.setNull(11, Types.BIGINT);
                }
                ps.setBoolean(12, copy.truncates());
                ps.executeUpdate();
            }
        }
        Map<BarrierKey, BarrierCopy> byBarrier = new LinkedHashMap<>();
        copies.forEach(copy -> byBarrier.putIfAbsent(copy.barrier(), copy));
        Map<BarrierKey, Completion> applied = new LinkedHashMap<>();
        for (BarrierCopy copy : byBarrier.values()) {
            State state = state(c, copy.barrier());
            if (state.applied()) {
                applied.put(copy.barrier(), state.completion(copy.barrier()));
            } else if (state.arrivals().size() >= state.partitions()) {
                if (state.truncates()) {
                    truncateIfExists(c, copy.table());
                    log.info("Truncate barrier {} reached on all {} partitions: truncating {} (arrivals by partition and offset: {})",
                            copy.barrier(), state.partitions(), copy.table(), state.arrivals());
                } else if (state.passed().size() == state.arrivals().size()) {
                    log.debug("Truncate barrier {} passed on all {} partitions by a sink that does not apply it", copy.barrier(),
                            state.partitions());
                } else {
                    // Some partition went on past its copy (truncates were not applied when it passed): truncating now
                    // would remove the rows it has written since.
                    log.warn("Truncate barrier {} reached on all {} partitions, but partitions {} passed their copy while this "
                            + "sink did not apply truncates of {} ({} or {} changed meanwhile): the truncate is not applied, "
                            + "and {} keeps the rows it removed at the source", copy.barrier(), state.partitions(),
                            state.passed(), copy.table(), "truncate.enabled", "table.operations", copy.table());
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + table.quoted() + " SET " + APPLIED + " = true, "
                        + APPLIED_AT + " = now() WHERE " + CONNECTOR + " = ? AND " + TOPIC + " = ? AND " + BARRIER + " = ?")) {
                    ps.setString(1, connector);
                    ps.setString(2, copy.barrier().topic());
                    ps.setString(3, copy.barrier().id());
                    ps.executeUpdate();
                }
                applied.put(copy.barrier(), state.completion(copy.barrier()));
            }
        }
        return applied;
    }

    private static void truncateIfExists(Connection c, TableId target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, target.regclassText());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    // Nothing was ever written to it: nothing to remove.
                    return;
                }
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute(MergeSql.truncate(target));
        }
    }

    /**
     * Where a barrier stands: the offset of the arrival of each partition, its partition count, whether it is applied,
     * the earliest position its copies state, and per partition the place of the last record seen before the copy.
     */
    public record State(Map<Integer, Long> arrivals, int partitions, boolean applied, Position position,
                        Map<Integer, Position> caps, List<Integer> passed) {

        /** Whether every arrival is of a copy this sink applied: only then is the barrier a truncate. */
        public boolean truncates() {
            return passed.isEmpty();
        }

        /** What the barrier makes stale; no position when it is not applied as a truncate (nothing was removed). */
        public Completion completion(BarrierKey barrier) {
            return truncates() ? new Completion(barrier, arrivals, position, caps) : new Completion(barrier, arrivals, null, Map.of());
        }
    }

    /** Where {@code barrier} stands, inside the caller's transaction; no arrivals and not applied when it has no row. */
    public State state(Connection c, BarrierKey barrier) throws SQLException {
        Map<Integer, Long> arrivals = new TreeMap<>();
        int partitions = 0;
        boolean applied = false;
        Position earliest = null;
        Map<Integer, Position> caps = new TreeMap<>();
        List<Integer> passed = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PARTITION + ", " + OFFSET + ", " + PARTITIONS + ", " + APPLIED
                + ", " + SERVER + ", " + LSN + ", " + EVENT + ", " + SEEN_LSN + ", " + SEEN_EVENT + ", " + TRUNCATES + " FROM " + table.quoted() + " WHERE " + CONNECTOR + " = ? AND "
                + TOPIC + " = ? AND " + BARRIER + " = ?")) {
            ps.setString(1, connector);
            ps.setString(2, barrier.topic());
            ps.setString(3, barrier.id());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    arrivals.put(rs.getInt(1), rs.getLong(2));
                    if (!rs.getBoolean(10)) {
                        passed.add(rs.getInt(1));
                    }
                    int n = rs.getInt(3);
                    if (partitions != 0 && n != partitions) {
                        throw new ConnectException("The copies of truncate barrier " + barrier + " state different partition "
                                + "counts (" + partitions + " and " + n + ", in " + table + "): the source connector's "
                                + "topic.creation settings changed while the truncate was on its way. Set them back to the "
                                + "topic's partition count, or release the barrier by hand (see docs/operations.md)");
                    }
                    partitions = n;
                    applied |= rs.getBoolean(4);
                    long lsn = rs.getLong(6);
                    if (!rs.wasNull()) {
                        Position p = new Position(rs.getString(5), lsn, rs.getLong(7));
                        earliest = earliest == null || p.before(earliest) ? p : earliest;
                        long seenLsn = rs.getLong(8);
                        if (!rs.wasNull()) {
                            caps.put(rs.getInt(1), new Position(rs.getString(5), seenLsn, rs.getLong(9)));
                        }
                    }
                }
            }
        }
        Collections.sort(passed);
        return new State(arrivals, partitions, applied, earliest, caps, passed);
    }

    /** {@link #state} of each of {@code barriers} read in a transaction of its own (the table must exist). */
    public Map<BarrierKey, State> states(Connection c, Collection<BarrierKey> barriers) throws SQLException {
        Map<BarrierKey, State> states = new HashMap<>();
        try {
            for (BarrierKey b : barriers) {
                states.put(b, state(c, b));
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        }
        return states;
    }

    /**
     * What is recorded for {@code topic}: per partition the offset of the latest applied copy ({@code offsets}) and of
     * the latest copy whose arrival is recorded, applied or not ({@code arrivals}), and the position of the barrier
     * applied last that has one, with its caps per partition.
     */
    public record Applied(Map<Integer, Long> offsets, Map<Integer, Long> arrivals, Position position,
                          Map<Integer, Position> caps) {
    }

    /** Reads {@link Applied} for {@code topic} in a transaction of its own; nothing when the table does not exist. */
    public Applied applied(Connection c, String topic) throws SQLException {
        if (!exists(c)) {
            return new Applied(Map.of(), Map.of(), null, Map.of());
        }
        Map<Integer, Long> offsets = new HashMap<>();
        Map<Integer, Long> arrivals = new HashMap<>();
        Position position = null;
        Map<Integer, Position> caps = Map.of();
        try {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + PARTITION + ", max(CASE WHEN " + APPLIED + " THEN " + OFFSET
                    + " END), max(" + OFFSET + ") FROM " + table.quoted() + " WHERE " + CONNECTOR + " = ? AND " + TOPIC + " = ? "
                    + "GROUP BY " + PARTITION)) {
                ps.setString(1, connector);
                ps.setString(2, topic);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long applied = rs.getLong(2);
                        if (!rs.wasNull()) {
                            offsets.put(rs.getInt(1), applied);
                        }
                        arrivals.put(rs.getInt(1), rs.getLong(3));
                    }
                }
            }
            // The truncate applied last: barriers of a topic are applied in the order the source sent them. One that
            // some partition passed unapplied removed nothing, so it makes nothing stale by position.
            String last = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + SERVER + ", " + LSN + ", " + EVENT + ", " + BARRIER + " FROM "
                    + table.quoted() + " WHERE " + CONNECTOR + " = ? AND " + TOPIC + " = ? AND " + APPLIED + " AND " + LSN
                    + " IS NOT NULL AND " + BARRIER + " NOT IN (SELECT " + BARRIER + " FROM " + table.quoted() + " WHERE "
                    + CONNECTOR + " = ? AND " + TOPIC + " = ? AND NOT " + TRUNCATES + ") ORDER BY "
                    + APPLIED_AT + " DESC, " + LSN + " DESC, " + EVENT + " DESC LIMIT 1")) {
                ps.setString(1, connector);
                ps.setString(2, topic);
                ps.setString(3, connector);
                ps.setString(4, topic);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        position = new Position(rs.getString(1), rs.getLong(2), rs.getLong(3));
                        last = rs.getString(4);
                    }
                }
            }
            if (last != null) {
                BarrierKey key = new BarrierKey(topic, last);
                Completion completion = state(c, key).completion(key);
                position = completion.position();
                caps = completion.caps();
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        }
        return new Applied(offsets, arrivals, position, caps);
    }

    /** The statement that releases a barrier that can never complete, for the message that says how. */
    public String releaseStatement(BarrierKey barrier) {
        return "UPDATE " + table.quoted() + " SET " + APPLIED + " = true, " + APPLIED_AT + " = now() WHERE " + CONNECTOR + " = "
                + SqlIdentifiers.literalUnderAnySetting(connector) + " AND " + TOPIC + " = "
                + SqlIdentifiers.literalUnderAnySetting(barrier.topic()) + " AND " + BARRIER + " = "
                + SqlIdentifiers.literalUnderAnySetting(barrier.id());
    }
}
