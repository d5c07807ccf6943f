package io.adbsync.stack.fuzz;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.postgres.LocalPostgres;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code bin/adbsync fuzz}: two local PostgreSQL servers, a broker, Connect workers (child processes, so that they
 * can be killed, or in this JVM), and one fuzz run per seed until a seed fails or the time is up.
 */
public final class FuzzCommand {

    /** Settings of the command: first seed, total minutes, features, worker processes (0 = in this JVM), sizes and timeouts. */
    public record Options(long seed, double minutes, java.util.Set<Feature> features, int workerProcesses, int rowsPerTable,
                          int operationsPerSecond, Duration convergeTimeout, Path configDir, Path logDirectory) {
    }

    private FuzzCommand() {
    }

    /** Runs seed, seed+1, ... (each for up to two minutes of workload) until {@code minutes} have passed; false on the first failure. */
    public static boolean run(Options options, PrintStream out) throws Exception {
        long deadline = System.nanoTime() + (long) (options.minutes() * 60e9);
        try (LocalPostgres source = LocalPostgres.launch(Map.of());
             LocalPostgres destination = LocalPostgres.launch(Map.of());
             LocalStack stack = LocalStack.start(options.workerProcesses() > 0 ? 0 : 1);
             Workers workers = options.workerProcesses() > 0 ? new ProcessWorkers(stack, options.workerProcesses())
                     : new InProcessWorkers(stack)) {
            FuzzRunner runner = new FuzzRunner(source, destination, workers, options.configDir(), out);
            long seed = options.seed();
            do {
                long leftSeconds = Math.max(10, (deadline - System.nanoTime()) / 1_000_000_000L);
                Duration workload = Duration.ofSeconds(Math.min(120, leftSeconds));
                FuzzResult result = runner.run(new FuzzOptions(seed, workload, options.features(), options.rowsPerTable(),
                        options.operationsPerSecond(), options.convergeTimeout(), options.logDirectory()));
                out.print(result.describe(!result.passed()));
                if (!result.passed()) {
                    return false;
                }
                seed++;
            } while (System.nanoTime() < deadline);
            return true;
        }
    }
}
