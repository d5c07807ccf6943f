package io.adbsync.source.partition;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.catalog.SourceCatalog;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * When leaves are published, a partition attached later is in no publication: the server sends nothing of it. This
 * looks for such partitions every few seconds, adds them to the publication, and says when their snapshot may start:
 * once the stream has passed the publication change. Rows written to the partition before that change are not
 * streamed; the snapshot, read after it, has them. Waiting for the stream matters for a row moved into the new
 * partition before the change: its DELETE from the old partition is streamed, so the snapshot must follow it.
 */
public final class AttachedPartitions {

    private static final Logger log = LoggerFactory.getLogger(AttachedPartitions.class);
    private static final long CHECK_INTERVAL_MS = 3_000;

    /** A partition added to the publication at WAL position {@code lsn}, of the captured partitioned table {@code root}. */
    public record Attached(String[] root, Partitions.Member leaf, long lsn) {
    }

    private final SourceCatalog catalog;
    private final String publication;
    private final List<String[]> roots;
    private final Map<String, String> rowFilters;
    private final boolean replicaIdentityFull;
    private final Set<Integer> known = new HashSet<>();
    private final List<Attached> waiting = new ArrayList<>();
    private long nextCheckAt;

    /**
     * Watches the partitioned tables {@code roots} of {@code publication}; {@code rowFilters} (by root name) are the
     * publication's row filters, if it has them. {@code listedBefore} are the relations the publication listed before
     * this start (null if all): partitions it did not list were attached while the connector was away and are
     * handled like ones attached while streaming, their snapshot deferred until the stream has passed their addition.
     */
    public AttachedPartitions(SourceCatalog catalog, String publication, List<String[]> roots, Map<String, String> rowFilters,
                              boolean replicaIdentityFull, Set<Integer> listedBefore) throws SQLException {
        this.catalog = catalog;
        this.publication = publication;
        this.roots = List.copyOf(roots);
        this.rowFilters = Map.copyOf(rowFilters);
        this.replicaIdentityFull = replicaIdentityFull;
        for (String[] root : roots) {
            Partitions.leaves(catalog.connection(), root[0], root[1]).stream()
                    .filter(l -> listedBefore == null || listedBefore.contains(l.oid())).forEach(l -> known.add(l.oid()));
        }
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
        for (String[] root : roots) {
            for (Partitions.Member leaf : Partitions.leaves(catalog.connection(), root[0], root[1])) {
                if (!known.contains(leaf.oid())) {
                    add(root, leaf);
                    known.add(leaf.oid());
                }
            }
        }
    }

    private void add(String[] root, Partitions.Member leaf) throws SQLException {
        String condition = rowFilters.get(root[0] + "." + root[1]);
        try (Statement s = catalog.connection().createStatement()) {
            if (replicaIdentityFull) {
                s.execute("ALTER TABLE " + leaf.quoted() + " REPLICA IDENTITY FULL");
            }
            if (!publishes(leaf)) {
                s.execute("ALTER PUBLICATION " + SqlIdentifiers.quote(publication) + " ADD TABLE " + leaf.quoted()
                        + (condition == null ? "" : " WHERE (" + condition + ")"));
            }
            try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
                rs.next();
                long lsn = LogSequenceNumber.valueOf(rs.getString(1)).asLong();
                waiting.add(new Attached(root, leaf, lsn));
                log.info("Partition {} of {} is new to the connector: added to publication {}; its snapshot starts once "
                        + "the stream passes {}", leaf.qualifiedName(), root[0] + "." + root[1], publication, rs.getString(1));
            }
        }
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

    /** The added partitions whose publication change the stream has passed ({@code receivedLsn}); each is returned once. */
    public List<Attached> ready(long receivedLsn) {
        List<Attached> ready = new ArrayList<>();
        for (Iterator<Attached> it = waiting.iterator(); it.hasNext(); ) {
            Attached a = it.next();
            if (receivedLsn >= a.lsn()) {
                ready.add(a);
                it.remove();
            }
        }
        return ready;
    }
}
