package io.adbsync.source.stream;

import io.adbsync.common.contract.EventContract;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.catalog.RowFilter;
import io.adbsync.source.catalog.TableFilter;
import io.adbsync.source.catalog.UnchangedToastLoader;
import io.adbsync.common.filter.OperationFilter;
import io.adbsync.common.filter.Operation;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Begin;
import io.adbsync.source.pgoutput.PgOutputMessage.Commit;
import io.adbsync.source.pgoutput.PgOutputMessage.Delete;
import io.adbsync.source.pgoutput.PgOutputMessage.Insert;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputMessage.Truncate;
import io.adbsync.source.pgoutput.PgOutputMessage.Update;
import io.adbsync.source.pgoutput.PgOutputProtocolException;
import io.adbsync.source.partition.PartitionRouter;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.types.TypeMapper;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * Follows the decoded pgoutput stream transaction by transaction and turns captured changes into records. Records
 * of a transaction are handed out as they are decoded, before its Commit arrives: with protocol version 1 the
 * server only sends committed transactions, so nothing uncommitted is emitted and memory stays bounded by the
 * batch, not by the transaction.
 */
public final class ChangeStream {

    private static final Logger log = LoggerFactory.getLogger(ChangeStream.class);

    /** What the stream needs to know about the heartbeat table, whose changes become heartbeat records. */
    public interface HeartbeatSink {
        boolean isHeartbeatTable(CapturedTable table);

        SourceRecord heartbeat(TransactionContext tx, long event);
    }

    private final RelationRegistry relations;
    private final TypeMapper types;
    private final ChangeRecordFactory records;
    private final TableFilter filter;
    private TableShare share = TableShare.WHOLE;
    private HeldTruncate held;
    private List<HeldCopy> heldCopies = List.of();
    /**
     * Truncates of tables read whole that the held truncate's message names after its first held table: sent in index
     * order with the held copies ({@link #sendHeld}) or on release, never before a held copy of a lower index.
     */
    private List<DeferredTruncate> afterHeld = List.of();
    /** Whether the held truncate's copies were handed out: only its release may then let the stream go on. */
    private boolean heldSent;
    private long heldLastEvent;
    private int heldInTransaction;
    /** Truncates not held again because their copies are behind the position; see {@link #takePassed}. */
    private final List<HeldTruncate> passed = new ArrayList<>();
    private final LsnAckTracker tracker;
    private final HeartbeatSink heartbeats;
    private final OperationFilter operations;
    private RowFilter rowFilter = RowFilter.NONE;
    private PartitionRouter partitions;
    /** Null until a record was handed out or stored: nothing is behind it. */
    private StreamPosition position;
    private TransactionContext tx;
    /** Index of the next decoded change in the transaction, counted whether or not it yields records. */
    private long nextChange;
    /** First record index of the change being handled; see {@link StreamPosition} for how indices are formed. */
    private long nextEvent;
    /**
     * Relations dropped at the source (seen so when the server described them, or when a change of theirs needed a
     * value from them): their changes are skipped. A change decoded after its table was dropped (lagging, or sent again
     * after a restart) would otherwise land after the copy of a table created again under the name, and bring back
     * rows of the dropped one.
     */
    private final Set<Integer> dropped = new HashSet<>();
    private IntPredicate relationExists = oid -> true;

    public ChangeStream(RelationRegistry relations, TypeMapper types, ChangeRecordFactory records, TableFilter filter,
                        OperationFilter operations, LsnAckTracker tracker, HeartbeatSink heartbeats, Optional<StreamPosition> resumeAt) {
        this.relations = relations;
        this.types = types;
        this.records = records;
        this.filter = filter;
        this.operations = operations;
        this.tracker = tracker;
        this.heartbeats = heartbeats;
        this.position = resumeAt.orElse(null);
        records.laterRemovalDelivered(t -> operations.applies(t.qualifiedName(), Operation.DELETE)
                && operations.applies(t.qualifiedName(), Operation.UPDATE));
    }

    /** The tables this task reads where several read one source (one per Greenplum segment); all by default. */
    public void share(TableShare share) {
        this.share = share;
    }

