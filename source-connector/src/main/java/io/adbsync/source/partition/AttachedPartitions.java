package io.adbsync.source.partition;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.LockBoundedDdl;
import io.adbsync.source.catalog.PublishingLock;
import io.adbsync.source.catalog.ReplicaIdentity;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.wal.Lsn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Partitions attached after the start: found every few seconds, added to the publication when leaves are published
 * (the server sends nothing of a leaf no publication lists), and copied once the stream has passed that point. A
 * partition may be attached with rows of its own, which were never in any change stream of the root, so even when
 * the root is published the new partition is copied. Waiting for the stream matters where rows are moved into the new
 * partition, as when a default partition is split: their DELETE from the old partition is streamed, so the copy of
 * the new one must follow it.
 */
public final class AttachedPartitions {

    private static final Logger log = LoggerFactory.getLogger(AttachedPartitions.class);
    private static final long CHECK_INTERVAL_MS = 3_000;

    /** A partition added to the publication at WAL position {@code lsn}, of the captured partitioned table {@code root}. */
    public record Attached(TableId root, Partitions.Member leaf, Lsn lsn) {
    }

    private final SourceCatalog catalog;
    private final String publication;
    private final List<TableId> roots;
    private final Map<String, String> rowFilters;
    private final boolean replicaIdentityFull;
    private final boolean addToPublication;
    /** Whether the connector publishes new partitions itself ({@code setup.mode=create}) or waits for an administrator. */
    private final boolean create;
    /** Partitions waiting for an administrator ({@code setup.mode=check}), with the SQL last named in a warning, by OID. */
    private final Map<Integer, String> awaitingAdministrator = new HashMap<>();
    private final Set<Integer> known = new HashSet<>();
    private final List<Attached> waiting = new ArrayList<>();
    /** Publishing a partition waits only briefly for a lock another transaction holds on it, by OID. */
    private final LockBoundedDdl<Integer> ddl = new LockBoundedDdl<>();
    private long nextCheckAt;

    /**
     * Watches the partitioned tables {@code roots}; {@code addToPublication} when leaves are published, then
     * {@code rowFilters} (by root name) are the publication's row filters, if it has them. Partitions for which
     * {@code captured} is false at the start (attached while the connector was away, or before their copy began) are
     * handled like ones attached while streaming: their snapshot waits until the stream has passed this point. Unless
     * {@code create} ({@code setup.mode=check}) nothing is published or altered: a partition waits, with a warning naming
     * the SQL, until an administrator has done it.
     */
    public AttachedPartitions(SourceCatalog catalog, String publication, List<TableId> roots, boolean addToPublication,
                              Map<String, String> rowFilters, boolean replicaIdentityFull, boolean create,
                              BiPredicate<TableId, Partitions.Member> captured) throws SQLException {
        this.catalog = catalog;
        this.create = create;
        this.publication = publication;
        this.roots = new ArrayList<>(roots);
        this.addToPublication = addToPublication;
        this.rowFilters = Map.copyOf(rowFilters);
        this.replicaIdentityFull = replicaIdentityFull;
        for (TableId root : roots) {
            Partitions.leaves(catalog.connection(), root.schema(), root.table()).stream()
                    .filter(l -> captured.test(root, l)).forEach(l -> known.add(l.oid()));
        }
    }

    /**
     * Watches {@code root} too, a partitioned table found while streaming whose partitions {@code published} were
     * published and are copied with it: partitions it gets later are added and copied like those of the roots watched
     * from the start.
     */
    public void watch(TableId root, List<Partitions.Member> published) {
        if (!roots.contains(root)) {
            roots.add(root);
        }
        published.forEach(leaf -> known.add(leaf.oid()));
    }

    /** Whether the snapshot of {@code leaf} waits for its addition to the publication to pass in the stream. */
    public boolean deferred(Partitions.Member leaf) {
        return !known.contains(leaf.oid());
    }

