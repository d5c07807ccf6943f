package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.GreenplumSegments;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a source's changes are decoded ({@code source.mode}): on one PostgreSQL server, on each primary segment of a
 * Greenplum cluster, or at a Greenplum-family coordinator; decided from {@code version()}, {@code gp_role} and
 * {@code gp_segment_configuration}, with the segments the per-segment mode reads.
 *
 * <h2>Why decoding each segment on its own is correct</h2>
 * The coordinator of Greenplum 7 holds no rows of distributed tables, and its decoder fails on the distributed-commit
 * record of any transaction that wrote some ({@code unexpected RM_XACT_ID record type: 96}). Each primary segment is a
 * PostgreSQL instance with its own WAL, LSNs, xids and system identifier; reached in utility mode it decodes, with
 * pgoutput, the changes of its own rows for the publication made on the coordinator (the coordinator dispatches
 * {@code CREATE PUBLICATION} to every segment). So a Greenplum source is one stream per segment, each read by one task
 * with its own slot, offsets and snapshot chunks, all writing to the same topics. What makes that safe, and where
 * it is not by itself, as checked on a Greenplum 7 cluster (see the {@code greenplum} ITs and docs/architecture.md):
 *
 * <p><b>Per-key order.</b> A row of a hash-distributed table lives on the segment its distribution key hashes to.
 * Greenplum refuses a primary key or unique index that does not contain every distribution-key column ("PRIMARY KEY
 * and DISTRIBUTED BY definitions are incompatible"), and a table with neither is not captured (its records would have
 * no key). So a record's key fixes its distribution key, which fixes its segment: every change of one key value is
 * made and decoded on one segment, in that segment's commit order, and read by one task in that order. Changes of
 * different segments need no order among each other: they are changes of different keys.
 *
 * <p><b>Distribution-key updates.</b> Greenplum 7 allows {@code UPDATE ... SET} of a distribution-key column (not in
 * {@code ON CONFLICT DO UPDATE}). It is a split update, decoded as a DELETE of the old row and an INSERT of the new one,
 * never as an UPDATE, also when both land on the same segment. When they do not, the DELETE is decoded on the old
 * segment and the INSERT on the new one, each in that segment's share of the one distributed transaction, at unrelated
 * LSNs, read by two tasks. Since the key contains the distribution key, old and new row have different keys: the old
 * key's history ends with its DELETE on its segment, the new key's starts with its INSERT on its own, and per-key
 * order is kept. What is lost is the order between the two halves: Kafka gets them from two tasks in no set order,
 * so a destination may for a while hold both rows or neither (as with any transaction whose keys go to different
 * topic partitions), and consumers see a delete and a create, not one update with before and after. Nothing may try
 * to order the halves; the design relies only on "key contains distribution key", which Greenplum enforces.
 *
 * <p><b>Redistribution breaks "one key, one segment".</b> {@code ALTER TABLE ... SET DISTRIBUTED BY}, and gpexpand's
 * rebalancing, move rows between segments by rewriting the table: each segment's WAL shows only inserts into a transient
 * {@code pg_temp_<oid>} table, which the publication does not send. A key's later changes are then decoded on another
 * segment than its earlier ones, by another task that may be ahead, so a stale change could overwrite a newer one. A
 * task must record each captured table's distribution policy ({@code gp_distribution_policy}: policy type, key columns,
 * numsegments) and treat a change of it like a re-created table whose copy starts only once every segment's stream
 * has passed the change; until that exists, redistributing a captured table needs the connector stopped after every
 * task streamed past the last write to the table, and the table copied again.
 *
 * <p><b>Replicated tables</b> ({@code DISTRIBUTED REPLICATED}) hold every row on every segment, and each write is
 * decoded on every segment. They are read (streamed and copied) from one segment only, {@link #replicatedTableReader()}:
 * the lowest content id, which also holds the rows of a table that has not been expanded to newer segments.
 *
 * <p><b>TRUNCATE</b> of a distributed table is decoded on every segment, each copy ordered only with that segment's
 * rows, under a local xid of each segment. Sent as a truncate from every task, a slow segment's rows from before the
 * truncate could arrive after a fast segment's copy was applied, and the slow segment's own copy would then also
 * empty the fast segment's rows written after it. So it is one barrier ({@link TruncateRendezvous}): every segment's
 * task stops at its copy until Kafka has everything it sent before and reports its arrival where all tasks see it;
 * once all segments holding the table arrived, one task sends the copies to every partition, and the others go on
 * once those are acknowledged. On each partition, rows from before the truncate then precede its copy and rows from
 * after follow it, and the sink's barrier works unchanged. The tasks recognise one truncate by its rank among the
 * table's truncates, which is the same on every segment because truncates of a table commit one after another
 * (ACCESS EXCLUSIVE at the coordinator) and every segment's slot was created while none could commit
 * ({@link SegmentSlots}). A copy that must begin with a truncate (a table created again) would need the same meeting
 * before any segment sends rows of it; it is refused instead, naming the table.
 *
 * <p><b>Heartbeats</b> must reach every segment: a segment's slot advances only with a transaction decoded there. A
 * write to a {@code DISTRIBUTED REPLICATED} heartbeat table, made through the coordinator, is decoded on every segment
 * (an upsert as an INSERT, then as UPDATEs); a hash-distributed one reaches one segment. No write ever goes through a
 * utility-mode connection ({@link Segment#UTILITY_OPTIONS}).
 *
 * <p><b>Topology changes.</b> Each segment has its own LSN space and system identifier, so offsets and the record
 * headers that name a source server are per segment. A mirror promoted after its primary failed has no logical slot
 * (PostgreSQL 12 does not copy slots to standbys): that segment's stream has a gap, and its share of the captured
 * tables must be copied again. A segment added by gpexpand needs a slot and a task of its own before any table is
 * expanded onto it.
 */
public final class SourceTopology {

    private static final Pattern FAMILY = GreenplumSegments.FAMILY;
    /** The parenthesised product in {@code version()}, e.g. {@code (Greenplum Database 7.0.0+ build dev)}. */
    private static final Pattern PRODUCT = Pattern.compile("\\(([^()]*(?:Greenplum|Cloudberry|AnalyticDB)[^()]*)\\)");
    private static final Pattern ADB_KERNEL = Pattern.compile("AnalyticDB for PostgreSQL (\\d+\\.\\d+\\.\\d+\\.\\d+)");
    /**
     * The first AnalyticDB kernel whose coordinator decodes changes (logical replication), per its vendor. Only a
     * four-part kernel version in {@code version()} is compared: a product version (7.0) is not a kernel version.
     */
    private static final String ADB_CODING_KERNEL = "7.2.1.4";
    private static final String SEGMENTS = "SELECT content, dbid, address, port, status = 'u' FROM gp_segment_configuration "
            + "WHERE content >= 0 AND role = 'p' ORDER BY content, dbid";

    private final SourceMode requested;
    private final SourceMode mode;
    private final String reason;
    private final TopologyProblem problem;
    private final String version;
    private final List<Segment> segments;

    SourceTopology(SourceMode requested, SourceMode mode, String reason, TopologyProblem problem, String version,
                   List<Segment> segments) {
        this.requested = requested;
        this.mode = mode;
        this.reason = reason;
        this.problem = problem;
        this.version = version;
        this.segments = List.copyOf(segments);
    }

    /** Asks the server behind {@code c} (the one {@code connection.url} names) what it is, and resolves {@code requested}. */
    public static SourceTopology detect(Connection c, SourceMode requested) throws SQLException {
        String version;
        String role;
        try (Statement s = c.createStatement();
             // missing_ok: on PostgreSQL there is no gp_role, and the answer is null.
             ResultSet rs = s.executeQuery("SELECT version(), current_setting('gp_role', true)")) {
            rs.next();
            version = rs.getString(1);
            role = rs.getString(2);
        }
        List<Segment> segments = new ArrayList<>();
        if (FAMILY.matcher(version).find() && "dispatch".equals(role)) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SEGMENTS)) {
                while (rs.next()) {
                    segments.add(new Segment(rs.getInt(1), rs.getInt(2), rs.getString(3), rs.getInt(4), rs.getBoolean(5)));
                }
            }
        }
        return resolve(requested, version, role, segments);
    }

    /**
     * The mode {@code requested} comes to for a server whose {@code version()} is {@code version}, whose {@code gp_role}
     * is {@code role} (null where there is none) and whose catalog lists {@code segments} as primaries.
     */
    static SourceTopology resolve(SourceMode requested, String version, String role, List<Segment> segments) {
        boolean family = FAMILY.matcher(version).find();
        boolean coordinator = family && "dispatch".equals(role);
        String product = product(version);
        String notCoordinator = "connection.url reaches a Greenplum-family instance in gp_role=" + role + " (" + product
                + "), not a coordinator, and such an instance holds at most one segment's rows";
        String lists = "gp_segment_configuration lists " + segments.size() + " primary segment(s)";
        switch (requested) {
            case AUTO -> {
                if (!family) {
                    return of(requested, SourceMode.POSTGRES, "version() names no Greenplum-family product (" + product + ")",
                            null, version, segments);
                }
                if (!coordinator) {
                    return of(requested, SourceMode.POSTGRES, notCoordinator, problem(ConnectionConfig.URL, notCoordinator
                            + ": point " + ConnectionConfig.URL + " at the coordinator, or set source.mode"
                            + "=postgres to read this one instance on purpose"), version, segments);
                }
                if (version.contains("AnalyticDB")) {
                    return of(requested, SourceMode.COORDINATOR, "version() names AnalyticDB (" + product + "), whose managed "
                            + "service does not expose its segments and decodes changes at the coordinator (kernel 7.2.1.4+)",
                            coordinatorProblem(version, product), version, segments);
                }
                if (segments.isEmpty()) {
                    return of(requested, SourceMode.COORDINATOR, "version() names a Greenplum-family server (" + product
                            + ") but gp_segment_configuration lists no primary segment", null, version, segments);
                }
                return of(requested, SourceMode.GREENPLUM_SEGMENTS, "version() names a Greenplum-family server (" + product
                        + ") and " + lists + "; a Greenplum 7 coordinator cannot decode changes of distributed tables, each "
                        + "segment decodes its own rows", null, version, segments);
            }
            case POSTGRES -> {
                TopologyProblem p = coordinator ? problem("source.mode", "source.mode=postgres "
                        + "reads " + ConnectionConfig.URL + " as one PostgreSQL server, but it is a Greenplum-family "
                        + "coordinator (" + product + ") and " + lists + ": set source.mode"
                        + "=greenplum_segments (decode on each segment), coordinator (decode at the coordinator, as "
                        + "AnalyticDB 7.2.1.4+ does) or auto") : null;
                return of(requested, requested, chosen(requested), p, version, segments);
            }
            case GREENPLUM_SEGMENTS, COORDINATOR -> {
                String needs = "source.mode=" + requested.configValue() + " needs a Greenplum-family "
                        + "coordinator in " + ConnectionConfig.URL;
                TopologyProblem p = null;
                if (!family) {
                    p = problem("source.mode", needs + ", but version() names no Greenplum-family product ("
                            + product + "): set source.mode=auto or postgres");
                } else if (!coordinator) {
                    p = problem(ConnectionConfig.URL, needs + ", but " + notCoordinator + ": point " + ConnectionConfig.URL
                            + " at the coordinator");
                } else if (requested == SourceMode.GREENPLUM_SEGMENTS && segments.isEmpty()) {
                    p = problem("source.mode", needs + " with segments, but gp_segment_configuration of " + product
                            + " lists no primary segment: set source.mode=coordinator");
                } else if (requested == SourceMode.COORDINATOR) {
                    p = coordinatorProblem(version, product);
                }
                return of(requested, requested, chosen(requested), p, version, segments);
            }
            default -> throw new IllegalArgumentException("Unknown source mode " + requested);
        }
    }

    private static SourceTopology of(SourceMode requested, SourceMode mode, String reason, TopologyProblem problem,
                                     String version, List<Segment> segments) {
        return new SourceTopology(requested, mode, reason, problem, version, segments);
    }

    private static TopologyProblem problem(String key, String message) {
        return new TopologyProblem(key, message);
    }

    /**
     * Why a coordinator of {@code version} cannot decode the changes of distributed tables itself, or null: AnalyticDB
     * does so from kernel 7.2.1.4 (its vendor's documentation). Other products are taken at their word when the mode is
     * set explicitly (a Greenplum 7.0 coordinator fails at the first change of a distributed table, but builds and forks
     * differ).
     */
    private static TopologyProblem coordinatorProblem(String version, String product) {
        Matcher adb = ADB_KERNEL.matcher(version);
        if (adb.find()) {
            return atLeast(adb.group(1), ADB_CODING_KERNEL) ? null : problem("source.mode", "AnalyticDB (" + product
                    + ") decodes changes at the coordinator only from kernel " + ADB_CODING_KERNEL + " on, and its managed "
                    + "service does not expose its segments: upgrade the instance's minor version to "
                    + ADB_CODING_KERNEL + " or later");
        }
        return null;
    }

    /** Whether dotted version {@code version} is {@code least} or later. */
    static boolean atLeast(String version, String least) {
        String[] a = version.split("\\.");
        String[] b = least.split("\\.");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            int x = i < a.length ? Integer.parseInt(a[i]) : 0;
            int y = i < b.length ? Integer.parseInt(b[i]) : 0;
            if (x != y) {
                return x > y;
            }
        }
        return true;
    }

    private static String chosen(SourceMode requested) {
        return "set by source.mode=" + requested.configValue();
    }

    /** The Greenplum-family products {@code version()} names in parentheses, else its text before " on ". */
    static String product(String version) {
        Matcher m = PRODUCT.matcher(version);
        List<String> products = new ArrayList<>();
        while (m.find()) {
            products.add(m.group(1));
        }
        if (!products.isEmpty()) {
            return String.join(", ", products);
        }
        int on = version.indexOf(" on ");
        return on > 0 ? version.substring(0, on) : version;
    }

    /** The mode the connector uses (never {@code AUTO}). */
    public SourceMode mode() {
        return mode;
    }

    /** Why: what {@code auto} found, or that the setting chose it. */
    public String reason() {
        return reason;
    }

    /** Why the mode cannot work with this server, when it cannot. */
    public Optional<TopologyProblem> problem() {
        return Optional.ofNullable(problem);
    }

    /** {@code version()} of the server {@code connection.url} names. */
    public String version() {
        return version;
    }

    /**
     * The primary segments in content order, one per content id, each marked up or down; empty unless the server is a
     * Greenplum-family coordinator.
     */
    public List<Segment> segments() {
        return segments;
    }

    /**
     * The one segment that streams and copies replicated tables: the lowest content id, which holds a replicated
     * table's rows whatever its numsegments.
     */
    public Segment replicatedTableReader() {
        if (segments.isEmpty()) {
            throw new IllegalStateException("No segments: the source is not read per segment (" + describe() + ")");
        }
        return segments.get(0);
    }

    /** The mode and why, as logs and validation messages name it: {@code greenplum_segments (auto: version() names ...)}. */
    public String describe() {
        return mode.configValue() + " (" + (requested == SourceMode.AUTO ? "auto: " : "") + reason + ")";
    }

    @Override
    public String toString() {
        return "SourceTopology[" + describe() + ", segments=" + segments + "]";
    }
}
