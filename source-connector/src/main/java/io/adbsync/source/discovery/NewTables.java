package io.adbsync.source.discovery;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.LockBoundedDdl;
import io.adbsync.source.catalog.PublishingLock;
import io.adbsync.source.catalog.ReplicaIdentity;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.SourceCatalog.CapturedName;
import io.adbsync.source.catalog.UncapturableTables;
import io.adbsync.source.partition.PartitionMode;
import io.adbsync.source.partition.Partitions;
import io.adbsync.source.catalog.TableFilter;
import io.adbsync.source.wal.Lsn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Captured tables that appear while the task streams: created anew to match the include list, or dropped and created
 * again under a captured name (DROP takes a table out of every publication, so the new one would never be streamed).
 * Found every few seconds, added to the publication, and copied once the stream has passed that point, exactly as
 * {@link io.adbsync.source.partition.AttachedPartitions} does for partitions: the copy then reflects a moment after
 * every change streamed before it. A re-created table's copy starts with a truncate (its stored snapshot offset names
 * the old relation), so its earlier rows go at the destination.
 * <p>
 * A table that would break writes at the source once published (no key, REPLICA IDENTITY NOTHING) is left out with a
 * warning, as at task start. With a FOR ALL TABLES publication nothing is added: a table is new when its name or OID is.
 * Under {@code setup.mode=check} the connector adds nothing and alters nothing: a new table is picked up once an
 * administrator has published it (and given it REPLICA IDENTITY FULL where the config asks), and until then a
 * warning names the SQL to run, once for each change of what is missing.
 */
public final class NewTables {

    private static final Logger log = LoggerFactory.getLogger(NewTables.class);
    private static final long CHECK_INTERVAL_MS = 3_000;

    /**
     * A table new to the connector at WAL position {@code lsn}; {@code added} if it was not in the publication when
     * found (and was added to it then, or by an administrator since).
     */
    public record Found(TableId name, long oid, boolean added, Lsn lsn) {
        public String qualifiedName() {
            return name.toString();
        }
    }

    private final SourceCatalog catalog;
    private final String publication;
    private final TableFilter filter;
    private final TableId heartbeat;
    private final Map<String, String> rowFilters;
    private final boolean replicaIdentityFull;
    private final PartitionMode partitions;
    private final boolean allTables;
    /** Whether the connector publishes new tables itself ({@code setup.mode=create}) or waits for an administrator. */
    private final boolean create;
    /** Tables waiting for an administrator ({@code setup.mode=check}), with the SQL last named in a warning, by name. */
    private final Map<String, String> awaitingAdministrator = new HashMap<>();
    /** Tables found unpublished while waiting for an administrator: once published, their copy counts as after a gap. */
    private final Set<String> foundUnpublished = new HashSet<>();
    /** Told of each partitioned table added, with the partitions it had: later ones are watched for from then on. */
    private final BiConsumer<TableId, List<Partitions.Member>> watchPartitions;
    /** OID of each captured table by name, as last seen. */
    private final Map<String, Long> known = new HashMap<>();
    /** Tables left out because publishing them would break the source's writes (warned about once), by name. */
    private final Map<String, Long> refused = new HashMap<>();
    private final List<Found> waiting = new ArrayList<>();
    /** Publishing a table waits only briefly for a lock another transaction holds on it, by name. */
    private final LockBoundedDdl<String> ddl = new LockBoundedDdl<>();
    private long nextCheckAt;

    /**
     * Where the stream was when the latest captured table was found under a new name since {@link #takeRenamed} last
     * said so, or null.
     */
    private Lsn renamedAt;

    /**
     * Watches the tables {@code filter} captures; those {@code planned} at task start (published and copied by the
     * start) are known, any other is new. {@code rowFilters} (by table name) are the publication's row filters, if it
     * has them. {@code watchPartitions} is told of each partitioned table added and the partitions it had, so that
     * partitions it gets later are published and copied too. Unless {@code create} ({@code setup.mode=check}) nothing is
     * published or altered: a table waits, with a warning naming the SQL, until an administrator has done it.
     */
    public NewTables(SourceCatalog catalog, String publication, TableFilter filter, List<CapturedName> planned, TableId heartbeat,
                     Map<String, String> rowFilters, boolean replicaIdentityFull, PartitionMode partitions,
                     boolean create, BiConsumer<TableId, List<Partitions.Member>> watchPartitions) throws SQLException {
        this.create = create;
        this.watchPartitions = watchPartitions;
        this.catalog = catalog;
        this.publication = publication;
        this.filter = filter;
        this.heartbeat = heartbeat;
        this.rowFilters = Map.copyOf(rowFilters);
        this.replicaIdentityFull = replicaIdentityFull;
        this.partitions = partitions;
        this.allTables = allTables(catalog, publication);
        for (CapturedName t : planned) {
            known.put(t.qualifiedName(), t.oid());
        }
    }

