package io.adbsync.source.greenplum;

import io.adbsync.common.sql.TableId;
import io.adbsync.source.stream.HeldTruncate;
import io.adbsync.source.stream.TableShare;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * Makes the tasks that each read part of a table's rows meet at its truncates: the segments' tasks at a truncate of a
 * distributed table, and the key shards' tasks at any truncate (each reads the same stream with a slot of its own,
 * the slots made to start at one position, see {@code ShardSlots}). What follows says "segment"; for shards read
 * "shard": the same counting holds, since every shard's stream is the same WAL from the same start.
 *
 * <p>For segments: so that it reaches Kafka once, ordered with
 * every segment's rows (see {@link SourceTopology}): each task stops its stream at its segment's copy of the truncate,
 * waits until Kafka has every record it sent before, and reports its arrival; once every segment holding the table
 * has arrived, the task of segment 0 sends the truncate (to every partition of each table's topic), waits until
 * Kafka has it, and reports it sent; the others go on only then. On each partition, every segment's rows from before
 * the truncate then precede it, and rows from after follow it.
 *
 * <p>How the tasks know they are at the same truncate: by counting. Truncates of one table take its ACCESS EXCLUSIVE
 * lock at the coordinator, so they commit one after the other on every segment, in the same order; and the slots
 * were created together while no truncate could run ({@link SegmentSlots}), so every segment's stream holds the same
 * truncates of a table. The n-th truncate of table T in one segment's stream is the n-th in every other's. (Each
 * segment decodes a truncate under a local xid of its own, and Greenplum's {@code gp_distributed_log}, which maps
 * them to the distributed one, keeps entries only while some transaction may still need them: it was found empty.)
 *
 * <p>Where they meet: rows of the heartbeat table, written through the coordinator, so the connector needs no other
 * table and no privilege beyond the heartbeat's: {@code <slot>/truncate/<T's OID>/<n>/<segment>@<position>} for an
 * arrival, where the position (commit LSN and which truncate of the transaction it is) is the segment's own, and
 * {@code .../<n>/sent}. A task restarted anywhere in this finds its arrival by that position and so the same n; a
 * truncate reported sent is not sent again. A truncate of several tables counts as one of the first it names.
 */
public final class TruncateRendezvous {

    private static final Logger log = LoggerFactory.getLogger(TruncateRendezvous.class);
    private static final long WAIT_LOG_INTERVAL_MS = 30_000;
    private static final int SENDER = 0;
    private static final String SENT = "sent";

    /** What the task does next with the held truncate. */
    public sealed interface Step {
    }

    /** Nothing yet: poll again later. */
    public record Wait() implements Step {
    }

    /** Send the truncate's copies now (this is segment 0's task, and every segment arrived). */
    public record Send() implements Step {
    }

    /** Go on past the truncate. */
    public record Go() implements Step {
    }

    private enum Phase { ARRIVE, AWAIT_ALL, SENDING, AWAIT_SENT }

    private final Callable<Connection> coordinator;
    private final TableShare share;
    /** What a party is called in logs: "segment" or "shard". */
    private final String party;
    private final String table;
    private final String slot;
    private final int content;
    private HeldTruncate current;
    private Phase phase;
    /** {@code <slot>/truncate/<oid>/}: the rows of the table's truncates. */
    private String tablePrefix;
    /** Which of the table's truncates this is. */
    private int met;
    /** {@code <slot>/truncate/<oid>/<n>/}: the rows of the truncate met. */
    private String key;
    private long since;
    private long lastLog;

    /**
     * @param coordinator    the task's connection to the coordinator, which every write goes through
     * @param heartbeatTable the heartbeat table, which holds the arrivals
     * @param party          what a party is called in logs ("segment", "shard")
     * @param content        the task's party: the content id of its segment, or its shard's index
     */
    public TruncateRendezvous(Callable<Connection> coordinator, TableShare share, TableId heartbeatTable, String slot,
                              String party, int content) {
        this.coordinator = coordinator;
        this.share = share;
        this.party = party;
        this.table = heartbeatTable.quoted();
        this.slot = slot;
        this.content = content;
    }

