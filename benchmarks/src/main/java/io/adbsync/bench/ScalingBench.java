package io.adbsync.bench;

import io.adbsync.common.contract.KeyShards;
import io.adbsync.common.sql.SqlIdentifiers;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/**
 * adbsync's source snapshot and streaming throughput with tasks.max = 1, 2, 4 (key-sharded tasks), with the CPU per
 * record of the source tasks, the broker and the source PostgreSQL, from which {@link Report} predicts the
 * throughput with a worker per task. Every N has its own connector, slot base name and topic prefix, and its slots
 * are dropped afterwards, so the runs share nothing but the table.
 */
final class ScalingBench {

    static final String TABLE = "scaling_accounts";
    /** Details keys of a scaling figure. */
    static final String TASKS = "tasks";
    static final String PARTITIONS = "partitions";

    private final BenchStack stack;
    private final BenchSize size;
    private final PrintStream log;
    private final List<Integer> taskCounts;

    ScalingBench(BenchStack stack, BenchSize size, PrintStream log, List<Integer> taskCounts) {
        this.stack = stack;
        this.size = size;
        this.log = log;
        this.taskCounts = List.copyOf(taskCounts);
    }

    /** The system a figure with {@code tasks} tasks is reported under: one per N, so repeats combine per N. */
    static String system(int tasks) {
        return "adbsync, tasks.max=" + tasks;
    }

    /**
     * Every N in turn within each repetition (so a drift of the machine touches every N alike), with the same
     * workload, JSON records and topics of as many partitions as the largest N, so that only N changes.
     */
    List<Measurement> run(Engine engine) throws Exception {
        int partitions = taskCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
        try (Connection c = stack.sourceConnection()) {
            log.printf("scaling: creating %s with %,d rows; tasks.max %s into topics of %d partitions%n", TABLE,
                    size.snapshotRows(), taskCounts, partitions);
            Workload.createAccounts(c, TABLE, size.snapshotRows());
            RawLimits.copyTo(c, TABLE); // warms the cache every N reads from
        }
        List<Measurement> results = new ArrayList<>();
        for (int run = size.firstRun(); run <= size.repeat(); run++) {
            List<Measurement> recorded = run == 0 ? new ArrayList<>() : results;
            for (int tasks : taskCounts) {
                if (run != size.firstRun() || tasks != taskCounts.get(0)) {
                    // The previous streaming run left a dead version of the rows it updated; no N should read them.
                    stack.executeSource("VACUUM " + Workload.name(TABLE));
                }
                recorded.addAll(runWith(engine, tasks, partitions, run));
            }
        }
        return results;
    }

    private List<Measurement> runWith(Engine engine, int tasks, int partitions, int run) {
        String id = "scale" + tasks + "_" + engine.format().key() + SourceBench.suffix(run);
        String name = id + "-source";
        String slot = "bench_" + id;
        String topic = id + ".public." + TABLE;
        String label = "tasks.max=" + tasks + SourceBench.label(size, run);
        Map<String, Object> common = Map.of(TASKS, tasks, PARTITIONS, partitions);
        List<Measurement> results = new ArrayList<>();
        try {
            Map<String, String> config = new LinkedHashMap<>(engine.source(stack, slot, List.of(TABLE), true));
            config.put("tasks.max", String.valueOf(tasks));
            config.put("topic.prefix", id);
            config.put("topic.creation.default.partitions", String.valueOf(partitions));
            config.put("topic.creation.default.replication.factor", "1");
            long deployed = System.nanoTime();
            stack.rest().deploy(name, config);
            // Timed from the first record on: task start and the N slots' creation are a fixed cost, not throughput.
            stack.await(label + " first snapshot record", () -> stack.topicCount(topic) > 0, deployed, size.timeout(), name);
            results.addAll(measure(engine, Phase.SNAPSHOT, tasks, name, common, size.snapshotRows(),
                    () -> stack.topicCount(topic) >= size.snapshotRows(), label));

            stack.rest().pause(name);
            stack.await(name + " paused", () -> SourceBench.allInState(stack, name, "PAUSED"), System.nanoTime(),
                    Duration.ofSeconds(60), name);
            BenchStack.sleep(Duration.ofSeconds(2)); // lets a batch that was in flight at the pause land
            long base = stack.topicCount(topic);
            try (Connection c = stack.sourceConnection()) {
                Workload.updateBacklog(c, TABLE, size.snapshotRows(), size.streamChanges());
            }
            results.addAll(measure(engine, Phase.STREAMING, tasks, name, common, size.streamChanges(),
                    () -> {
                        stack.rest().resume(name);
                        return null;
                    }, () -> stack.topicCount(topic) >= base + size.streamChanges(), label));
        } catch (Exception e) {
            log.printf("scaling: %s failed: %s%n", label, e.getMessage());
            Scenario failed = results.isEmpty() ? Scenario.SCALING_SNAPSHOT : Scenario.SCALING_STREAMING;
            results.add(new Measurement(failed, system(tasks), engine.role(), engine.format(), Double.NaN,
                    Map.of("error", SourceBench.firstLine(e), TASKS, tasks)));
        } finally {
            stack.removeConnector(name);
            for (int i = 0; i < tasks; i++) {
                stack.dropSlot(tasks == 1 ? slot : KeyShards.slotName(slot, i, tasks));
            }
            stack.executeSource("DROP PUBLICATION IF EXISTS " + SqlIdentifiers.quote(slot));
            stack.deleteTopic(topic);
            // A slot left behind would hold WAL for every later N and scenario: say so rather than skew them unseen.
            long left = stack.querySource("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? "
                    + "OR left(slot_name::text, length(?)) = ?", slot, slot + "_", slot + "_");
            if (left > 0) {
                log.printf("scaling: %d slot(s) named after %s are left on the source%n", left, slot);
            }
        }
        return results;
    }

