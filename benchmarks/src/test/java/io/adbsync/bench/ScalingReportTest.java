package io.adbsync.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ScalingReportTest {

    private static final Map<String, String> MACHINE = Map.of("CPU", "test, 2 cores");

    private static Measurement rate(Scenario scenario, int tasks, double value) {
        return new Measurement(scenario, ScalingBench.system(tasks), Role.OURS, Format.JSON, value,
                Map.of(ScalingBench.TASKS, tasks, ScalingBench.PARTITIONS, 4, "seconds", 1.0));
    }

    /** CPU per million records: source tasks, broker, rest of the JVM, source PostgreSQL (ms per million). */
    private static Measurement cpu(Scenario scenario, int tasks, double taskMs, double brokerMs, double restMs, double pgMs) {
        Map<String, Double> millis = new LinkedHashMap<>();
        millis.put(ThreadCpu.TASKS, taskMs);
        millis.put(ThreadCpu.BROKER, brokerMs);
        millis.put(ThreadCpu.REST, restMs);
        millis.put(ScalingBench.SOURCE_PG, pgMs);
        // One million records, so the milliseconds are the CPU-ms per million.
        Map<String, Object> details = new LinkedHashMap<>(new CpuMeter.Usage(millis, 1_000_000).details());
        details.put(ScalingBench.TASKS, tasks);
        details.put(ScalingBench.PARTITIONS, 4);
        return new Measurement(scenario, ScalingBench.system(tasks), Role.OURS, Format.JSON, taskMs + brokerMs + restMs + pgMs,
                details);
    }

    private static Report scalingOnly() {
        return new Report(List.of(
                rate(Scenario.SCALING_SNAPSHOT, 1, 40_000), cpu(Scenario.SCALING_SNAPSHOT_CPU, 1, 20_000, 4_000, 2_000, 3_000),
                rate(Scenario.SCALING_STREAMING, 1, 30_000), cpu(Scenario.SCALING_STREAMING_CPU, 1, 25_000, 4_000, 2_000, 5_000),
                rate(Scenario.SCALING_SNAPSHOT, 2, 60_000), cpu(Scenario.SCALING_SNAPSHOT_CPU, 2, 25_000, 4_000, 2_000, 6_000),
                rate(Scenario.SCALING_STREAMING, 2, 33_000), cpu(Scenario.SCALING_STREAMING_CPU, 2, 32_000, 4_000, 2_000, 10_000),
                new Measurement(Scenario.SCALING_SNAPSHOT, ScalingBench.system(4), Role.OURS, Format.JSON, Double.NaN,
                        Map.of("error", "Timed out", ScalingBench.TASKS, 4))),
                MACHINE, Map.of("mode", "quick"));
    }

    @Test
    void predictionIsTasksTimesTheRecordsACoreOfTaskCpuMoves() {
        // 25,000 CPU-ms per million records: a core moves 40,000 records/s; two tasks with a core each 80,000.
        assertThat(Report.predicted(1, 25_000)).isCloseTo(40_000, within(1e-6));
        assertThat(Report.predicted(2, 25_000)).isCloseTo(80_000, within(1e-6));
    }

    @Test
    void aReadersCapIsOneCoreOverItsShareOfTheSourcesCpu() {
        // Four walsenders together at 40,000 CPU-ms per million events: each decodes every event at 10,000.
        assertThat(Report.readerCap(4, 40_000)).isCloseTo(100_000, within(1e-6));
        assertThat(Report.readerCap(1, 10_000)).isCloseTo(100_000, within(1e-6));
    }

    @Test
    void scalingSectionShowsRatesSpeedUpsCpuByProcessAndThePrediction() {
        String md = scalingOnly().markdown();
        assertThat(md).as("no comparison table when only scaling ran").doesNotContain("### JSON\n")
                .contains("### Source scaling by tasks.max (JSON)")
                .contains("topics (4 partitions)")
                .contains("| tasks.max | Snapshot (rows/s) | Speed-up | Streaming (events/s) | Speed-up |")
                .contains("| 1 | 40,000 | 1.00× | 30,000 | 1.00× |")
                .contains("| 2 | 60,000 | 1.50× | 33,000 | 1.10× |")
                .contains("| 4 | failed (Timed out) | – | – | – |")
                .contains("| Phase | tasks.max | worker: source tasks | broker | " + ThreadCpu.REST
                        + " | source PostgreSQL | Total | Records/s per core of task CPU | Predicted, a core per task"
                        + " | Source PostgreSQL cores at that rate | Source cap, one reader's rate |")
                // 10^9 / 20,000 = 50,000 records/s per core; 50,000 × 3,000 ms per million = 0.15 cores.
                // One reader: 10^9 / 3,000 = 333,333 records/s.
                .contains("| Snapshot | 1 | 20,000 | 4,000 | 2,000 | 3,000 | 29,000 | 50,000 | 50,000 | 0.15 | 333,333 |")
                // Two tasks at 25,000 ms per million: 40,000 per core, 80,000 with two; 80,000 × 6,000 / 10^9 = 0.48.
                .contains("| Snapshot | 2 | 25,000 | 4,000 | 2,000 | 6,000 | 37,000 | 40,000 | 80,000 | 0.48 | 333,333 |")
                // Two walsenders at 10,000 ms per million together: each 5,000, so one serves 200,000 events/s.
                .contains("| Streaming | 2 | 32,000 | 4,000 | 2,000 | 10,000 | 48,000 | 31,250 | 62,500 | 0.63 | 200,000 |")
                .contains("N walsenders decode the same WAL");
        assertThat(md.indexOf("| Snapshot | 2 |")).as("snapshot rows first, by N").isLessThan(md.indexOf("| Streaming | 1 |"));
    }

    @Test
    void scalingSectionFollowsTheComparisonWhenBothRan() {
        List<Measurement> all = new ArrayList<>(scalingOnly().measurements());
        all.add(new Measurement(Scenario.SNAPSHOT_ROWS, "adbsync", Role.OURS, Format.JSON, 50_000, Map.of()));
        String md = new Report(all, MACHINE, Map.of("mode", "full")).markdown();
        assertThat(md).contains("### JSON\n").contains("| Snapshot (rows/s) | 50,000 |");
        assertThat(md.indexOf("### JSON\n")).isLessThan(md.indexOf("### Source scaling by tasks.max (JSON)"));
        assertThat(md.substring(0, md.indexOf("### Source scaling"))).as("scaling figures stay out of the comparison")
                .doesNotContain("40,000");
    }

    @Test
    void repeatsCombinePerTaskCountAndShowTheirRange() {
        List<Measurement> runs = List.of(rate(Scenario.SCALING_SNAPSHOT, 1, 40_000), rate(Scenario.SCALING_SNAPSHOT, 2, 60_000),
                rate(Scenario.SCALING_SNAPSHOT, 1, 44_000), rate(Scenario.SCALING_SNAPSHOT, 2, 66_000),
                rate(Scenario.SCALING_SNAPSHOT, 1, 42_000), rate(Scenario.SCALING_SNAPSHOT, 2, 63_000));
        String md = new Report(Runs.combine(runs), MACHINE, Map.of()).markdown();
        assertThat(md).contains("| 1 | 42,000 (40,000–44,000) | 1.00× |").contains("| 2 | 63,000 (60,000–66,000) | 1.50× |");
    }

    @Test
    void resultsJsonKeepsTheScalingFigures(@TempDir Path dir) throws Exception {
        scalingOnly().writeJson(dir.resolve("results.json"));
        Report read = Report.readJson(dir.resolve("results.json"));
        assertThat(read.taskCounts(Format.JSON)).containsExactly(1, 2, 4);
        assertThat(read.markdown()).isEqualTo(scalingOnly().markdown());
        Chart.write(read, dir.resolve("chart.png")); // a run of scaling alone draws an empty chart, not a failure
    }

    @Test
    void threadsAreCountedAsTheConnectorsTasksTheBrokerOrTheRest() {
        String c = "scale2_json-source";
        assertThat(ThreadCpu.part("task-thread-scale2_json-source-0", c)).isEqualTo(ThreadCpu.TASKS);
        assertThat(ThreadCpu.part("task-thread-scale2_json-source-1", c)).isEqualTo(ThreadCpu.TASKS);
        assertThat(ThreadCpu.part("adbsync-snapshot-127.0.0.1:5432", c)).isEqualTo(ThreadCpu.TASKS);
        assertThat(ThreadCpu.part("kafka-producer-network-thread | connector-producer-scale2_json-source-1", c))
                .isEqualTo(ThreadCpu.TASKS);
        assertThat(ThreadCpu.part("task-thread-scale4_json-source-0", c)).as("another connector's task").isEqualTo(ThreadCpu.REST);
        assertThat(ThreadCpu.part("data-plane-kafka-request-handler-3", c)).isEqualTo(ThreadCpu.BROKER);
        assertThat(ThreadCpu.part("kafka-0-raft-io-thread", c)).isEqualTo(ThreadCpu.BROKER);
        assertThat(ThreadCpu.part("kafka-producer-network-thread | producer-1", c)).as("the worker's own producer")
                .isEqualTo(ThreadCpu.REST);
        assertThat(ThreadCpu.part("DistributedHerder-connect-1", c)).isEqualTo(ThreadCpu.REST);
        assertThat(ThreadCpu.part("executor-Fetch", c)).as("the broker's delayed fetches").isEqualTo(ThreadCpu.BROKER);
    }

    @Test
    void theJvmsOwnThreadsAreTheGcsOrTheJits() {
        assertThat(ThreadCpu.nativePart("GC Thread#1")).contains(ThreadCpu.GC);
        assertThat(ThreadCpu.nativePart("G1 Conc#0")).contains(ThreadCpu.GC);
        assertThat(ThreadCpu.nativePart("G1 Refine#0")).contains(ThreadCpu.GC);
        assertThat(ThreadCpu.nativePart("C2 CompilerThre")).contains(ThreadCpu.JIT);
        assertThat(ThreadCpu.nativePart("C1 CompilerThread0")).contains(ThreadCpu.JIT);
        assertThat(ThreadCpu.nativePart("task-thread-sca")).isEmpty();
    }

    @Test
    void thisJvmsGcAndJitThreadsAreFoundInProc() {
        Map<String, Long> ticks = ThreadCpu.nativeTicks(Path.of("/proc"), ProcessHandle.current().pid());
        assertThat(ticks).containsOnlyKeys(ThreadCpu.GC, ThreadCpu.JIT);
        assertThat(ticks.get(ThreadCpu.JIT)).as("a JVM that ran this far compiled something").isPositive();
    }

    @Test
    void theJvmsCpuSplitsIntoTasksBrokerAndTheRestNeverBelowZero() {
        assertThat(ThreadCpu.split(1000, Map.of(ThreadCpu.TASKS, 500.0, ThreadCpu.BROKER, 300.0, ThreadCpu.GC, 60.0,
                ThreadCpu.JIT, 40.0, ThreadCpu.REST, 12.0)))
                .as("the rest is what the JVM used beyond the parts named, not the unnamed threads' own sum")
                .containsExactly(Map.entry(ThreadCpu.TASKS, 500.0), Map.entry(ThreadCpu.BROKER, 300.0), Map.entry(ThreadCpu.GC, 60.0),
                        Map.entry(ThreadCpu.JIT, 40.0), Map.entry(ThreadCpu.REST, 100.0));
        // Thread CPU read at finer grain than /proc's ticks can exceed the process's for a short scenario.
        assertThat(ThreadCpu.split(890, Map.of(ThreadCpu.TASKS, 600.0, ThreadCpu.BROKER, 300.0)).get(ThreadCpu.REST)).isZero();
    }

    @Test
    void theScalingPartsLeaveOutTheProcessesTheSourceDoesNotRunOn() {
        Map<String, Double> millis = new LinkedHashMap<>();
        millis.put(CpuMeter.JVM, 1000.0);
        millis.put(CpuMeter.REAPED, 5.0);
        millis.put("source PostgreSQL", 400.0);
        millis.put("destination PostgreSQL", 7.0);
        Map<String, Double> parts = ScalingBench.cpuParts(new CpuMeter.Usage(millis, 100),
                Map.of(ThreadCpu.TASKS, 700.0, ThreadCpu.BROKER, 200.0, ThreadCpu.REST, 50.0));
        assertThat(parts).containsExactly(Map.entry(ThreadCpu.TASKS, 700.0), Map.entry(ThreadCpu.BROKER, 200.0),
                Map.entry(ThreadCpu.GC, 0.0), Map.entry(ThreadCpu.JIT, 0.0), Map.entry(ThreadCpu.REST, 100.0),
                Map.entry("source PostgreSQL", 400.0));
    }

    @Test
    void tasksOptionTakesDistinctCountsOfAtLeastOne() {
        assertThat(BenchMain.parseTasks("1,2,4")).containsExactly(1, 2, 4);
        assertThat(BenchMain.parseTasks("2")).containsExactly(2);
        assertThatThrownBy(() -> BenchMain.parseTasks("1,x")).hasMessageContaining("1,x");
        assertThatThrownBy(() -> BenchMain.parseTasks("0,1")).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> BenchMain.parseTasks("2,2")).hasMessageContaining("distinct");
    }
}
