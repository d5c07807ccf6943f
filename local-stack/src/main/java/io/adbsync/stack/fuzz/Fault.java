package io.adbsync.stack.fuzz;

/** A fault the runner injects between two operations of the workload. */
public enum Fault {
    RESTART_CONNECTORS(Feature.FAULT_CONNECTOR_RESTART),
    RECONFIGURE_SOURCE(Feature.FAULT_RECONFIGURE),
    RECONFIGURE_SINK(Feature.FAULT_RECONFIGURE),
    TERMINATE_WALSENDER(Feature.FAULT_WALSENDER),
    RESTART_DESTINATION(Feature.FAULT_DESTINATION_RESTART),
    RESTART_SOURCE(Feature.FAULT_SOURCE_RESTART),
    KILL_WORKER(Feature.FAULT_WORKER_KILL),
    EXCLUDE_TABLE(Feature.FAULT_EXCLUDE_TABLE);

    private final Feature feature;

    Fault(Feature feature) {
        this.feature = feature;
    }

    public Feature feature() {
        return feature;
    }
}
