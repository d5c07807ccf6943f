package io.adbsync.stack.fuzz;

import io.adbsync.stack.verify.TableDiff;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The outcome of one fuzz run: whether the destination converged to the source, what differed or failed if not,
 * and the operation log (every DDL, DML and fault in order) that reproduces it.
 */
public record FuzzResult(long seed, Set<Feature> features, boolean passed, String failure, List<TableDiff> diffs,
                         List<String> operationLog, Path logFile) {

    public FuzzResult {
        features = Set.copyOf(features);
        diffs = List.copyOf(diffs);
        operationLog = List.copyOf(operationLog);
    }

    /** Seed, features, what differed, how to reproduce; with {@code withLog}, the whole operation log too. */
    public String describe(boolean withLog) {
        StringBuilder sb = new StringBuilder();
        sb.append("fuzz seed ").append(seed).append(passed ? ": PASSED" : ": FAILED").append('\n');
        sb.append("features: ").append(Feature.describe(features)).append('\n');
        if (failure != null) {
            sb.append(failure).append('\n');
        }
        diffs.forEach(d -> sb.append("  ").append(d.describe()).append('\n'));
        sb.append("operations: ").append(operationLog.size()).append(" steps");
        if (logFile != null) {
            sb.append(", log in ").append(logFile);
        }
        sb.append('\n');
        if (!passed) {
            sb.append("reproduce: bin/adbsync fuzz --seed ").append(seed).append(" --features ").append(Feature.describe(features))
                    .append('\n');
        }
        if (withLog) {
            sb.append("-- operation log\n");
            operationLog.forEach(l -> sb.append(l).append('\n'));
        }
        return sb.toString();
    }
}
