package io.adbsync.source.snapshot;

import io.adbsync.common.metrics.MBeans;

import javax.management.ObjectName;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Per-table snapshot progress of one source task, registered as a JMX MBean. */
public final class SnapshotMetrics implements SnapshotMetricsMBean {

    private final List<TablePlan> plans = new CopyOnWriteArrayList<>();
    private final AtomicLong bytesSpilled = new AtomicLong();
    private ObjectName name;

    void track(TablePlan plan) {
        plans.add(plan);
    }

    void untrack(TablePlan plan) {
        plans.remove(plan);
    }

    public void register(String connector, String task) {
        name = MBeans.register(this, "source-snapshot", connector, task);
    }

    public void unregister() {
        MBeans.unregister(name);
        name = null;
    }

    void spilled(long bytes) {
        bytesSpilled.addAndGet(bytes);
    }

    @Override
    public long getBytesSpilled() {
        return bytesSpilled.get();
    }

    @Override
    public long getRowsDone() {
        return plans.stream().mapToLong(p -> p.rowsDone.get()).sum();
    }

    @Override
    public long getRowsEstimated() {
        return plans.stream().mapToLong(p -> p.estimatedRows).sum();
    }

    @Override
    public int getTablesTotal() {
        return plans.size();
    }

    @Override
    public int getTablesRemaining() {
        return (int) plans.stream().filter(p -> !p.done()).count();
    }

    @Override
    public String[] getTableProgress() {
        return plans.stream().map(p -> p.name() + " " + p.rowsDone.get() + "/" + p.estimatedRows
                + " " + p.position()).toArray(String[]::new);
    }
}