    /** A truncate of a table read whole, numbered {@code event}, that follows a held one in its message. */
    private record DeferredTruncate(int relationOid, Lsn walLsn, long event) {
    }

    /** A truncate of a table read here in part, held until it may be sent (by this task, or by another for all). */
    /** @param send whether this task sends it (captured, not dropped); held either way, so every task meets there */
    private record HeldCopy(CapturedTable table, Lsn walLsn, long event, boolean send) {
    }

    /**
     * Stops the stream at a truncate of tables this task reads only part of (one Greenplum segment's rows): each
     * segment decodes its own copy of it, and sent from every segment's task, a slow segment's copy would also empty
     * rows that faster segments wrote after the truncate and that were applied already. The task's caller makes the
     * segments' tasks meet at it (see SourceTopology) and then has it sent once ({@link #sendHeld}) or not at all,
     * and goes on ({@link #releaseHeld}). A truncate whose copies are all behind the stored position (a restart after
     * it was passed) is not held again.
     */
    private void hold(List<HeldCopy> apart) {
        int ordinal = heldInTransaction++;
        long last = 0;
        for (HeldCopy copy : apart) {
            last = Math.max(last, copy.send() ? copy.event() + records.truncateCopies(copy.table()) - 1 : copy.event());
        }
        HeldTruncate truncate = new HeldTruncate(tx.xid(), tx.commitLsn(), apart.stream().map(c -> c.table().oid()).toList(),
                apart.stream().map(c -> c.table().qualifiedName()).toList(), ordinal);
        if (position != null && position.covers(tx.commitLsn(), last)) {
            passed.add(truncate);
            return;
        }
        held = truncate;
        heldCopies = List.copyOf(apart);
        heldLastEvent = last;
    }

    /**
     * The truncates read that were not held because their copies are behind the position (a restart after they were
     * sent, whose report that they were sent may still be owed to the other segments' tasks), until each is
     * {@linkplain #passedReported reported}.
     */
    public List<HeldTruncate> passed() {
        return List.copyOf(passed);
    }

    /** {@code truncate} of {@link #passed} needs nothing more. */
    public void passedReported(HeldTruncate truncate) {
        passed.remove(truncate);
    }

    /** The truncate the stream is stopped at, if it is. */
    public Optional<HeldTruncate> held() {
        return Optional.ofNullable(held);
    }

    /** Sends the held truncate's copies (every partition of each table's topic) to {@code out}; the stream stays held. */
    public void sendHeld(Consumer<SourceRecord> out) {
        // Nothing was accepted since the truncate: the stream's transaction is still the truncate's.
        for (HeldCopy copy : heldCopies) {
            // A table read whole named between held ones goes out in its place: after, its index would be covered.
            truncateWholeBefore(copy.event(), out);
            if (!copy.send()) {
                continue;
            }
            for (SourceRecord record : records.truncate(copy.table(), tx, copy.walLsn(), copy.event())) {
                emit(record, out);
                heldSent = true;
            }
        }
    }

    /** Sends the truncates of {@link #afterHeld} numbered below {@code event}, and forgets them. */
    private void truncateWholeBefore(long event, Consumer<SourceRecord> out) {
        List<DeferredTruncate> before = afterHeld.stream().filter(d -> d.event() < event).toList();
        if (!before.isEmpty()) {
            afterHeld = afterHeld.stream().filter(d -> d.event() >= event).toList();
            truncateWhole(before, out);
        }
    }

    /**
     * Goes on past the held truncate. Where this task did not send it, a heartbeat record at the truncate's position
     * goes to {@code out}: once Kafka and Connect store it, a restart resumes after the truncate, whose meeting may be
     * forgotten by then (see TruncateRendezvous).
     */
    public void releaseHeld(Consumer<SourceRecord> out) {
        // Also where this task sent copies, but not the last change's (a table it does not send): a restart must
        // resume after the whole truncate, not meet it again once the others have forgotten it.
        if (tx != null) {
            truncateWholeBefore(heldLastEvent, out);
        }
        if (held != null && tx != null && heartbeats != null
                && (position == null || !position.covers(tx.commitLsn(), heldLastEvent))) {
            emit(heartbeats.heartbeat(tx, heldLastEvent), out);
        }
        if (tx != null) {
            truncateWholeBefore(Long.MAX_VALUE, out);
        }
        releaseHeld();
    }