    private enum Phase {
        SNAPSHOT(Scenario.SCALING_SNAPSHOT, Scenario.SCALING_SNAPSHOT_CPU, "snapshot", "rows"),
        STREAMING(Scenario.SCALING_STREAMING, Scenario.SCALING_STREAMING_CPU, "streaming", "events");

        final Scenario rate;
        final Scenario cpu;
        final String title;
        final String unit;

        Phase(Scenario rate, Scenario cpu, String title, String unit) {
            this.rate = rate;
            this.cpu = cpu;
            this.title = title;
            this.unit = unit;
        }
    }

    private List<Measurement> measure(Engine engine, Phase phase, int tasks, String name, Map<String, Object> common, long records,
                                      BooleanSupplier done, String label) {
        return measure(engine, phase, tasks, name, common, records, () -> null, done, label);
    }

    /**
     * Runs {@code begin} and waits for {@code done} with the CPU meter and the thread tracker running; the thread
     * tracker is polled with every check of {@code done}, so a thread that ends on the way is counted up to then.
     */
    private List<Measurement> measure(Engine engine, Phase phase, int tasks, String name, Map<String, Object> common,
                                      long records, Callable<Void> begin, BooleanSupplier done, String label) {
        ThreadCpu.Tracker threads = ThreadCpu.track(name);
        CpuMeter.Sample cpu = stack.cpu().sample();
        long start = System.nanoTime();
        try {
            begin.call();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start the " + phase.title + " of " + label + ": " + e.getMessage(), e);
        }
        long nanos = stack.await(label + " " + phase.title + " of " + records + " " + phase.unit, () -> {
            threads.poll();
            return done.getAsBoolean();
        }, start, size.timeout(), name);
        CpuMeter.Usage usage = stack.cpu().since(cpu, records);
        Map<String, Double> millis = cpuParts(usage, threads.millis());
        CpuMeter.Usage split = new CpuMeter.Usage(millis, records);
        double seconds = nanos / 1e9;
        double rate = records / seconds;
        Map<String, Object> rateDetails = new LinkedHashMap<>(common);
        rateDetails.put(phase.unit, records);
        rateDetails.put("seconds", seconds);
        Map<String, Object> cpuDetails = new LinkedHashMap<>(common);
        cpuDetails.putAll(split.details());
        cpuDetails.put("rest_busiest_threads_ms", threads.busiestUnclassified(6));
        log.printf("scaling: %s %s %,.0f %s/s, %,.0f CPU-ms per million (source tasks %,.0f, source PostgreSQL %,.0f)%n",
                label, phase.title, rate, phase.unit, split.totalPerMillion(),
                split.perMillion().get(ThreadCpu.TASKS), split.perMillion().getOrDefault(SOURCE_PG, 0.0));
        return List.of(new Measurement(phase.rate, system(tasks), engine.role(), engine.format(), rate, rateDetails),
                new Measurement(phase.cpu, system(tasks), engine.role(), engine.format(), split.totalPerMillion(), cpuDetails));
    }

    static final String SOURCE_PG = "source PostgreSQL";

    /**
     * The processes a source pipeline runs on: the benchmark JVM split into source tasks, broker and the rest, the
     * source PostgreSQL and (with Avro) the registry; the destination server and the programs run, which take no
     * part here, are left out.
     */
    static Map<String, Double> cpuParts(CpuMeter.Usage usage, Map<String, Double> threadMillis) {
        Map<String, Double> parts = new LinkedHashMap<>(ThreadCpu.split(usage.millis().getOrDefault(CpuMeter.JVM, 0.0), threadMillis));
        usage.millis().forEach((part, ms) -> {
            if (!part.equals(CpuMeter.JVM) && !part.equals(CpuMeter.REAPED) && !part.startsWith("destination")) {
                parts.put(part, ms);
            }
        });
        return parts;
    }
}
