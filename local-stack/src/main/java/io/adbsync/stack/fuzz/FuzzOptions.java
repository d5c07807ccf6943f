package io.adbsync.stack.fuzz;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * Settings of one fuzz run: the seed, how long the workload runs, which features the generator may use, the initial
 * rows per table, the workload's rate, how long the pipeline may take to converge afterwards, and where the
 * operation log goes.
 */
public record FuzzOptions(long seed, Duration workload, Set<Feature> features, int rowsPerTable, int operationsPerSecond,
                          Duration convergeTimeout, Path logDirectory) {

    public FuzzOptions {
        features = Set.copyOf(features);
    }
}
