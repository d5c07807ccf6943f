package io.adbsync.source.snapshot;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Per-table snapshot progress of one source task, registered as a JMX MBean. */
public final class SnapshotMetrics implements SnapshotMetricsMBean {

    private static final Logger log = LoggerFactory.getLogger(SnapshotMetrics.class);
    private final List<TablePlan> plans = new CopyOnWriteArrayList<>();
    private ObjectName name;

    void track(TablePlan plan) {
        plans.add(plan);
    }

    public void register(String connector, String task) {
        try {
            ObjectName n = new ObjectName("io.adbsync:type=source-snapshot,connector=" + ObjectName.quote(connector)
                    + ",task=" + ObjectName.quote(task));
            var server = ManagementFactory.getPlatformMBeanServer();
            if (server.isRegistered(n)) {
                server.unregisterMBean(n);
            }
            server.registerMBean(this, n);
            name = n;
        } catch (Exception e) {
            log.warn("Could not register snapshot metrics for {}: {}", connector, e.getMessage());
        }
    }

    public void unregister() {
        if (name != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
            } catch (Exception ignored) {
                // Already gone.
            }
            name = null;
        }
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
        return plans.stream().map(p -> p.table.qualifiedName() + " " + p.rowsDone.get() + "/" + p.estimatedRows
                + " " + p.position()).toArray(String[]::new);
    }
}
