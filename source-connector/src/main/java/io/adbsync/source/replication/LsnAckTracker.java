package io.adbsync.source.replication;

import io.adbsync.source.wal.Lsn;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Works out which LSN the slot may confirm: the position of the longest prefix of handed-out records that Kafka has
 * acknowledged. Records are acknowledged out of order (different partitions), so the prefix rule is what makes a
 * confirmed LSN safe: everything before it is in Kafka.
 */
public final class LsnAckTracker {

    private static final class Entry {
        final Lsn lsn;
        boolean acked;

        Entry(Lsn lsn, boolean acked) {
            this.lsn = lsn;
            this.acked = acked;
        }
    }

    private final ArrayDeque<Entry> order = new ArrayDeque<>();
    private final Map<Object, Entry> byRecord = new IdentityHashMap<>();
    /** Null until a first position is confirmable. */
    private Lsn confirmable;

    /** A record handed to Connect; once it and all before it are acknowledged the slot may confirm {@code lsn}. */
    public synchronized void track(Object record, Lsn lsn) {
        Entry e = new Entry(lsn, false);
        order.addLast(e);
        byRecord.put(record, e);
    }

    /** A position reached without a record (end of a transaction, a filtered change): confirmable once all before it are. */
    public synchronized void reached(Lsn lsn) {
        order.addLast(new Entry(lsn, true));
        drain();
    }

    /** Kafka acknowledged {@code record} (or dropped it on purpose, e.g. an SMT filter). */
    public synchronized void acknowledged(Object record) {
        Entry e = byRecord.remove(record);
        if (e != null) {
            e.acked = true;
            drain();
        }
    }

    /** The highest LSN whose records are all in Kafka; empty before any. */
    public synchronized Optional<Lsn> confirmableLsn() {
        return Optional.ofNullable(confirmable);
    }

    /** Records handed out and not yet acknowledged. */
    public synchronized int inFlight() {
        return byRecord.size();
    }

    private void drain() {
        while (!order.isEmpty() && order.peekFirst().acked) {
            Lsn next = order.pollFirst().lsn;
            confirmable = confirmable == null ? next : Lsn.max(confirmable, next);
        }
    }
}