    private void releaseHeld() {
        held = null;
        heldCopies = List.of();
        heldSent = false;
        afterHeld = List.of();
    }

    /** Sends the truncates of tables read whole, each under the index it was given. */
    private void truncateWhole(List<DeferredTruncate> truncates, Consumer<SourceRecord> out) {
        for (DeferredTruncate d : truncates) {
            nextEvent = d.event();
            changeAt(d.relationOid(), Operation.TRUNCATE, out, table -> records.truncate(table, tx, d.walLsn(), d.event()));
        }
    }

    /** Filters rows of some tables in the connector (servers without publication row filters). */
    public void rowFilter(RowFilter rowFilter) {
        this.rowFilter = rowFilter;
    }

    /** Says whether a relation OID still exists at the source (asked once per Relation message). */
    public void relationExists(IntPredicate relationExists) {
        this.relationExists = relationExists;
    }

    /** Presents changes of leaf partitions as changes of their root table. */
    public void partitions(PartitionRouter partitions) {
        this.partitions = partitions;
    }

    /** The position of the last record handed out; a reconnect resumes here. */
    public Optional<StreamPosition> position() {
        return Optional.ofNullable(position);
    }

    /** Forgets a transaction cut off by a lost connection; the server sends it again from its Begin. */
    public void abandonTransaction() {
        tx = null;
        // A truncate held in it is held again when the server sends it again, unless its copies were handed out: read
        // again, they are behind the position and would not hold the stream, which would then go on before the task
        // told the other segments' tasks they were sent (and those would wait for that forever).
        if (!heldSent) {
            releaseHeld();
        }
        // Decoded again with the transaction: sent then, after the held truncate, or at once if that is released first.
        afterHeld = List.of();
    }

    /** Whether a transaction is open (between Begin and Commit). */
    public boolean inTransaction() {
        return tx != null;
    }

