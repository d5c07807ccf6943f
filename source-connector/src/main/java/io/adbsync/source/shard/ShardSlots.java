package io.adbsync.source.shard;

import io.adbsync.common.contract.KeyShards;
import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.greenplum.TruncateRendezvous;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.replication.ReplicationSetup.ExistingSlot;
import io.adbsync.source.greenplum.TaskSegments;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The slots of a key-sharded source: one per shard, {@code <slot.name>_<index>of<count>}, made together and moved to one
 * start. Each slot begins its stream at its own consistent point; a truncate committed between two of them would be
 * in one shard's stream and not another's, and the shards' tasks could never meet at it ({@link TruncateRendezvous}).
 * So once all are made, each is advanced to the latest of their consistent points: from there every slot decodes the
 * same transactions of the same WAL, in the same order. The changes before that point are in no shard's stream, and
 * need not be: every table's copy is read after it.
 *
 * <p>The count is part of the names, so that slots of another count (or the one slot of an unsharded source) are
 * found and refused: a key's changes still in flight from one task must not be followed by changes from another.
 */
public final class ShardSlots {

    private static final Logger log = LoggerFactory.getLogger(ShardSlots.class);

    private ShardSlots() {
    }

    /** The slot of {@code shard} among the slots named after {@code base}. */
    public static String name(String base, KeyShard shard) {
        return KeyShards.slotName(base, shard.index(), shard.count());
    }

    /** PostgreSQL's longest name (NAMEDATALEN - 1 bytes), which slot names are held to. */
    private static final int MAX_NAME_BYTES = 63;

    /** Why the slots of {@code count} shards cannot be named after {@code base}: too long; empty when they can. */
    public static Optional<String> nameTooLong(String base, int count) {
        String longest = KeyShards.slotName(base, count - 1, count);
        if (count < 2 || longest.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_NAME_BYTES) {
            return Optional.empty();
        }
        return Optional.of("slot.name " + base + " is too long for the slots of " + count + " key shards (" + TaskSegments.TASKS_MAX + "="
                + count + "): " + longest + " is longer than PostgreSQL's " + MAX_NAME_BYTES + " bytes; choose a slot.name of "
                + (MAX_NAME_BYTES - (longest.length() - base.length())) + " characters or fewer");
    }

