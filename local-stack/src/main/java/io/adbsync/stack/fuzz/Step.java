package io.adbsync.stack.fuzz;

/**
 * One entry of the operation log: SQL run on the source (one statement or a whole transaction), or a fault with its
 * argument (a batch size for a reconfiguration, a pause in milliseconds for a restart, a worker index for a kill).
 */
public record Step(String sql, Fault fault, int argument) {

    public static Step sql(String sql) {
        return new Step(sql, null, 0);
    }

    public static Step fault(Fault fault, int argument) {
        return new Step(null, fault, argument);
    }

    public boolean isFault() {
        return fault != null;
    }

    /** The step as a line of a SQL script: faults become comments, so the script replays the data changes with psql. */
    public String render() {
        return isFault() ? "-- FAULT " + fault + " " + argument : sql + ";";
    }
}
