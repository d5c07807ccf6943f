package io.adbsync.source.snapshot;

import io.adbsync.source.partition.Partitions;
import io.adbsync.source.stream.TableFilter;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import java.util.function.BiFunction;

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
 * change missing. The marks are stored once an offset commit that began after Kafka acknowledged them has finished:
 * Connect gathers committable offsets before each poll, and runs commits one after another, so the second commit
 * that ends after the first poll following the acknowledgements is such a commit.
 */
public final class LeftTables {

    private static final Logger log = LoggerFactory.getLogger(LeftTables.class);
    /** On a copy's offset: the table was not captured for a while, and the nonce that names its next copy's truncate. */
    static final String OFFSET_LEFT = "left";
    private static final int COMMITS_TO_BE_STORED = 2;

    private final List<SourceRecord> marks;
    private final Set<SourceRecord> unacknowledged = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));
    private final Set<String> kept = ConcurrentHashMap.newKeySet();
    private final List<String> named;
    private volatile boolean held;
    private boolean handedOut;
    private volatile boolean acknowledgedBeforePoll;
    private int commitsSince;

    LeftTables(List<SourceRecord> marks, Set<String> kept, boolean held, List<String> named) {
        this.marks = marks;
        this.unacknowledged.addAll(marks);
        this.kept.addAll(kept);
        this.held = held;
        this.named = named;
    }

    /** Nothing to mark. */
    public static LeftTables none() {
        return new LeftTables(List.of(), Set.of(), false, List.of());
    }

    /**
     * Finds the tables with a stored copy, unmarked, that are not among {@code captured} ({@code schema.table}); a table
     * {@code configured} captures is left out only because it cannot be captured. {@code carrier} makes the record that
     * carries a mark: given the copy's source partition and the marked offset.
     */
    public static LeftTables find(Connection c, Set<String> captured, TableFilter configured, String server,
                                  OffsetStorageReader offsets,
                                  BiFunction<Map<String, String>, Map<String, Object>, SourceRecord> carrier) throws SQLException {
        // Which table (schema, name) each stored copy's partition belongs to: the table's own, and one per partition of a
        // partitioned table.
        Map<Map<String, String>, String[]> partitions = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT n.nspname, c.relname, l.oid, ln.nspname, l.relname FROM pg_class c "
                        + "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "LEFT JOIN LATERAL (SELECT t.relid FROM pg_partition_tree(c.oid) t WHERE c.relkind = 'p' AND t.isleaf) "
                        + "t ON true LEFT JOIN pg_class l ON l.oid = t.relid AND l.relkind = 'r' "
                        + "LEFT JOIN pg_namespace ln ON ln.oid = l.relnamespace "
                        + "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'gp_toolkit') "
                        + "AND n.nspname !~ '^pg_(toast|temp)' ORDER BY 1, 2, 4, 5")) {
            while (rs.next()) {
                String[] table = {rs.getString(1), rs.getString(2)};
                String name = table[0] + "." + table[1];
                if (captured.contains(name)) {
                    continue;
                }
                partitions.put(TablePlan.partition(server, name), table);
                if (rs.getString(5) != null) {
                    Partitions.Member leaf = new Partitions.Member(rs.getInt(3), rs.getString(4), rs.getString(5));
                    partitions.put(TablePlan.partition(server, TablePlan.key(name, leaf)), table);
                }
            }
        }
        List<SourceRecord> marks = new ArrayList<>();
        Set<String> kept = new java.util.TreeSet<>();
        Set<String> holding = new java.util.TreeSet<>();
        Map<Map<String, String>, Map<String, Object>> stored = offsets.offsets(partitions.keySet());
        for (Map.Entry<Map<String, String>, String[]> p : partitions.entrySet()) {
            Map<String, Object> offset = stored.get(p.getKey());
            if (offset == null || offset.get(OFFSET_LEFT) != null) {
                continue;
            }
            Map<String, Object> marked = new HashMap<>(offset);
            marked.put(OFFSET_LEFT, UUID.randomUUID().toString());
            marks.add(carrier.apply(p.getKey(), marked));
            String[] table = p.getValue();
            (configured.captures(table[0], table[1]) ? holding : kept).add(table[0] + "." + table[1]);
        }
        if (marks.isEmpty()) {
            return none();
        }
        List<String> named = new ArrayList<>(kept);
        named.addAll(holding);
        log.info("{} table(s) with a copy are no longer captured ({}): their copies are marked, so capturing one again copies "
                + "it again; {}", named.size(), String.join(", ", named), holding.isEmpty()
                ? "their changes still go to their topics until the marks are stored (two offset commits)"
                : "streaming waits until the marks are stored (two offset commits)");
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

    /** A poll begins: Connect has gathered the offsets of every record acknowledged before it. */
    public void pollStarted() {
        if (handedOut && !acknowledgedBeforePoll && unacknowledged.isEmpty()) {
            acknowledgedBeforePoll = true;
        }
    }

    /** Connect committed offsets; once the marks are stored the kept tables are left out and the stream may go on. */
    public synchronized void committed() {
        if (!acknowledgedBeforePoll || (kept.isEmpty() && !held)) {
            return;
        }
        if (++commitsSince >= COMMITS_TO_BE_STORED) {
            kept.clear();
            held = false;
            log.info("The marks of the tables no longer captured are stored; their changes are left out from now on ({})",
                    String.join(", ", named));
        }
    }

    /** The nonce a stored offset's mark holds, or null when it has none (see {@link #OFFSET_LEFT}). */
    static String nonce(SnapshotOffsets.Offset stored) {
        return stored == null ? null : stored.left();
    }
}