    /** Slot {@code base} and the shard slots named after it on the server of {@code c}, by name. */
    public static Map<String, ExistingSlot> existing(Connection c, String base) throws SQLException {
        Map<String, ExistingSlot> found = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT slot_name, plugin, slot_type, database FROM pg_replication_slots WHERE slot_name = ? "
                        + "OR left(slot_name::text, length(?)) = ?")) {
            ps.setString(1, base);
            ps.setString(2, base + "_");
            ps.setString(3, base + "_");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    if (name.equals(base) || KeyShards.ofSlot(name, base).isPresent()) {
                        found.put(name, new ExistingSlot(name, rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
            }
        }
        return found;
    }

    /**
     * Why a source read by {@code count} task(s) (1: unsharded, slot {@code base}) cannot use the slots {@code found}
     * ({@link #existing}): they were made for another count. Empty when they fit.
     */
    public static Optional<String> madeForAnotherCount(Map<String, ExistingSlot> found, String base, int count,
                                                       String connector) {
        List<String> others = new ArrayList<>();
        int otherCount = 0;
        for (String name : found.keySet()) {
            int n = countOf(name, base);
            if (n != count) {
                others.add(name);
                otherCount = n;
            }
        }
        if (others.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("This source was read by " + otherCount + " task(s) (replication slot(s) " + String.join(", ", others)
                + " exist) but " + TaskSegments.TASKS_MAX + "=" + count + " now asks for " + count + ": each key's changes would move to "
                + "another task with changes of it still unsent by the first, and could arrive out of order. Set "
                + "tasks.max back to " + otherCount + ". To change the count: PUT /connectors/" + connector + "/stop, "
                + "drop slot(s) " + String.join(", ", others) + " (SELECT pg_drop_replication_slot(...)), DELETE "
                + "/connectors/" + connector + "/offsets, then PUT /connectors/" + connector + "/resume with " + TaskSegments.TASKS_MAX + "="
                + count + " and " + SourceConfig.SNAPSHOT_MODE + "=initial: every table is copied anew by the new tasks");
    }

    /** The shards of {@code count} whose slot is not among {@code found}. */
    public static List<KeyShard> missing(Map<String, ExistingSlot> found, String base, int count) {
        List<KeyShard> missing = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            KeyShard shard = new KeyShard(i, count);
            if (!found.containsKey(name(base, shard))) {
                missing.add(shard);
            }
        }
        return missing;
    }

    /**
     * Makes every shard's slot and moves them to one start, on {@code data}'s server; {@code heartbeatTable} loses the
     * rendezvous rows of earlier slots named after {@code base}. A failure drops the slots made, so the next attempt
     * makes them all again.
     */
    public static void createAll(ConnectionConfig data, SourceCatalog site, String base, int count, TableId heartbeatTable)
            throws SQLException {
        long started = System.currentTimeMillis();
        TruncateRendezvous.forgetAll(site.connection(), heartbeatTable, base);
        RecopyRendezvous.forgetAll(site.connection(), heartbeatTable, base);
        List<String> made = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                String name = name(base, new KeyShard(i, count));
                ReplicationSetup.ensureSlot(data, site, name);
                made.add(name);
            }
            String start = commonStart(site.connection(), made);
            try (PreparedStatement ps = site.connection().prepareStatement(
                    "SELECT pg_replication_slot_advance(slot_name, ?::pg_lsn) FROM pg_replication_slots "
                            + "WHERE slot_name = ANY (?) AND confirmed_flush_lsn < ?::pg_lsn")) {
                ps.setString(1, start);
                ps.setArray(2, site.connection().createArrayOf("text", made.toArray()));
                ps.setString(3, start);
                ps.execute();
            }
            String after = commonStart(site.connection(), made);
            if (!after.equals(start) || !allAt(site.connection(), made, start)) {
                throw new ConnectException("The slots " + made + " were moved to start at " + start + " but do not all "
                        + "start there; they are dropped and made again at the next attempt");
            }
            log.info("Created logical replication slots {} (pgoutput) for {} key shards, all starting at {} ({} ms)",
                    made, count, start, System.currentTimeMillis() - started);
        } catch (SQLException | RuntimeException e) {
            for (String name : made) {
                try {
                    ReplicationSetup.dropSlot(site.connection(), name);
                } catch (SQLException dropFailed) {
                    e.addSuppressed(dropFailed);
                }
            }
            throw e;
        }
    }

    /** The latest confirmed position among {@code slots}. */
    private static String commonStart(Connection c, List<String> slots) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT max(confirmed_flush_lsn)::text FROM pg_replication_slots WHERE slot_name = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", slots.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static boolean allAt(Connection c, List<String> slots, String lsn) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_replication_slots "
                + "WHERE slot_name = ANY (?) AND confirmed_flush_lsn = ?::pg_lsn")) {
            ps.setArray(1, c.createArrayOf("text", slots.toArray()));
            ps.setString(2, lsn);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == slots.size();
            }
        }
    }

    /** The shard whose slot {@code name} is among those named after {@code base}; empty for {@code base} itself. */
    public static Optional<KeyShard> shardOf(String name, String base) {
        return KeyShards.ofSlot(name, base).map(s -> new KeyShard(s[0], s[1]));
    }

    /** How many tasks the slot {@code name} was made for: 1 for {@code base} itself. */
    private static int countOf(String name, String base) {
        if (name.equals(base)) {
            return 1;
        }
        return shardOf(name, base).orElseThrow(() -> new IllegalArgumentException(name + " is not a slot of " + base)).count();
    }
}