    /**
     * The next step for {@code held}; {@code everythingStored} says Kafka has every record the task's stream handed
     * out and Connect stored their offsets, so a restart would not send any of them again.
     */
    public Step step(HeldTruncate held, boolean everythingStored) throws SQLException {
        if (!held.equals(current)) {
            current = held;
            phase = Phase.ARRIVE;
            key = null;
            since = System.currentTimeMillis();
            lastLog = since;
        }
        switch (phase) {
            case ARRIVE -> {
                // A party holding none of the truncated tables' rows (a segment past the table's numsegments) has
                // nothing of them to order: it is not waited for, and does not wait for the sent mark, which the sender
                // forgets at the table's next truncate, which this party may reach much later. It still arrives, so that
                // its count of the table's truncates stays the others'.
                boolean holdsNone = content >= holding(held);
                if (!holdsNone && !everythingStored) {
                    return waiting("Kafka to have, and Connect to store the offsets of, the records sent before it");
                }
                tablePrefix = tablePrefix(held);
                met = ordinal(tablePrefix, position(held));
                key = tablePrefix + met + "/";
                upsert(key + content + "@" + position(held));
                // Everything this task sent is stored up to here, the marker of its last truncate included: a restart
                // resumes after that one, and no longer needs its arrival to count. (A party holding none may not have
                // waited for that: a restart of it may decode those truncates again, and finds them by its arrivals.)
                if (everythingStored) {
                    forget(tablePrefix, met, content + "@");
                }
                if (holdsNone) {
                    log.info("Stream of {} {} goes past the truncate of {} ({}): it holds none of its rows", party, content,
                            held.tables(), key);
                    return go();
                }
                log.info("Stream of {} {} reached the truncate of {} ({}); waiting for the other {}s' tasks",
                        party, content, held.tables(), key, party);
                phase = Phase.AWAIT_ALL;
                return arrived(held);
            }
            case AWAIT_ALL -> {
                return arrived(held);
            }
            case SENDING -> {
                if (!everythingStored) {
                    return waiting("Kafka to have, and Connect to store the offsets of, the truncate");
                }
                upsert(key + SENT);
                log.info("Truncate of {} sent for every {} ({})", held.tables(), party, key);
                return go();
            }
            case AWAIT_SENT -> {
                if (!names(key + SENT).isEmpty()) {
                    log.info("Truncate of {} sent by {} {}'s task; {} {} goes on", held.tables(), party, SENDER, party, content);
                    return go();
                }
                return waiting(party + " " + SENDER + "'s task to send it");
            }
            default -> throw new IllegalStateException("Unknown phase " + phase);
        }
    }

    /** What the names of the rendezvous rows of slot {@code slot} start with. */
    static String prefix(String slot) {
        return slot + "/truncate/";
    }

    /**
     * A truncate this segment's stream read again but did not hold, its copies behind the stored position: on segment
     * 0, a task that stopped after Kafka had the copies and before it reported them sent. The report is made now (the
     * others wait for it); a truncate whose arrival is gone was reported before that arrival was forgotten.
     */
    public void passed(HeldTruncate truncate) throws SQLException {
        if (content != SENDER) {
            return;
        }
        String arrival = "/" + content + "@" + position(truncate);
        for (String name : names(tablePrefix(truncate))) {
            if (name.endsWith(arrival)) {
                String sent = name.substring(0, name.length() - arrival.length()) + "/" + SENT;
                if (names(sent).isEmpty()) {
                    upsert(sent);
                    log.info("Truncate of {} was sent before this task restarted; reported sent now ({})",
                            truncate.tables(), sent);
                }
                return;
            }
        }
    }

    /**
     * Deletes every rendezvous row of slot {@code slot} from {@code heartbeatTable}, where it exists:
     * when the slots are made anew, the rows count arrivals in streams that are gone, and the new slots' tasks would
     * count on from them, each from where its own segment had got to, and so never meet, or take an old arrival for a
     * new one.
     */
    public static void forgetAll(Connection c, TableId heartbeatTable, String slot) throws SQLException {
        int deleted = HeartbeatRows.deleteStartingWith(c, heartbeatTable, prefix(slot));
        if (deleted > 0) {
            log.info("Deleted {} rendezvous row(s) of earlier slots {} from {}", deleted, slot, heartbeatTable.quoted());
        }
    }


    /** The rows of the truncated table's truncates: {@code <slot>/truncate/<OID of the first table it names>/}. */
    private String tablePrefix(HeldTruncate truncate) {
        return prefix(slot) + Integer.toUnsignedLong(truncate.relationOids().get(0)) + "/";
    }

