package io.adbsync.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How much data each scenario moves and how often the throughput scenarios are repeated: the quick run (once) or the
 * full one (three times, so each figure has a median and a spread).
 */
public record BenchSize(String name, int snapshotRows, int streamChanges, int sinkRows, int lagRate, int lagSeconds,
                        int bigTxnMb, Duration timeout, int repeat, boolean warmup) {

    public static BenchSize quick() {
        return new BenchSize("quick", 150_000, 100_000, 40_000, 10_000, 10, 128, Duration.ofMinutes(3), 1, false);
    }

    public static BenchSize full() {
        return new BenchSize("full", 1_000_000, 500_000, 200_000, 10_000, 60, 1024, Duration.ofMinutes(10), 3, false);
    }

    /** The same sizes with the throughput scenarios run {@code times} times. */
    public BenchSize withRepeat(int times) {
        if (times < 1) {
            throw new IllegalArgumentException("--repeat takes a count of at least 1, got " + times);
        }
        return new BenchSize(name, snapshotRows, streamChanges, sinkRows, lagRate, lagSeconds, bigTxnMb, timeout, times, warmup);
    }

    /**
     * The same sizes with one more run of the throughput scenarios before the recorded ones, whose figures are dropped:
     * the first run on a fresh JVM is the JIT's (its CPU per record too), which widens every range.
     */
    public BenchSize withWarmup() {
        return new BenchSize(name, snapshotRows, streamChanges, sinkRows, lagRate, lagSeconds, bigTxnMb, timeout, repeat, true);
    }

    /** The first run of the throughput scenarios: 0 (the unrecorded warm-up) or 1. */
    int firstRun() {
        return warmup ? 0 : 1;
    }

    Map<String, Object> describe() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("mode", name);
        settings.put("snapshot rows", snapshotRows);
        settings.put("streamed changes", streamChanges + " in transactions of " + Workload.TXN_ROWS + " rows");
        settings.put("sink rows per mix", sinkRows);
        settings.put("lag load", lagRate + " rows/s for " + lagSeconds + " s after a warm-up at that rate");
        settings.put("big transaction", bigTxnMb + " MB with a " + MemoryBench.HEAP + " heap");
        settings.put("repeats", repeat + (repeat == 1 ? " run" : " runs") + " of snapshot, streaming, Kafka ingest and sink"
                + " (lag and memory once)" + (warmup ? ", after one unrecorded warm-up run" : ""));
        settings.put("sink batch", Engine.SINK_BATCH + " records");
        settings.put("client overrides (both engines)", "producer batch.size 1 MB, linger.ms 20; consumer max.poll.records "
                + Engine.SINK_BATCH + ", fetch sizes 32/64 MB");
        return settings;
    }
}
