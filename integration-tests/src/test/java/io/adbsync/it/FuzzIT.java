package io.adbsync.it;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.fuzz.Feature;
import io.adbsync.stack.fuzz.FuzzOptions;
import io.adbsync.stack.fuzz.FuzzResult;
import io.adbsync.stack.fuzz.FuzzRunner;
import io.adbsync.stack.fuzz.InProcessWorkers;
import io.adbsync.stack.postgres.LocalPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Fixed seeds of the pipeline fuzzer (docs/fuzzing.md): generated tables, a random workload on the source while the
 * pipeline streams, faults, then the destination must equal the source. The worker runs in this JVM, so the
 * worker-kill fault is left out (PipelineFaultIT kills worker processes); connector restarts, reconfigurations, a
 * dropped replication connection and destination restarts stand in for it.
 *
 * <p>On main before the fixes of the issue "No silent data loss" (454f3ef) these seeds found: concurrent-snapshot, a
 * snapshot row applied after a streamed update of its key undid it (seed 3); partitioned, changes arrived under the
 * leaves' names (seed 11); nan-floats, NaN and Infinity arrived as 0 (seed 16); keyless, the sink task failed (seed
 * 12); recreate-table, a dropped and re-created table kept its old rows (seed 20); fault-source-restart, a re-read of
 * an unchanged TOASTed value over a connection the restart broke failed the task (seed 1 with all features). Those
 * fixed are on now, and partitioned with them: a later run of seed 1 found an unchanged TOASTed value re-read before
 * its transaction was visible (fixed: the re-read waits for it), and partitioned runs failed on a column added to the
 * root after changes not decoded yet (fixed: the partition router keeps the leaf's own columns). recreate-table is on
 * since tables re-created while streaming are picked up live: seeds 7, 10 and 11 with 40 s of workload had found a
 * change needing a TOASTed value only the dropped table held stopping the task, changes of the dropped relation sent
 * again after a restart bringing its rows back after the new copy, and a partition dropped while the task set up
 * failing it (42P01); all three fixed, and those seeds with 1, 2 and 3 passed. fault-exclude-table is on since
 * left-out tables are marked: with the marks taken out, seed 2 (fz0_simple left out under a publication FOR ALL
 * TABLES) failed to converge, the changes made while the table was left out missing. Still left out:
 * <ul>
 *   <li>keyless: tables without a key are refused by the source (validate() and task start name them) rather than
 *   replicated with possible duplicates.</li>
 *   <li>fault-worker-kill: the worker runs in this JVM; PipelineFaultIT kills worker processes.</li>
 * </ul>
 * money is on: its text form depends on lc_monetary, and both servers here run in the C locale.
 * Explore with {@code -Dfuzz.features=all -Dfuzz.seeds=1,2,3 -Dfuzz.seconds=60 -Dfuzz.converge.seconds=120}, and with
 * other connector settings with {@code -Dfuzz.config=DIR} (a directory holding source.json and sink.json, e.g. topics
 * of several partitions and several sink tasks).
 */
class FuzzIT {

    /** What the CI seeds exercise: everything the current code passes. */
    static final Set<Feature> FEATURES = EnumSet.of(Feature.CONCURRENT_SNAPSHOT, Feature.NAN_FLOATS,
            Feature.COMPOSITE_KEYS, Feature.PARTITIONED, Feature.TOAST, Feature.KEY_CHANGES,
            Feature.TRUNCATE, Feature.ADD_COLUMN, Feature.VACUUM_FULL, Feature.CLUSTER, Feature.LARGE_TRANSACTIONS,
            Feature.MONEY, Feature.RECREATE_TABLE, Feature.FAULT_CONNECTOR_RESTART,
            Feature.FAULT_RECONFIGURE, Feature.FAULT_WALSENDER, Feature.FAULT_DESTINATION_RESTART, Feature.FAULT_SOURCE_RESTART,
            Feature.FAULT_EXCLUDE_TABLE);

    private static LocalPostgres source;
    private static LocalPostgres destination;
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        assumeTrue(LocalPostgres.available(), "the fuzzer starts and restarts PostgreSQL from the machine's binaries");
        source = LocalPostgres.launch(Map.of());
        destination = LocalPostgres.launch(Map.of());
        stack = LocalStack.start(1);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (source != null) {
            source.close();
        }
        if (destination != null) {
            destination.close();
        }
    }

    static LongStream seeds() {
        String seeds = System.getProperty("fuzz.seeds", "");
        return seeds.isBlank() ? LongStream.of(1, 2, 3) : Arrays.stream(seeds.split(",")).mapToLong(s -> Long.parseLong(s.trim()));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theDestinationConvergesToTheSource(long seed) throws Exception {
        String features = System.getProperty("fuzz.features", "");
        FuzzOptions options = new FuzzOptions(seed, Duration.ofSeconds(Long.getLong("fuzz.seconds", 15)),
                features.isBlank() ? FEATURES : Feature.parse(features), 400, 40, Duration.ofSeconds(Long.getLong("fuzz.converge.seconds", 60)),
                Path.of("target/fuzz"));
        FuzzResult result = new FuzzRunner(source, destination, new InProcessWorkers(stack),
                Path.of(System.getProperty("fuzz.config", "../config")), System.out)
                .run(options);
        String report = result.describe(false);
        System.out.print(report);
        assertThat(result.passed()).as(report + tail(result)).isTrue();
    }

    /** The last steps before the failure; the whole log is in the file the report names. */
    private static String tail(FuzzResult result) {
        var log = result.operationLog();
        return "last steps:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size()));
    }
}
