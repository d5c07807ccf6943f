package io.adbsync.bench;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.connect.LoneWorker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Memory while streaming one big transaction: each source runs alone in a worker process of its own with a 512 MB
 * heap and a GC log; the peak live heap comes from the log and the peak RSS from /proc.
 */
final class MemoryBench {

    static final String TABLE = "big_txn";
    static final String HEAP = "512m";
    /** Bytes of payload per row: 1 KiB, so the transaction's size in MB is rows / 1024. */
    private static final int ROW_BYTES = 1024;

    private final BenchStack stack;
    private final BenchSize size;
    private final PrintStream log;
    private final Path workDir;

    MemoryBench(BenchStack stack, BenchSize size, PrintStream log, Path workDir) {
        this.stack = stack;
        this.size = size;
        this.log = log;
        this.workDir = workDir;
    }

    List<Measurement> run(List<Engine> engines) {
        return EngineRuns.each(engines, log, "memory", List.of(Scenario.PEAK_HEAP, Scenario.PEAK_RSS), this::measure);
    }

    private List<Measurement> measure(Engine engine) throws Exception {
        long rows = size.bigTxnMb() * 1024L * 1024L / ROW_BYTES;
        String name = engine.id() + "-big-source";
        String slot = "big_" + engine.id();
        String topic = engine.topic(TABLE);
        Path gcLog = workDir.resolve("gc-" + engine.id() + ".log");
        try (Connection c = stack.sourceConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + Workload.name(TABLE));
            s.execute("CREATE TABLE " + Workload.name(TABLE) + " (id bigint PRIMARY KEY, payload text)");
            // Uncompressed, so the transaction really is as large as its rows.
            s.execute("ALTER TABLE " + Workload.name(TABLE) + " ALTER COLUMN payload SET STORAGE EXTERNAL");
        }
        Path workerLog = workDir.resolve("worker-" + engine.id() + ".log");
        Process worker = startWorker(engine, gcLog, workerLog);
        try {
            ConnectRestClient rest = awaitReady(worker, workerLog);
            rest.deploy(name, engine.source(stack, slot, List.of(TABLE), false));
            stack.awaitSlotActive(slot, size.timeout(), name);
            long baseRss = rssKb(worker.pid(), "VmRSS");
            log.printf("memory: %s writing one transaction of %,d MB (%,d rows)%n", engine.label(), size.bigTxnMb(), rows);
            try (Connection c = stack.sourceConnection();
                 PreparedStatement s = c.prepareStatement("INSERT INTO " + Workload.name(TABLE)
                         + " SELECT g, repeat(md5(g::text), " + ROW_BYTES / 32 + ") FROM generate_series(1, ?::bigint) g")) {
                s.setLong(1, rows);
                s.executeUpdate();
            }
            long start = System.nanoTime();
            long nanos;
            try {
                nanos = stack.await(engine.label() + " streaming the big transaction", () -> {
                    if (!worker.isAlive()) {
                        throw new IllegalStateException("the worker process exited with " + worker.exitValue());
                    }
                    rest.checkNotFailed(name);
                    return stack.topicCount(topic) >= rows;
                }, start, size.timeout());
            } finally {
                rest.delete("connectors/" + name);
            }
            long peakRssKb = rssKb(worker.pid(), "VmHWM");
            GcLog gc = GcLog.read(gcLog);
            Map<String, Object> details = Map.of("transaction_mb", size.bigTxnMb(), "rows", rows, "seconds", nanos / 1e9,
                    "heap_limit", HEAP, "max_heap_before_gc_mb", gc.maxBeforeMb(), "max_heap_after_gc_mb", gc.maxAfterMb(),
                    "gc_pauses", gc.collections(), "rss_before_mb", baseRss / 1024, "peak_rss_mb", peakRssKb / 1024);
            log.printf("memory: %s done in %.0f s; live heap peak %d MB, RSS peak %d MB (before the transaction %d MB)%n",
                    engine.label(), nanos / 1e9, gc.maxAfterMb(), peakRssKb / 1024, baseRss / 1024);
            return List.of(Measurement.of(engine, Scenario.PEAK_HEAP, gc.maxAfterMb(), details),
                    Measurement.of(engine, Scenario.PEAK_RSS, peakRssKb / 1024.0, details));
        } finally {
            worker.destroy();
            if (!worker.waitFor(30, TimeUnit.SECONDS)) {
                worker.destroyForcibly();
            }
            stack.dropSlot(slot);
            stack.executeSource("DROP PUBLICATION IF EXISTS " + SqlIdentifiers.quote(slot));
            stack.executeSource("DROP TABLE IF EXISTS " + Workload.name(TABLE));
        }
    }

    /** A worker of a Connect cluster of its own (own group and topics) in a child JVM with the heap limit under test. */
    private Process startWorker(Engine engine, Path gcLog, Path workerLog) throws IOException {
        List<String> command = LoneWorker.command(stack.stack().bootstrapServers(), stack.stack().pluginPath(),
                "bench-memory-" + engine.id(), List.of("-Xmx" + HEAP, "-Xlog:gc:file=" + gcLog));
        Files.createDirectories(workDir);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(workerLog.toFile()).start();
    }

    private static ConnectRestClient awaitReady(Process worker, Path workerLog) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (Files.exists(workerLog)) {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(workerLog), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith(LoneWorker.READY)) {
                            return new ConnectRestClient(URI.create(line.substring(LoneWorker.READY.length())));
                        }
                    }
                }
            }
            if (!worker.isAlive()) {
                throw new IllegalStateException("The memory benchmark's worker exited with " + worker.exitValue());
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("The memory benchmark's worker did not start within 3 minutes");
    }

    private static long rssKb(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException(field + " not found for process " + pid);
    }
}
