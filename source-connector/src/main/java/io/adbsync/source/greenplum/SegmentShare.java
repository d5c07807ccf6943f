package io.adbsync.source.greenplum;

import io.adbsync.source.stream.TableShare;
import org.apache.kafka.connect.errors.ConnectException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The share of the rows a segment's task reads, from the coordinator's {@code gp_distribution_policy}: its own rows of
 * every hash-distributed table, and all rows of a replicated table where it is the segment that reads those (each
 * replicated row is on every segment, and each write to it is decoded on every segment: read on one, per-key order
 * holds as on PostgreSQL).
 */
public final class SegmentShare implements TableShare {

    private final Callable<Connection> coordinator;
    private final boolean readsReplicated;
    private final int allSegments;
    /** The policies recorded when the slots were made, which a table's must still be; null: not compared. */
    private final RecordedPolicies recorded;
    /** Distribution policy per relation; absent: not yet asked. */
    private final Map<Integer, Policy> policies = new HashMap<>();
    /** The relations whose policy was compared with the recorded one since their last Relation message. */
    private final Set<Integer> compared = new HashSet<>();

    /**
     * A relation's {@code gp_distribution_policy}: {@code type} 'p' hash-distributed, 'r' replicated; its rows are on
     * the segments of content id 0 .. {@code segments}-1 (fewer than all while a cluster is being expanded); {@code text}
     * its text form ({@link RecordedPolicies#current}).
     */
    private record Policy(char type, int segments, String text) {
    }

    /**
     * @param coordinator the connection the task reads the coordinator's catalog with
     * @param segment     the segment the task reads
     * @param reader      the segment that reads replicated tables ({@link SourceTopology#replicatedTableReader()})
     * @param allSegments how many primary segments the cluster has
     */
    public SegmentShare(Callable<Connection> coordinator, Segment segment, Segment reader, int allSegments) {
        this(coordinator, segment, reader, allSegments, null);
    }

    /** As above, each table's policy compared with {@code recorded} when first read and after each Relation message. */
    public SegmentShare(Callable<Connection> coordinator, Segment segment, Segment reader, int allSegments,
                        RecordedPolicies recorded) {
        this.coordinator = coordinator;
        this.allSegments = allSegments;
        this.readsReplicated = segment.content() == reader.content();
        this.recorded = recorded;
    }

    /** A Relation message came for it: its relation cache was invalidated, as a redistribution does. */
    @Override
    public void relationChanged(int relationOid) {
        policies.remove(relationOid);
        compared.remove(relationOid);
    }

    /**
     * Asked for the tables whose changes this task sends (captured, not dropped): only theirs are compared with the
     * recorded policies, so a table outside the capture (a publication FOR ALL TABLES) may be redistributed freely.
     */
    @Override
    public boolean reads(int relationOid) {
        Policy policy = policy(relationOid);
        if (recorded != null && !compared.contains(relationOid)) {
            try {
                recorded.check(relationOid, policy.text());
            } catch (SQLException e) {
                throw new ConnectException("Cannot compare the distribution policy of relation OID "
                        + Integer.toUnsignedLong(relationOid) + " with the recorded one: " + e.getMessage(), e);
            }
            compared.add(relationOid);
        }
        return policy.type() != 'r' || readsReplicated;
    }

    @Override
    public boolean readsAllRows(int relationOid) {
        // Not a hash-distributed table on one segment either: every segment decodes its truncates, also those holding
        // none of its rows, so those go through the segments' rendezvous like any other's.
        return replicated(relationOid);
    }

    /** Whether this is the segment whose task reads replicated tables. */
    public boolean readsReplicated() {
        return readsReplicated;
    }

    /** How many segments hold rows of relation {@code relationOid}: those of content id 0 .. n-1. */
    @Override
    public int partiesHolding(int relationOid) {
        Policy policy = policy(relationOid);
        return policy.type() == 'r' ? 1 : policy.segments();
    }

    private boolean replicated(int relationOid) {
        return policy(relationOid).type() == 'r';
    }

    private Policy policy(int relationOid) {
        return policies.computeIfAbsent(relationOid, this::read);
    }

    private Policy read(int relationOid) {
        try {
            String now = RecordedPolicies.current(coordinator.call(), relationOid);
            // Gone (dropped): its last rows were distributed as recorded, where it was.
            String policy = RecordedPolicies.NONE.equals(now) && recorded != null
                    ? recorded.recorded(relationOid).orElse(now) : now;
            // A relation without a policy (a partitioned table's parent may have none) is taken as distributed over
            // every segment.
            if (RecordedPolicies.NONE.equals(policy)) {
                return new Policy('p', allSegments, now);
            }
            String[] parts = policy.split(":", 3);
            return new Policy(parts[0].charAt(0), Integer.parseInt(parts[1]), now);
        } catch (Exception e) {
            throw new ConnectException("Cannot read the distribution policy of relation OID "
                    + Integer.toUnsignedLong(relationOid) + " at the coordinator: " + e.getMessage(), e);
        }
    }
}