    /** Where the truncate is in this segment's stream: its transaction's commit LSN, and which of its truncates. */
    private static String position(HeldTruncate held) {
        return held.commitLsn() + "." + held.ordinal();
    }

    /**
     * Which truncate of the table this is, counted from 0: the one this segment arrived at from {@code position}
     * before (a restart), else the one after the last it arrived at.
     */
    private int ordinal(String tablePrefix, String position) throws SQLException {
        int last = -1;
        String mine = "/" + content + "@";
        for (String name : names(tablePrefix)) {
            String rest = name.substring(tablePrefix.length());
            int slash = rest.indexOf('/');
            int at = rest.indexOf(mine);
            if (slash < 0 || at != slash) {
                continue;
            }
            int n = Integer.parseInt(rest.substring(0, slash));
            if (rest.substring(at + mine.length()).equals(position)) {
                return n;
            }
            last = Math.max(last, n);
        }
        return last + 1;
    }

    private Step arrived(HeldTruncate held) throws SQLException {
        if (content != SENDER && !names(key + SENT).isEmpty()) {
            // Marked sent only once every segment had arrived: this task met it again after a restart, and the others'
            // arrivals may be gone already (each forgets its own on reaching the table's next truncate).
            log.info("Truncate of {} was sent for every {} before this task restarted; {} {} goes on ({})",
                    held.tables(), party, party, content, key);
            return go();
        }
        int holding = holding(held);
        Set<Integer> arrived = new TreeSet<>();
        for (String name : names(key)) {
            String rest = name.substring(key.length());
            int at = rest.indexOf('@');
            if (at > 0) {
                arrived.add(Integer.parseInt(rest.substring(0, at)));
            }
        }
        arrived.removeIf(segment -> segment >= holding);
        if (arrived.size() < holding) {
            return waiting((holding - arrived.size()) + " of " + holding + " " + party + "s' tasks to reach it");
        }
        if (content != SENDER) {
            phase = Phase.AWAIT_SENT;
            return step(held, false);
        }
        // Every segment holding the table went past the table's earlier truncates: none waits for their marks.
        forget(tablePrefix, met, SENT);
        if (!names(key + SENT).isEmpty()) {
            // Sent before this task restarted: sending again could follow rows the others wrote after it.
            return go();
        }
        phase = Phase.SENDING;
        return new Send();
    }

    /** How many parties hold rows of the truncated tables: those below it meet, the others are not waited for. */
    private int holding(HeldTruncate held) {
        return held.relationOids().stream().mapToInt(share::partiesHolding).max().orElse(1);
    }

    private Step waiting(String what) {
        long now = System.currentTimeMillis();
        if (now - lastLog >= WAIT_LOG_INTERVAL_MS) {
            lastLog = now;
            log.info("Stream of {} {} is held at the truncate of {} for {} s, waiting for {}", party, content,
                    current.tables(), (now - since) / 1000, what);
        }
        return new Wait();
    }

    private Step go() {
        current = null;
        return new Go();
    }

    /**
     * Deletes the rows of the table's truncates before the {@code before}-th whose part after the count starts with
     * {@code what} (this segment's arrivals, or the sent marks). A role without DELETE on the heartbeat table keeps
     * them: a few rows per truncate.
     */
    private void forget(String tablePrefix, int before, String what) {
        try {
            List<String> old = new ArrayList<>();
            for (String name : names(tablePrefix)) {
                String rest = name.substring(tablePrefix.length());
                int slash = rest.indexOf('/');
                if (slash > 0 && Integer.parseInt(rest.substring(0, slash)) < before
                        && rest.substring(slash + 1).startsWith(what)) {
                    old.add(name);
                }
            }
            HeartbeatRows.delete(coordinator(), table, old);
        } catch (SQLException e) {
            log.debug("Rows of truncates met before are kept in {}: {}", table, e.getMessage());
        }
    }

    private void upsert(String name) throws SQLException {
        HeartbeatRows.upsert(coordinator(), table, name);
    }

    /** The names in the heartbeat table that start with {@code prefix}. */
    private List<String> names(String prefix) throws SQLException {
        return HeartbeatRows.names(coordinator(), table, prefix);
    }

    private Connection coordinator() throws SQLException {
        return HeartbeatRows.coordinator(coordinator);
    }
}
