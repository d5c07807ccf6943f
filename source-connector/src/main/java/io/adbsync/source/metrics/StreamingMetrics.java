package io.adbsync.source.metrics;

import io.adbsync.common.metrics.MBeans;
import io.adbsync.source.wal.Lsn;

import javax.management.ObjectName;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of one source task's stream, registered as a JMX MBean for the lag dashboard. */
public final class StreamingMetrics implements StreamingMetricsMBean {

    private final AtomicLong lagMs = new AtomicLong(-1);
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong heartbeats = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong retainedWalBytes = new AtomicLong(-1);
    /** Null before the first record. */
    private volatile Lsn lastCommitLsn;
    /** Null before the first confirmation. */
    private volatile Lsn confirmedLsn;
    private volatile boolean connected;
    private ObjectName name;

    public void register(String connector, String task) {
        name = MBeans.register(this, "source-streaming", connector, task);
    }

    public void unregister() {
        MBeans.unregister(name);
        name = null;
    }

    public void recordChange(long commitTimeMs, Optional<Lsn> commitLsn, boolean heartbeat) {
        lagMs.set(Math.max(0, System.currentTimeMillis() - commitTimeMs));
        lastCommitLsn = commitLsn.orElse(null);
        (heartbeat ? heartbeats : changes).incrementAndGet();
    }

    public void confirmed(Lsn lsn) {
        confirmedLsn = lsn;
    }

    public void connected(boolean value) {
        connected = value;
    }

    public void retainedWal(long bytes) {
        retainedWalBytes.set(bytes);
    }

    @Override
    public long getRetainedWalBytes() {
        return retainedWalBytes.get();
    }

    public void reconnected() {
        reconnects.incrementAndGet();
    }

    @Override
    public long getMilliSecondsBehindSource() {
        return lagMs.get();
    }

    @Override
    public long getTotalChangeRecords() {
        return changes.get();
    }

    @Override
    public long getTotalHeartbeats() {
        return heartbeats.get();
    }

    @Override
    public String getLastCommitLsn() {
        return text(lastCommitLsn);
    }

    @Override
    public String getConfirmedLsn() {
        return text(confirmedLsn);
    }

    /** Before there is one, the attribute reads 0/0, as it always did: dashboards may key on that. */
    private static String text(Lsn lsn) {
        return lsn == null ? "0/0" : lsn.toString();
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    @Override
    public long getReconnects() {
        return reconnects.get();
    }
}
