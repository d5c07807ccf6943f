package io.adbsync.source.snapshot;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.common.jdbc.PgCatalog;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.partition.Partitions;
import io.adbsync.source.stream.OffsetScope;
import io.adbsync.source.catalog.TableFilter;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Marks the stored copy of every table this task no longer captures, so that the table is copied again when it is
 * captured again: its changes meanwhile are left out of the stream while the slot moves on.
 *
 * <p>The publication cannot tell: under {@code FOR ALL TABLES} (or a publication the user keeps with more tables than the
 * include list) a table left out by the include list is still published, and the stream drops its changes on the
 * client side. So the mark goes where the copy is: into the table's snapshot offset (a record on the heartbeat topic
 * carries it), with a random nonce that names the truncate of the next copy. The nonce is stored before that truncate
 * exists, so a restart sends the same barrier id, and an id the sink applied before the source's offsets were reset is
 * never reused.
 *
 * <p>Until the marks are stored, nothing of a marked table may be lost: a table the config leaves out is still streamed
 * ({@link #kept()}), and a table left out because it cannot be captured (no key any more) holds the stream back
 * ({@link #holdsStream()}): a task that stops before the marks are stored finds the copies as they were, with no
 * change missing. Whether they are stored is read back from the connector's offsets after each offset commit that
 * ended once Kafka had acknowledged every mark, never inferred from Connect's calls: Connect calls commitRecord for a
 * record a transform or converter dropped, whose offset it never stores, and calls it for a sent record just before it
 * counts the record's offset as committable. Marks that still do not read back once that can no longer be the reason
 * ({@link #FAIL_AFTER_COMMITS}) were dropped: the task fails, saying so.
 */
public final class LeftTables {

    private static final Logger log = LoggerFactory.getLogger(LeftTables.class);
    /** On a copy's offset: the table was not captured for a while, and the nonce that names its next copy's truncate. */
    static final String OFFSET_LEFT = SnapshotProgress.LEFT;
    /**
     * Offset commits ended since the second poll after Kafka acknowledged every mark, after which marks still not stored
     * never will be: Connect gathers committable offsets before each poll (the first may have gathered before it counted
     * the marks) and runs commits one after another, so the second of them began after the marks were committable.
     */
    static final int FAIL_AFTER_COMMITS = 3;

    private final List<SourceRecord> marks;
    /** The source partitions the marks are stored under. */
    private final List<Map<String, String>> partitions;
    private final Set<SourceRecord> unacknowledged = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));
    private final Set<String> kept = ConcurrentHashMap.newKeySet();
    private final List<String> named;
    private volatile boolean held;
    private boolean handedOut;
    /** Offset commits that ended after Kafka acknowledged every mark (counted on Connect's committer thread). */
    private final AtomicInteger commitsSinceAcknowledged = new AtomicInteger();
    /** Of those, how many the task thread has looked after. */
    private int commitsLookedAfter;
    /** Polls begun since the task thread saw every mark acknowledged, and the commits counted at the second. */
    private int pollsSinceAcknowledged;
    private int commitsAtSecondPoll = -1;
    /** Whether every mark read back (none to mark: from the start). */
    private volatile boolean stored;

    LeftTables(List<SourceRecord> marks, Set<String> kept, boolean held, List<String> named) {
        this.marks = marks;
        this.partitions = marks.stream().map(LeftTables::partitionOf).toList();
        this.unacknowledged.addAll(marks);
        this.kept.addAll(kept);
        this.held = held;
        this.named = named;
        this.stored = marks.isEmpty();
    }

    /** Nothing to mark. */
    public static LeftTables none() {
        return new LeftTables(List.of(), Set.of(), false, List.of());
    }

    /** Schemas of the server's own, whose tables are never captured. */
    private static final Pattern SYSTEM_SCHEMA =
            Pattern.compile("pg_catalog|information_schema|gp_toolkit|pg_toast.*|pg_temp.*");

    /**
     * Finds the tables with a stored copy, unmarked, that are not among {@code captured} ({@code schema.table}); a table
     * {@code configured} captures is left out only because it cannot be captured. {@code carrier} makes the record that
     * carries a mark: given the copy's source partition and the marked offset.
     */
    public static LeftTables find(Connection c, Set<String> captured, TableFilter configured, OffsetScope server,
                                  OffsetStorageReader offsets,
                                  OffsetCarrier carrier) throws SQLException {
        // Which table each stored copy's partition belongs to: the table's own, and one per partition of a
        // partitioned table.
        Map<Map<String, String>, TableId> partitions = new LinkedHashMap<>();
        // A table without key could not be streamed as it was: its records would have none.
        Set<String> keyless = new java.util.HashSet<>();
        for (PgCatalog.Table t : PgCatalog.tables(c, true)) {
            String name = t.qualifiedName();
            if (captured.contains(name) || SYSTEM_SCHEMA.matcher(t.schema()).matches()) {
                continue;
            }
            TableId table = new TableId(t.schema(), t.name());
            partitions.put(TablePlan.partition(server, name), table);
            if (!t.keyed()) {
                keyless.add(name);
            }
            if (t.partitioned()) {
                for (Partitions.Member leaf : Partitions.leaves(c, t.schema(), t.name())) {
                    partitions.put(TablePlan.partition(server, TablePlan.key(name, leaf)), table);
                }
            }
        }
        List<SourceRecord> marks = new ArrayList<>();
        Set<String> kept = new java.util.TreeSet<>();
        Set<String> holding = new java.util.TreeSet<>();
        Map<Map<String, String>, Map<String, Object>> stored = offsets.offsets(partitions.keySet());
        for (Map.Entry<Map<String, String>, TableId> p : partitions.entrySet()) {
            Map<String, Object> offset = stored.get(p.getKey());
            if (offset == null || offset.get(OFFSET_LEFT) != null) {
                continue;
            }
            Map<String, Object> marked = new HashMap<>(offset);
            marked.put(OFFSET_LEFT, UUID.randomUUID().toString());
            marks.add(carrier.carry(p.getKey(), marked));
            TableId table = p.getValue();
            String name = table.toString();
            (configured.captures(table.schema(), table.table()) || keyless.contains(name) ? holding : kept).add(name);
        }
        if (marks.isEmpty()) {
            return none();
        }
        List<String> named = new ArrayList<>(kept);
        named.addAll(holding);
        log.info("{} table(s) with a copy are no longer captured ({}): their copies are marked, so capturing one again copies "
                + "it again; {}", named.size(), String.join(", ", named), holding.isEmpty()
                ? "their changes still go to their topics until the marks are stored (read back after an offset commit)"
                : "streaming waits until the marks are stored (read back after an offset commit)");
        return new LeftTables(marks, kept, !holding.isEmpty(), named);
    }

    /** The records carrying the marks, the first time; then none. */
    public List<SourceRecord> takeMarks() {
        if (handedOut) {
            return List.of();
        }
        handedOut = true;
        return marks;
    }

    /** The tables the stream still captures, as {@code schema.table}, though the config leaves them out: a live view. */
    public Set<String> kept() {
        return kept;
    }

    /** Whether streaming must wait: a table that cannot be captured has a mark not stored yet. */
    public boolean holdsStream() {
        return held;
    }

    /** Kafka acknowledged {@code record}. */
    public void acknowledged(SourceRecord record) {
        unacknowledged.remove(record);
    }

    /** Connect committed offsets: once every mark is acknowledged, the next look reads them back ({@link #lookWhetherStored}). */
    public void committed() {
        if (!stored && unacknowledged.isEmpty()) {
            commitsSinceAcknowledged.incrementAndGet();
        }
    }

    /**
     * On the task thread, before a poll: after each offset commit that ended since every mark was acknowledged, reads
     * the marked offsets back; once each holds a mark the kept tables are left out and the stream may go on. Any mark
     * will do: one stored by an earlier run of the task marks the copy as well as this run's. Fails the task when they
     * still do not read back after {@link #FAIL_AFTER_COMMITS} commits that ended since the second poll after that.
     */
    public void lookWhetherStored(OffsetStorageReader offsets) {
        if (stored) {
            return;
        }
        int commits = commitsSinceAcknowledged.get();
        if (handedOut && unacknowledged.isEmpty() && ++pollsSinceAcknowledged == 2) {
            commitsAtSecondPoll = commits;
        }
        if (commits == commitsLookedAfter) {
            return;
        }
        commitsLookedAfter = commits;
        List<String> missing = new ArrayList<>();
        try {
            Map<Map<String, String>, Map<String, Object>> read = offsets.offsets(partitions);
            for (Map<String, String> partition : partitions) {
                Map<String, Object> offset = read.get(partition);
                if (offset == null || !(offset.get(OFFSET_LEFT) instanceof String)) {
                    missing.add(String.valueOf(partition.get(TablePlan.PARTITION_SNAPSHOT)));
                }
            }
        } catch (RuntimeException e) {
            log.warn("Cannot read the connector's offsets to see whether the marks of the tables no longer captured are "
                    + "stored ({}); looking again after the next offset commit", e.getMessage());
            return;
        }
        if (missing.isEmpty()) {
            stored = true;
            kept.clear();
            held = false;
            log.info("The marks of the tables no longer captured are stored; their changes are left out from now on ({})",
                    String.join(", ", named));
        } else if (commitsAtSecondPoll >= 0 && commits - commitsAtSecondPoll >= FAIL_AFTER_COMMITS) {
            // Going on would either skip the tables' changes with their copies unmarked (lost for good once they are
            // captured again), or stream tables the config now leaves out for as long as the task runs.
            throw new ConnectException("The marks on the copies of " + String.join(", ", missing) + " (tables no longer "
                    + "captured) were acknowledged by Kafka but are not in the connector's offsets after " + commits
                    + " offset commits: a transform or converter drops the records of topic " + marks.get(0).topic()
                    + ", which carry them. Without its mark a copy would be taken as current when its table is captured "
                    + "again, and the changes left out meanwhile would be lost. Let that topic's records through (e.g. "
                    + "leave it out of the transform's predicate), then restart the task");
        }
    }

    private static Map<String, String> partitionOf(SourceRecord mark) {
        Map<String, String> partition = new HashMap<>();
        mark.sourcePartition().forEach((k, v) -> partition.put(k, (String) v));
        return partition;
    }

    /** The nonce a stored offset's mark holds, or null when it has none (see {@link #OFFSET_LEFT}). */
    static String nonce(SnapshotOffsets.Offset stored) {
        return stored == null ? null : stored.left();
    }
}
