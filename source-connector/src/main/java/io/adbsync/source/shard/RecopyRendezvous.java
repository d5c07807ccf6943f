package io.adbsync.source.shard;

import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.greenplum.HeartbeatRows;
import io.adbsync.source.snapshot.CopiesInFlight;
import io.adbsync.source.snapshot.RecopyMeetings;
import io.adbsync.source.snapshot.Snapshotter;
import io.adbsync.source.stream.StoredStream;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes the key shards' tasks meet before a table's copy again (see {@link RecopyMeetings}), through rows of the
 * heartbeat table, as their truncates do (see {@code TruncateRendezvous}):
 * {@code <slot>/recopy/<OID>/<name>/<generation>/asked} (the name a hash of the table's schema-qualified name, so that
 * a meeting is for a relation under one name: renamed, it is another table's copy), written by whichever task first finds that the table's earlier copy
 * no longer holds; {@code .../<shard>} once that shard's stream is past the point where its task learnt of it and a
 * restart would resume past it (so every record it sent of the earlier table is stored: none can follow the truncate);
 * {@code .../sent} once shard 0's task, after every shard arrived, has the truncate that starts its share of the copy
 * stored. The other tasks copy their shares only then. A task restarted anywhere in this finds where it was by these
 * rows and its stored offsets: its arrival is written again (it counts once), and a truncate reported sent is not sent
 * again.
 *
 * <p>Every task learns of a request from the rows, not from its own offsets only: the tasks' offsets may tell them
 * different things (one restarted after its copy of the table was stored, another before), and all must copy their
 * shares after the one truncate.
 */
public final class RecopyRendezvous implements RecopyMeetings {

    private static final Logger log = LoggerFactory.getLogger(RecopyRendezvous.class);
    private static final long LOOK_INTERVAL_MS = 1_000;
    private static final long WAIT_LOG_INTERVAL_MS = 30_000;
    private static final int SENDER = 0;
    private static final String ASKED = "asked";
    private static final String SENT = "sent";
    private static final String ASKED_BY_OTHERS = "is copied again by the other key shards' tasks";

    /** A relation under one name: what a meeting is for (see {@link #nameKey}). */
    private record Subject(int oid, String nameKey) {
    }

    /** The part of the rows' names that stands for {@code table}'s name. */
    static String nameKey(TableId table) {
        return String.format("%08x", table.toString().hashCode());
    }

    /** A copy again this task waits to meet the others for. */
    private static final class Meeting {
        final TableId name;
        final int oid;
        final long generation;
        final String why;
        final long since = System.currentTimeMillis();
        long lastLog = since;
        /** The server's position once this task knew of it: its stream must be past, and a restart resume past. */
        Lsn after;
        boolean arrived;
        /** Shard 0's: its share is planned, the truncate first; what is left is to report it sent once stored. */
        boolean planned;

        Meeting(TableId name, int oid, long generation, String why) {
            this.name = name;
            this.oid = oid;
            this.generation = generation;
            this.why = why;
        }
    }

    private final SourceCatalog catalog;
    private final TableId heartbeatTable;
    private final String table;
    private final String slot;
    private final KeyShard shard;
    private final CopiesInFlight copiesInFlight;
    private final Map<TableId, Meeting> meetings = new LinkedHashMap<>();
    private long nextLookAt;

    /**
     * @param catalog        the task's catalog, whose connection (to the source's primary) every row goes through
     * @param heartbeatTable the heartbeat table, which holds the rows
     * @param slot           the connector's {@code slot.name}, which every shard's task shares
     */
    public RecopyRendezvous(SourceCatalog catalog, TableId heartbeatTable, String slot, KeyShard shard,
                            CopiesInFlight copiesInFlight) {
        this.copiesInFlight = copiesInFlight;
        this.catalog = catalog;
        this.heartbeatTable = heartbeatTable;
        this.table = heartbeatTable.quoted();
        this.slot = slot;
        this.shard = shard;
    }

    /** What the names of the rows of slot {@code slot} start with. */
    static String prefix(String slot) {
        return slot + "/recopy/";
    }

    /**
     * Deletes every row of slot {@code slot}'s meetings from {@code heartbeatTable}, where it exists: made anew, the
     * slots' tasks copy every table anew, and old requests would make them copy again.
     */
    public static void forgetAll(Connection c, TableId heartbeatTable, String slot) throws SQLException {
        int deleted = HeartbeatRows.deleteStartingWith(c, heartbeatTable, prefix(slot));
        if (deleted > 0) {
            log.info("Deleted {} row(s) of earlier slots {}' copies again from {}", deleted, slot, heartbeatTable.quoted());
        }
    }

    @Override
    public Joined join(TableId name, int oid, long generation, String why, boolean decided) throws SQLException {
        Requests requests = requests(name, oid);
        long asked = requests.latestAsked();
        long joined = Math.max(asked, generation);
        boolean sent = asked >= generation && requests.sent(joined);
        if (asked < generation) {
            log.info("Table {} {}: the key shards' tasks meet to copy it again (generation {})", name, why, generation);
        }
        if (asked < generation || decided && !sent) {
            insert(row(name, oid, joined, ASKED));
        }
        Meeting meeting = meetings.get(name);
        if (sent) {
            if (meeting != null && meeting.oid == oid && meeting.generation <= joined) {
                meetings.remove(name);
            }
        } else if (meeting == null || meeting.oid != oid || meeting.generation < joined) {
            meetings.put(name, new Meeting(name, oid, joined, why));
        }
        return new Joined(joined, sent);
    }

    @Override
    public boolean askedPast(TableId name, int oid, long copiedGeneration, long truncatedGeneration) throws SQLException {
        Requests requests = requests(name, oid);
        if (shard.index() == SENDER) {
            // Shard 0's task stopped after its truncate was stored and before it said so: it says so now.
            for (long generation : requests.asked) {
                if (generation <= truncatedGeneration && !requests.sent(generation)) {
                    insert(row(name, oid, generation, SENT));
                    log.info("Truncate of relation {}'s earlier copy (generation {}) was stored before this task "
                            + "restarted; reported sent now", Integer.toUnsignedLong(oid), generation);
                }
            }
        }
        return requests.latestAsked() > copiedGeneration;
    }

    @Override
    public boolean meeting(TableId table) {
        Meeting m = meetings.get(table);
        return m != null && !m.planned;
    }

    @Override
    public void resumedTruncate(TableId name, int oid, long generation) throws SQLException {
        Requests requests = requests(name, oid);
        if (shard.index() == SENDER && requests.asked.contains(generation) && !requests.sent(generation)) {
            Meeting m = new Meeting(name, oid, generation, "was copied again");
            m.arrived = true;
            m.planned = true;
            meetings.put(name, m);
        }
    }

    /**
     * One look, at most every second: learns of requests the other tasks made for tables this task copies, reports
     * arrivals where the stream at {@code receivedLsn} and what {@code stored} says a restart resumes from are past,
     * and plans this task's share of each copy again met for with {@code snapshotter}.
     */
    public void check(Lsn receivedLsn, StoredStream stored, Snapshotter snapshotter, OffsetStorageReader offsets,
                      long nowMs) throws SQLException {
        if (nowMs < nextLookAt) {
            return;
        }
        nextLookAt = nowMs + LOOK_INTERVAL_MS;
        Map<Subject, Requests> all = allRequests();
        learn(all, snapshotter, nowMs);
        for (Meeting found : new ArrayList<>(meetings.values())) {
            Meeting m = found;
            TableId now = nameOf(m.oid);
            if (now == null || !m.planned && !now.equals(m.name)) {
                // Dropped, or renamed, before its copy: a table created again under the name, or this one under its
                // new name, is met for anew (every task drops the meeting so: none waits for another's arrival).
                log.info("Copy again of {} (relation {}) is no longer met for: the table was {}", m.name,
                        Integer.toUnsignedLong(m.oid), now == null ? "dropped" : "renamed to " + now);
                meetings.remove(m.name, m);
                if (m.arrived) {
                    try {
                        HeartbeatRows.delete(connection(), table, List.of(row(m.name, m.oid, m.generation,
                                String.valueOf(shard.index()))));
                    } catch (SQLException e) {
                        // Without DELETE on the heartbeat table (or on a lost connection) it stays: a task's own
                        // finding of the table under the name again asks anew, and arrivals before count no longer.
                        log.debug("Arrival of key shard {} at {}'s copy again is kept in {}: {}", shard, m.name, table,
                                e.getMessage());
                    }
                }
                continue;
            }
            Subject subject = new Subject(m.oid, nameKey(m.name));
            long latest = all.getOrDefault(subject, new Requests()).latestAsked();
            if (latest > m.generation && !m.planned) {
                // Two tasks asked at once, counting differently: the later generation is the one every task meets for.
                m = new Meeting(m.name, m.oid, latest, m.why);
                meetings.put(m.name, m);
            }
            if (!m.planned && all.getOrDefault(subject, new Requests()).sent(m.generation)) {
                // Sent once every shard had arrived (this one too, before a restart or a later ask): its share goes now.
                if (planShare(snapshotter, m, false, offsets)) {
                    meetings.remove(m.name, m);
                }
                continue;
            }
            if (m.arrived && !m.planned
                    && !all.getOrDefault(subject, new Requests()).arrivedSinceAsked(m.generation, shard.index())) {
                // Asked for again since this task arrived: it arrives again, past the point it learns of that.
                m.arrived = false;
                m.after = null;
            }
            if (m.after == null) {
                m.after = catalog.streamServerLsn();
            }
            if (!m.arrived) {
                if (receivedLsn.isBefore(m.after) || !stored.resumesPast(m.after)) {
                    waiting(m, "its stream to pass " + m.after + " and a restart to resume past it");
                    continue;
                }
                if (snapshotter.copyUnderWay(m.name) || copiesInFlight.any(m.name)) {
                    waiting(m, "this task's earlier copy of it to end, and Kafka to take the records it handed out");
                    continue;
                }
                insert(row(m.name, m.oid, m.generation, String.valueOf(shard.index())));
                m.arrived = true;
                log.info("Stream of key shard {} is past every record of {}'s earlier copy; waiting for the other "
                        + "shards' tasks to copy it again (generation {})", shard, m.name, m.generation);
                all = allRequests();
            }
            Requests requests = all.getOrDefault(subject, new Requests());
            if (!m.planned) {
                int arrived = requests.arrivals(m.generation, shard.count());
                if (arrived < shard.count()) {
                    waiting(m, (shard.count() - arrived) + " of " + shard.count() + " key shards' tasks to reach it");
                    continue;
                }
                if (shard.index() == SENDER) {
                    if (planShare(snapshotter, m, true, offsets)) {
                        m.planned = true;
                    }
                    continue;
                }
                waiting(m, "key shard " + SENDER + "'s task to send the truncate of the earlier copy");
                continue;
            }
            if (snapshotter.metTruncateStored(m.name, m.oid, m.generation, offsets)) {
                insert(row(m.name, m.oid, m.generation, SENT));
                log.info("Truncate of {}'s earlier copy sent for every key shard (generation {}); their copies start",
                        m.name, m.generation);
                forgetBefore(m.name, m.oid, m.generation);
                meetings.remove(m.name, m);
            }
        }
    }

    /**
     * Joins the copies again the other tasks asked for of tables this task copies at a lower generation, with nothing
     * of them under way here; shard 0's task also deletes the rows of relations dropped since, which no task can meet
     * for any longer.
     */
    private void learn(Map<Subject, Requests> all, Snapshotter snapshotter, long nowMs) throws SQLException {
        for (Map.Entry<Subject, Requests> e : all.entrySet()) {
            int oid = e.getKey().oid();
            long asked = e.getValue().latestAsked();
            // Done (sent) is done for every task: one that stopped before copying its share finds it at its start.
            if (asked < 0 || e.getValue().sent(asked)
                    || meetings.values().stream().anyMatch(m -> m.oid == oid && m.generation >= asked)) {
                continue;
            }
            TableId name = nameOf(oid);
            if (name != null && nameKey(name).equals(e.getKey().nameKey()) && snapshotter.copiesBelow(name, oid, asked)) {
                join(name, oid, asked, ASKED_BY_OTHERS, false);
            }
        }
        if (shard.index() == SENDER && nowMs >= nextCleanupAt && !all.isEmpty()) {
            nextCleanupAt = nowMs + CLEANUP_INTERVAL_MS;
            Set<Integer> oids = new HashSet<>();
            all.keySet().forEach(subject -> oids.add(subject.oid()));
            Set<Integer> gone = new HashSet<>(oids);
            gone.removeAll(existing(oids));
            try {
                for (int oid : gone) {
                    // No task can meet for a dropped relation any longer (each drops its meeting on finding it gone).
                    HeartbeatRows.deleteStartingWith(connection(), heartbeatTable, relationPrefix(oid));
                }
            } catch (SQLException e) {
                // A role without DELETE on the heartbeat table keeps them: a few rows per table copied again.
                log.debug("Rows of dropped tables' copies again are kept in {}: {}", table, e.getMessage());
            }
        }
    }

    private static final long CLEANUP_INTERVAL_MS = 60_000;
    private long nextCleanupAt;

    /** Which of relations {@code oids} still exist. */
    private Set<Integer> existing(Set<Integer> oids) throws SQLException {
        Set<Integer> found = new HashSet<>();
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT oid::bigint FROM pg_catalog.pg_class WHERE oid = ANY (?::oid[])")) {
            ps.setArray(1, connection().createArrayOf("bigint", oids.stream().map(Integer::toUnsignedLong).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add((int) rs.getLong(1));
                }
            }
        }
        return found;
    }

    /** Plans this task's share of the copy met for; true once planned, or once its table is found dropped. */
    private boolean planShare(Snapshotter snapshotter, Meeting m, boolean sendsTruncate, OffsetStorageReader offsets)
            throws SQLException {
        try {
            return snapshotter.planMetRecopy(m.name, m.oid, m.generation, m.why, sendsTruncate, offsets);
        } catch (SQLException e) {
            if (!UNDEFINED_TABLE.equals(e.getSQLState()) || nameOf(m.oid) != null) {
                throw e;
            }
            log.info("Table {} was dropped before its copy again began", m.name);
            meetings.remove(m.name, m);
            return false;
        }
    }

    private static final String UNDEFINED_TABLE = "42P01";

    private void waiting(Meeting m, String what) {
        long now = System.currentTimeMillis();
        if (now - m.lastLog >= WAIT_LOG_INTERVAL_MS) {
            m.lastLog = now;
            log.info("Copy again of {} (key shard {}) waits for {} ({} s so far)", m.name, shard, what, (now - m.since) / 1000);
        }
    }

    /** The rows of one relation's copies again under one name, by generation. */
    private static final class Requests {
        final Set<Long> asked = new HashSet<>();
        /** When each generation was last asked for (µs): an arrival from before tells nothing of what followed. */
        final Map<Long, Long> askedAt = new HashMap<>();
        final Set<Long> sent = new HashSet<>();
        /** Each shard's arrival by generation, with when it was written. */
        final Map<Long, Map<Integer, Long>> arrived = new HashMap<>();

        long latestAsked() {
            return asked.stream().mapToLong(Long::longValue).max().orElse(-1);
        }

        boolean sent(long generation) {
            return sent.contains(generation);
        }

        /** The shards (below {@code count}) that arrived at {@code generation} since it was last asked for. */
        int arrivals(long generation, int count) {
            long since = askedAt.getOrDefault(generation, Long.MAX_VALUE);
            return (int) arrived.getOrDefault(generation, Map.of()).entrySet().stream()
                    .filter(e -> e.getKey() < count && e.getValue() >= since).count();
        }

        /** Whether {@code shard}'s arrival at {@code generation} counts (written since it was last asked for). */
        boolean arrivedSinceAsked(long generation, int shard) {
            Long at = arrived.getOrDefault(generation, Map.of()).get(shard);
            return at != null && at >= askedAt.getOrDefault(generation, Long.MAX_VALUE);
        }

        void add(long generation, String what, long at) {
            switch (what) {
                case ASKED -> {
                    asked.add(generation);
                    askedAt.put(generation, at);
                }
                case SENT -> sent.add(generation);
                default -> arrived.computeIfAbsent(generation, g -> new HashMap<>()).put(Integer.parseInt(what), at);
            }
        }
    }

    private Requests requests(TableId name, int oid) throws SQLException {
        return allRequests(subjectPrefix(name, oid)).getOrDefault(new Subject(oid, nameKey(name)), new Requests());
    }

    private Map<Subject, Requests> allRequests() throws SQLException {
        return allRequests(prefix(slot));
    }

    /** The rows whose name starts with {@code prefix}, by relation and name; rows of another form are passed over. */
    private Map<Subject, Requests> allRequests(String prefix) throws SQLException {
        Map<Subject, Requests> all = new LinkedHashMap<>();
        String base = prefix(slot);
        for (Map.Entry<String, Long> row : HeartbeatRows.stamped(connection(), table, prefix).entrySet()) {
            String name = row.getKey();
            String[] parts = name.substring(base.length()).split("/");
            if (parts.length != 4) {
                continue;
            }
            try {
                Subject subject = new Subject((int) Long.parseLong(parts[0]), parts[1]);
                all.computeIfAbsent(subject, o -> new Requests()).add(Long.parseLong(parts[2]), parts[3], row.getValue());
            } catch (NumberFormatException e) {
                log.debug("Row {} of {} is not a copy again's", name, table);
            }
        }
        return all;
    }

    /** What the rows of every meeting for relation {@code oid}, under any name, start with. */
    private String relationPrefix(int oid) {
        return prefix(slot) + Integer.toUnsignedLong(oid) + "/";
    }

    private String subjectPrefix(TableId name, int oid) {
        return relationPrefix(oid) + nameKey(name) + "/";
    }

    private String row(TableId name, int oid, long generation, String what) {
        return subjectPrefix(name, oid) + generation + "/" + what;
    }

    /** The rows of relation {@code oid}'s copies again under {@code name} before {@code generation}: every task is past them. */
    private void forgetBefore(TableId name, int oid, long generation) {
        try {
            List<String> old = new ArrayList<>();
            String prefix = subjectPrefix(name, oid);
            for (String row : HeartbeatRows.names(connection(), table, prefix)) {
                String[] parts = row.substring(prefix.length()).split("/");
                if (parts.length == 2 && Long.parseLong(parts[0]) < generation) {
                    old.add(row);
                }
            }
            HeartbeatRows.delete(connection(), table, old);
        } catch (SQLException | NumberFormatException e) {
            log.debug("Rows of copies again met before are kept in {}: {}", table, e.getMessage());
        }
    }

    /** The current schema and name of relation {@code oid}, or null if it no longer exists. */
    private TableId nameOf(int oid) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
                + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid")) {
            ps.setLong(1, Integer.toUnsignedLong(oid));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new TableId(rs.getString(1), rs.getString(2)) : null;
            }
        }
    }

    private void insert(String name) throws SQLException {
        HeartbeatRows.upsert(connection(), table, name);
    }

    private Connection connection() throws SQLException {
        return HeartbeatRows.coordinator(catalog::connection);
    }
}