    /** Handles one message; records it yields go to {@code out}. {@code walLsn} is the message's WAL position. */
    public void accept(PgOutputMessage received, Lsn walLsn, Consumer<SourceRecord> out) {
        PgOutputMessage message = partitions == null ? received : partitions.route(received);
        if (message instanceof Begin b) {
            tx = new TransactionContext(b.finalLsn(), b.commitTime(), Integer.toUnsignedLong(b.xid()));
            nextChange = 0;
            heldInTransaction = 0;
        } else if (message instanceof Commit c) {
            requireTransaction(c);
            tracker.reached(c.endLsn());
            tx = null;
        } else if (message instanceof Relation r) {
            CapturedTable table = relations.update(r);
            share.relationChanged(r.oid());
            if (relationExists.test(r.oid())) {
                dropped.remove(r.oid());
            } else if (dropped.add(r.oid()) && filter.captures(table.schema(), table.table())) {
                log.warn("Table {} (relation OID {}) no longer exists at the source: its changes still in the stream are "
                        + "skipped, so its destination table keeps the state before them; a table created again under "
                        + "its name is copied anew", table.qualifiedName(), Integer.toUnsignedLong(r.oid()));
            }
        } else if (message instanceof PgOutputMessage.Type t) {
            types.typeAnnounced(t.oid());
        } else if (message instanceof Insert i) {
            change(i.relationOid(), Operation.INSERT, out, t -> !share.owns(t, i.newTuple())
                    || rowFilter.filters(t) && !rowFilter.matches(t, i.newTuple())
                    ? List.of() : records.insert(t, i.newTuple(), tx, walLsn, nextEvent));
        } else if (message instanceof Update u) {
            change(u.relationOid(), Operation.UPDATE, out, t -> share.splitsRows() ? ownedUpdate(t, u, walLsn) : update(t, u, walLsn));
        } else if (message instanceof Delete d) {
            change(d.relationOid(), Operation.DELETE, out, t -> !share.owns(t, d.oldTuple())
                    || rowFilter.filters(t) && !rowFilter.matches(t, d.oldTuple())
                    ? List.of() : records.delete(t, d.oldTuple(), tx, walLsn, nextEvent));
        } else if (message instanceof Truncate t) {
            requireTransaction(t);
            List<HeldCopy> apart = new ArrayList<>();
            List<DeferredTruncate> whole = new ArrayList<>();
            for (int oid : t.relationOids()) {
                // A truncate of some leaves of a partitioned table only: not replicated (the router said why).
                boolean partial = partitions != null && partitions.partial(oid);
                if (!isHeartbeat(oid) && !share.readsAllRows(oid)) {
                    // Every task stops here, whatever it now thinks of the table (dropped, no longer captured, truncated
                    // only in part): the others count on meeting it at this truncate. Only what it sends depends on that.
                    requireTransaction(Operation.TRUNCATE);
                    nextEvent = StreamPosition.firstEventOf(nextChange++);
                    CapturedTable table = relations.get(oid);
                    apart.add(new HeldCopy(table, walLsn, nextEvent, !partial && sends(table, Operation.TRUNCATE)));
                    continue;
                }
                // Numbered all the same where partial: whether it is partial is judged from the catalog when decoded,
                // which a restart may find otherwise, and the changes after it must keep their indices (StreamPosition).
                requireTransaction(Operation.TRUNCATE);
                nextEvent = StreamPosition.firstEventOf(nextChange++);
                if (!partial) {
                    whole.add(new DeferredTruncate(oid, walLsn, nextEvent));
                }
            }
            if (apart.isEmpty()) {
                truncateWhole(whole, out);
            } else {
                // What the message names before its first held table goes now; what follows goes in its place among
                // the held copies: sent before them, it would put the position past a held truncate, which would then
                // pass for one sent before a restart and not be held.
                afterHeld = List.copyOf(whole);
                truncateWholeBefore(apart.get(0).event(), out);
                hold(apart);
                if (held == null) {
                    // Passed, sent before a restart: nothing to wait for.
                    truncateWholeBefore(Long.MAX_VALUE, out);
                }
            }
        } else if (!(message instanceof PgOutputMessage.Origin) && !(message instanceof PgOutputMessage.LogicalMessage)) {
            // Origin (changes replicated from elsewhere are captured like local ones) and logical messages carry
            // no table change; everything else belongs to streaming or two-phase modes this connector does not ask for.
            throw new PgOutputProtocolException("Unexpected pgoutput message " + message.getClass().getSimpleName()
                    + ": streaming and two-phase messages are not requested by this connector");
        }
    }

    /**
     * What this task sends of an update where rows are split by key: all of it when it owns the key (before and after),
     * nothing when it owns neither; when the key moved between tasks, the old key's task sends its removal (delete and
     * tombstone) and the new key's task its creation. Converted only when owned: that is the work sharding splits.
     */
    private List<SourceRecord> ownedUpdate(CapturedTable t, Update u, Lsn walLsn) {
        // A key column the update left alone and TOASTed is absent from the new row; the old row (whole, or its key)
        // has it.
        TupleData newRow = u.oldKind() != 0 ? u.newTuple().withUnchangedToastFrom(u.oldTuple()) : u.newTuple();
        boolean ownsNew = share.owns(t, newRow);
        boolean ownsOld = u.oldKind() == 0 ? ownsNew : share.owns(t, u.oldTuple());
        if (!ownsOld && !ownsNew) {
            return List.of();
        }
        List<SourceRecord> all = update(t, u, walLsn);
        if (ownsOld && ownsNew) {
            return all;
        }
        return all.stream().filter(r -> ownsOld == removal(r)).toList();
    }

    /** Whether {@code record} removes its key: a delete or a tombstone. */
    private static boolean removal(SourceRecord record) {
        return record.value() == null
                || EventContract.OP_DELETE.equals(((Struct) record.value()).getString("op"));
    }