    /**
     * Whether a captured table was found under a new name (renamed, or its schema) and the stream at {@code receivedLsn}
     * is past where it was found, once per such finding. The server may go on naming its changes as before (a
     * partitioned table's partitions, a schema renamed: nothing invalidates their cached descriptions), until the
     * stream is opened again.
     */
    public boolean takeRenamed(Lsn receivedLsn) {
        // Opened again before it is past the rename, the stream would describe the relation from a change before it
        // again, and keep that name.
        if (renamedAt == null || receivedLsn.isBefore(renamedAt)) {
            return false;
        }
        renamedAt = null;
        return true;
    }

    /** The current schema.table names of the relations {@code oids} that still exist. */
    private Map<Long, String> namesOf(java.util.Collection<Long> oids) throws SQLException {
        Map<Long, String> names = new java.util.HashMap<>();
        if (oids.isEmpty()) {
            return names;
        }
        try (PreparedStatement ps = catalog.connection().prepareStatement("SELECT c.oid, n.nspname, c.relname "
                + "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY (?)")) {
            ps.setArray(1, catalog.connection().createArrayOf("oid", oids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.put(rs.getLong(1), new TableId(rs.getString(2), rs.getString(3)).toString());
                }
            }
        }
        return names;
    }

    /** At most every few seconds: adds the captured tables created or re-created since the last look to the publication. */
    public void discover(long nowMs) throws SQLException {
        if (nowMs < nextCheckAt) {
            return;
        }
        nextCheckAt = nowMs + CHECK_INTERVAL_MS;
        List<CapturedName> captured = SourceCatalog.capturedTableOids(catalog.connection(), filter);
        Set<String> published = allTables ? null : catalog.publishedTables(publication);
        List<CapturedName> candidates = new ArrayList<>();
        for (CapturedName t : captured) {
            String name = t.qualifiedName();
            boolean isHeartbeat = t.name().equals(heartbeat);
            boolean changed = !Long.valueOf(t.oid()).equals(known.get(name));
            // Where leaves are published, a partitioned table counts as published through its partitions: one without
            // partitions yet has nothing to publish, and its later partitions are the watch of attached partitions'.
            boolean unpublished = published != null && !published.contains(name)
                    && !(partitions == PartitionMode.LEAVES && t.partitioned());
            if (!isHeartbeat && (changed || unpublished)) {
                candidates.add(t);
            }
        }
        Set<String> names = captured.stream().map(CapturedName::qualifiedName).collect(Collectors.toSet());
        // By OID, whatever the names: a table renamed while another took its name (a swap, an archive rotation) is
        // renamed all the same, and one renamed out of the captured names too.
        Map<Long, String> nameNow = namesOf(known.values());
        for (Map.Entry<String, Long> e : new ArrayList<>(known.entrySet())) {
            String renamedTo = nameNow.get(e.getValue());
            if (renamedTo != null && !renamedTo.equals(e.getKey())) {
                // The latest rename's: a reopen past an earlier one only would describe the relation from a change
                // before this one, and keep the name it has there.
                Lsn now = catalog.streamServerLsn();
                renamedAt = renamedAt == null || renamedAt.isBefore(now) ? now : renamedAt;
                log.info("Captured table {} was renamed to {} at the source{}", e.getKey(), renamedTo, names.contains(renamedTo)
                        ? ": it is copied under its new name, its changes from the rename on going to the new name's topic"
                        : ", which is not captured");
                // Where its name is another table's now, that one is new to the connector, and copied.
                known.remove(e.getKey());
                if (!names.contains(e.getKey())) {
                    ddl.forget(e.getKey());
                }
            }
        }
        for (String gone : new ArrayList<>(known.keySet())) {
            if (!names.contains(gone)) {
                known.remove(gone);
                ddl.forget(gone);
                log.info("Captured table {} was dropped at the source; a table created under its name is copied anew", gone);
            }
        }
        awaitingAdministrator.keySet().retainAll(names);
        foundUnpublished.retainAll(names);
        if (candidates.isEmpty()) {
            return;
        }
        Map<String, String> uncapturable = UncapturableTables.find(catalog.connection(), filter, heartbeat, replicaIdentityFull)
                .stream().collect(Collectors.toMap(UncapturableTables.Uncapturable::table, UncapturableTables.Uncapturable::reason));
        for (CapturedName t : candidates) {
            String reason = uncapturable.get(t.qualifiedName());
            if (reason != null) {
                if (Long.valueOf(t.oid()).equals(refused.put(t.qualifiedName(), t.oid()))) {
                    continue;
                }
                log.warn("Table {} matches {} but is not captured: {}; publishing it would make the source's own UPDATE and "
                        + "DELETE on it fail. Give it a primary key and it is picked up", t.qualifiedName(),
                        "table.include.list", reason);
                continue;
            }
            refused.remove(t.qualifiedName());
            boolean unpublished = published != null && !published.contains(t.qualifiedName());
            if (create) {
                if (ddl.due(t.qualifiedName(), nowMs)) {
                    add(t, unpublished, unpublished, nowMs);
                }
                continue;
            }
            if (unpublished) {
                foundUnpublished.add(t.qualifiedName());
            }
            List<String> sql = administratorSql(t, published);
            if (!sql.isEmpty()) {
                String statements = String.join(" ", sql.stream().map(statement -> statement + ";").toList());
                if (!statements.equals(awaitingAdministrator.put(t.qualifiedName(), statements))) {
                    log.warn("Table {} matches {} and is new to the connector, but {}=check lets the connector change nothing "
                            + "at the source, so it is not captured until an administrator (its owner or a superuser) runs: {} "
                            + "It is picked up and copied within seconds of that", t.qualifiedName(),
                            "table.include.list", "setup.mode", statements);
                }
                continue;
            }
            awaitingAdministrator.remove(t.qualifiedName());
            add(t, false, foundUnpublished.remove(t.qualifiedName()), nowMs);
        }
    }

