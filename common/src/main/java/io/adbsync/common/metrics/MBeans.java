package io.adbsync.common.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/** Registers the connectors' JMX beans as {@code io.adbsync:type=<type>,connector="<name>",task="<id>"}. */
public final class MBeans {

    private static final Logger log = LoggerFactory.getLogger(MBeans.class);

    private MBeans() {
    }

    /**
     * Registers {@code bean}, replacing one a previous run of the same task left behind; returns its name, or null
     * when JMX refused (metrics are worth a warning, not a failed task).
     */
    public static ObjectName register(Object bean, String type, String connector, String task) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("io.adbsync:type=" + type + ",connector=" + ObjectName.quote(connector)
                    + ",task=" + ObjectName.quote(task));
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
            server.registerMBean(bean, name);
            return name;
        } catch (Exception e) {
            log.warn("Could not register {} metrics for {}: {}", type, connector, e.getMessage());
            return null;
        }
    }

    public static void unregister(ObjectName name) {
        if (name == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (Exception ignored) {
            // Already gone.
        }
    }
}