    /** An update, or under a connector-side row filter what it means for the filtered view: update, delete or insert. */
    private List<SourceRecord> update(CapturedTable t, Update u, Lsn walLsn) {
        if (!rowFilter.filters(t)) {
            return records.update(t, u.oldKind(), u.oldTuple(), u.newTuple(), tx, walLsn, nextEvent);
        }
        if (u.oldKind() != 'O') {
            throw new PgOutputProtocolException("Table " + t.qualifiedName() + " has a row filter but its update came without "
                    + "the old row; it needs REPLICA IDENTITY FULL");
        }
        // The new row omits TOASTed values the update left alone; judged without them, a matching row would seem to
        // leave the filter. The whole old row has them.
        TupleData newRow = u.newTuple().withUnchangedToastFrom(u.oldTuple());
        boolean before = rowFilter.matches(t, u.oldTuple());
        boolean after = rowFilter.matches(t, newRow);
        if (before && after) {
            return records.update(t, u.oldKind(), u.oldTuple(), newRow, tx, walLsn, nextEvent);
        } else if (before) {
            return records.delete(t, u.oldTuple(), tx, walLsn, nextEvent);
        } else if (after) {
            return records.insert(t, newRow, tx, walLsn, nextEvent);
        }
        return List.of();
    }

    /** Whether this task sends {@code operation}'s changes of {@code table}: captured, not dropped, read here. */
    private boolean sends(CapturedTable table, Operation operation) {
        return filter.captures(table.schema(), table.table()) && operations.applies(table.qualifiedName(), operation)
                && !dropped.contains(table.oid()) && share.reads(table.oid());
    }

    private boolean isHeartbeat(int relationOid) {
        return heartbeats != null && heartbeats.isHeartbeatTable(relations.get(relationOid));
    }

    private void change(int relationOid, Operation operation, Consumer<SourceRecord> out,
                        Function<CapturedTable, List<SourceRecord>> build) {
        requireTransaction(operation);
        nextEvent = StreamPosition.firstEventOf(nextChange++);
        changeAt(relationOid, operation, out, build);
    }

    /** A change of {@code relationOid} whose index ({@link #nextEvent}) is set. */
    private void changeAt(int relationOid, Operation operation, Consumer<SourceRecord> out,
                          Function<CapturedTable, List<SourceRecord>> build) {
        CapturedTable table = relations.get(relationOid);
        if (heartbeats != null && heartbeats.isHeartbeatTable(table)) {
            if (operation != Operation.TRUNCATE) {
                emit(heartbeats.heartbeat(tx, nextEvent), out);
            }
            return;
        }
        if (!sends(table, operation)) {
            return;
        }
        List<SourceRecord> built;
        try {
            built = build.apply(table);
        } catch (UnchangedToastLoader.RelationGone gone) {
            // Failing would stop the task for good: the WAL holds the change and no restart can read the value. The
            // table's rows are gone at the source; one created again under its name is copied anew after a truncate.
            dropped.add(relationOid);
            log.warn("Table {} (relation OID {}) was dropped before its change in the transaction committed at {} was "
                    + "decoded, and that change needs a TOASTed value only the dropped table held: it and the table's "
                    + "later changes still in the stream are skipped, so its destination table keeps the state before "
                    + "them. A table created again under its name is copied anew. ({})", table.qualifiedName(),
                    Integer.toUnsignedLong(relationOid), tx.commitLsn(), gone.getMessage());
            return;
        }
        for (SourceRecord record : built) {
            emit(record, out);
        }
    }

    private void emit(SourceRecord record, Consumer<SourceRecord> out) {
        long event = ((Number) record.sourceOffset().get(ChangeRecordFactory.OFFSET_EVENT)).longValue();
        if (position != null && position.covers(tx.commitLsn(), event)) {
            return;
        }
        position = new StreamPosition(tx.commitLsn(), event);
        tracker.track(record, tx.commitLsn());
        out.accept(record);
    }

    private void requireTransaction(Object message) {
        if (tx == null) {
            throw new PgOutputProtocolException("pgoutput " + message + " arrived outside a transaction");
        }
    }
}