    /**
     * {@code setup.mode=check}: the SQL that makes new table {@code t} capturable as {@link #add} would in create
     * mode (its replica identity, its place in the publication), or none when an administrator has run it. Leaves are
     * looked at one by one where they are published, so one partition left out is named.
     */
    private List<String> administratorSql(CapturedName t, Set<String> published) throws SQLException {
        List<String> sql = new ArrayList<>();
        if (replicaIdentityFull) {
            sql.addAll(ReplicaIdentity.fullStatements(ReplicaIdentity.notFull(catalog.connection(), List.of(t.name()))));
        }
        List<String> added = List.of();
        if (published != null) {
            added = partitions == PartitionMode.LEAVES && t.partitioned()
                    ? Partitions.leaves(catalog.connection(), t.name().schema(), t.name().table()).stream()
                    .filter(l -> !published.contains(l.qualifiedName())).map(Partitions.Member::quoted).toList()
                    : published.contains(t.qualifiedName()) ? List.of()
                    : List.of(t.name().quoted());
            if (!added.isEmpty()) {
                sql.add(addStatement(t, added));
            }
        }
        return PublishingLock.forAdministrator(added, sql);
    }

    /** {@code ALTER PUBLICATION ... ADD TABLE} for {@code members} (quoted) of {@code t}, each with its row filter. */
    private String addStatement(CapturedName t, List<String> members) {
        String where = where(t);
        return "ALTER PUBLICATION " + SqlIdentifiers.quote(publication) + " ADD TABLE "
                + String.join(", ", members.stream().map(member -> member + where).toList());
    }

    private String where(CapturedName t) {
        String condition = rowFilters.get(t.qualifiedName());
        return condition == null ? "" : " WHERE (" + condition + ")";
    }

    /**
     * Starts capturing {@code t}. Under {@code setup.mode=create} it is first given REPLICA IDENTITY FULL where the
     * config asks and, with {@code publish}, added to the publication; under {@code check} nothing is run (the caller
     * found nothing missing). {@code added} says it was not published when found.
     */
    private void add(CapturedName t, boolean publish, boolean added, long nowMs) throws SQLException {
        Connection c = catalog.connection();
        List<Partitions.Member> leaves = Partitions.leaves(c, t.name().schema(), t.name().table());
        List<String> members = partitions == PartitionMode.LEAVES && t.partitioned()
                ? leaves.stream().map(Partitions.Member::quoted).toList()
                : List.of(t.name().quoted());
        List<String> sql = new ArrayList<>();
        if (replicaIdentityFull && create) {
            sql.addAll(ReplicaIdentity.fullStatements(ReplicaIdentity.notFull(c, List.of(t.name()))));
        }
        // A partitioned table without partitions is not listed where leaves are published: PostgreSQL 12 refuses
        // it, and later servers would publish its partitions through it, unseen by the look for unpublished tables.
        List<String> publishing = publish ? members : List.of();
        if (!publishing.isEmpty()) {
            sql.add(addStatement(t, publishing));
        }
        // The table locked before it is published, in the same transaction: see PublishingLock.
        if (!ddl.run(c, t.qualifiedName(), "Table " + t.qualifiedName(), nowMs,
                PublishingLock.lockedFirst(publishing, sql))) {
            return;
        }
        if (t.partitioned()) {
            watchPartitions.accept(t.name(), leaves);
        }
        Lsn position = catalog.streamServerLsn();
        waiting.removeIf(w -> w.qualifiedName().equals(t.qualifiedName()));
        waiting.add(new Found(t.name(), t.oid(), added, position));
        known.put(t.qualifiedName(), t.oid());
        log.info("Table {} is new to the connector{}; its snapshot starts once the stream passes {}", t.qualifiedName(),
                publish ? ", added to publication " + publication : "", position);
    }

    /**
     * The tables whose publication change the stream has passed ({@code receivedLsn}); each stays until
     * {@link #planned} says its copy is planned, so a failure while planning (a lost connection) does not lose it.
     */
    public List<Found> ready(Lsn receivedLsn) {
        return waiting.stream().filter(f -> !receivedLsn.isBefore(f.lsn())).toList();
    }

    /** {@code found}'s copy is planned (or the table is gone again): it is no longer returned by {@link #ready}. */
    public void planned(Found found) {
        waiting.remove(found);
    }

    private static boolean allTables(SourceCatalog catalog, String publication) throws SQLException {
        try (PreparedStatement ps = catalog.connection().prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