    /** At most every few seconds: adds the partitions attached since the last look to the publication. */
    public void discover(long nowMs) throws SQLException {
        if (nowMs < nextCheckAt) {
            return;
        }
        nextCheckAt = nowMs + CHECK_INTERVAL_MS;
        for (TableId root : roots) {
            for (Partitions.Member leaf : Partitions.leaves(catalog.connection(), root.schema(), root.table())) {
                if (!known.contains(leaf.oid()) && ddl.due(leaf.oid(), nowMs) && add(root, leaf, nowMs)) {
                    known.add(leaf.oid());
                }
            }
        }
    }

    /**
     * Starts capturing {@code leaf}: publishes it and sets its replica identity where needed ({@code setup.mode=create}),
     * or, under {@code check}, returns false while an administrator has yet to, after a warning naming the SQL.
     */
    private boolean add(TableId root, Partitions.Member leaf, long nowMs) throws SQLException {
        String condition = rowFilters.get(root.toString());
        List<String> sql = new ArrayList<>();
        if (replicaIdentityFull) {
            sql.addAll(ReplicaIdentity.fullStatements(
                    ReplicaIdentity.notFull(catalog.connection(), List.of(new TableId(leaf.schema(), leaf.table())))));
        }
        List<String> added = addToPublication && !publishes(leaf) ? List.of(leaf.quoted()) : List.of();
        if (!added.isEmpty()) {
            sql.add("ALTER PUBLICATION " + SqlIdentifiers.quote(publication) + " ADD TABLE " + leaf.quoted()
                    + (condition == null ? "" : " WHERE (" + condition + ")"));
        }
        if (!create && !sql.isEmpty()) {
            String statements = String.join(" ", PublishingLock.forAdministrator(added, sql).stream()
                    .map(statement -> statement + ";").toList());
            if (!statements.equals(awaitingAdministrator.put(leaf.oid(), statements))) {
                log.warn("Partition {} of {} is new to the connector, but {}=check lets the connector change nothing at the "
                        + "source, so it is not captured until an administrator (its owner or a superuser) runs: {} It is "
                        + "picked up and copied within seconds of that", leaf.qualifiedName(), root,
                        "setup.mode", statements);
            }
            return false;
        }
        awaitingAdministrator.remove(leaf.oid());
        // The partition locked before it is published, in the same transaction: see PublishingLock.
        if (!ddl.run(catalog.connection(), leaf.oid(), "Partition " + leaf.qualifiedName() + " of " + root, nowMs,
                PublishingLock.lockedFirst(added, sql))) {
            return false;
        }
        Lsn position = catalog.streamServerLsn();
        waiting.add(new Attached(root, leaf, position));
        log.info("Partition {} of {} is new to the connector{}; its snapshot starts once the stream passes {}",
                leaf.qualifiedName(), root,
                sql.isEmpty() ? "" : ", made capturable (" + String.join("; ", sql) + ")", position);
        return true;
    }

    private boolean publishes(Partitions.Member leaf) throws SQLException {
        try (PreparedStatement ps = catalog.connection().prepareStatement(
                "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND tablename = ?")) {
            ps.setString(1, publication);
            ps.setString(2, leaf.schema());
            ps.setString(3, leaf.table());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * The added partitions whose publication change the stream has passed ({@code receivedLsn}); each stays until
     * {@link #planned} says its copy is planned, so a failure while planning (a lost connection) does not lose it.
     */
    public List<Attached> ready(Lsn receivedLsn) {
        List<Attached> ready = new ArrayList<>();
        for (Attached a : waiting) {
            if (!receivedLsn.isBefore(a.lsn())) {
                ready.add(a);
            }
        }
        return ready;
    }

    /** {@code attached}'s copy is planned (or the partition is gone): it is no longer returned by {@link #ready}. */
    public void planned(Attached attached) {
        waiting.remove(attached);
    }
}
