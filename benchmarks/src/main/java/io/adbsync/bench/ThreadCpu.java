package io.adbsync.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits the benchmark JVM's CPU among the Connect worker's source tasks and the in-process broker by thread name:
 * broker, worker and load driver share one process, so {@link CpuMeter} alone cannot say which of them a record's CPU
 * went to. Threads are polled while a scenario runs ({@link Tracker#poll}), so the CPU of a thread that ends before
 * the scenario does (a snapshot reader) is kept up to its last poll.
 */
final class ThreadCpu {

    /** The connector's task threads, their snapshot readers and their producers' network threads. */
    static final String TASKS = "worker: source tasks";
    /** The broker's and its controller's threads. */
    static final String BROKER = "broker";
    /** The JVM's garbage collector threads (no Java threads: read from /proc/self/task). */
    static final String GC = "JVM GC";
    /** The JIT compiler threads. */
    static final String JIT = "JVM JIT";
    /** What none of the others accounts for: the Connect framework, the benchmark's driver, the JVM's other threads. */
    static final String REST = "rest of the JVM (Connect framework, driver)";

    /**
     * Name prefixes of the threads of an in-process KRaft broker (KafkaClusterTestKit): request handlers, network
     * threads, the log, replica, group, share and transaction managers, the raft client and controller, and the
     * broker's schedulers. A thread missed here counts in {@link #REST}, not in the tasks.
     */
    private static final List<String> BROKER_PREFIXES = List.of("data-plane-kafka", "kafka-request-handler",
            "kafka-network-thread", "broker-", "controller-", "quorum-controller", "kafka-raft", "raft-",
            "executor-", "kafka-scheduler", "kafka-log", "log-cleaner", "ExpirationReaper", "ReplicaFetcher", "ReplicaAlterLogDirs",
            "LogDirFailureHandler", "group-coordinator", "share-coordinator", "transaction-", "TxnMarkerSenderThread",
            "metadata-", "AddPartitionsToTxnSender", "RemoteLogManager", "kafka-coordinator", "DelayedOperation",
            "client-metrics");

    private static final Path PROC = Path.of("/proc");

    private ThreadCpu() {
    }

    /** Which part thread {@code name} counts in for connector {@code connector}; {@link #REST} when neither. */
    static String part(String name, String connector) {
        if (name.startsWith("task-thread-" + connector + "-") || name.startsWith("adbsync-snapshot-")
                || name.contains("connector-producer-" + connector + "-")) {
            return TASKS;
        }
        // "kafka-<node id>-...": the raft client's and the node's own threads; a client's are "kafka-producer-..." etc.
        if (name.matches("kafka-\\d+-.*")) {
            return BROKER;
        }
        for (String prefix : BROKER_PREFIXES) {
            if (name.startsWith(prefix)) {
                return BROKER;
            }
        }
        return REST;
    }

    /**
     * The benchmark JVM's CPU ({@code jvmMillis}, from /proc) split into the tasks', the broker's, GC's and JIT's
     * ({@code threadMillis}) and the rest: the rest is what is left, never below zero.
     */
    static Map<String, Double> split(double jvmMillis, Map<String, Double> threadMillis) {
        Map<String, Double> parts = new LinkedHashMap<>();
        double counted = 0;
        for (String part : List.of(TASKS, BROKER, GC, JIT)) {
            double ms = threadMillis.getOrDefault(part, 0.0);
            parts.put(part, ms);
            counted += ms;
        }
        parts.put(REST, Math.max(0, jvmMillis - counted));
        return parts;
    }

    /**
     * Which part a thread of the JVM's own, by its name in /proc (15 characters at most), counts in: GC's ("GC
     * Thread#0", "G1 Conc#0", "G1 Refine#0", "G1 Service", ...) and the JIT's ("C2 CompilerThre"); empty for others.
     */
    static java.util.Optional<String> nativePart(String comm) {
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return java.util.Optional.of(GC);
        }
        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
            return java.util.Optional.of(JIT);
        }
        return java.util.Optional.empty();
    }

    /** Clock ticks so far of the GC's and JIT's threads of process {@code pid}, read from /proc. */
    static Map<String, Long> nativeTicks(Path procRoot, long pid) {
        Map<String, Long> ticks = new LinkedHashMap<>();
        ticks.put(GC, 0L);
        ticks.put(JIT, 0L);
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(procRoot.resolve(String.valueOf(pid)).resolve("task"))) {
            for (Path task : tasks) {
                try {
                    ProcStat stat = ProcStat.parse(Files.readString(task.resolve("stat")));
                    nativePart(stat.command()).ifPresent(part -> ticks.merge(part, stat.ownTicks(), Long::sum));
                } catch (IOException | RuntimeException e) {
                    // The thread ended between the listing and the read: its ticks are gone with it.
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list the threads of " + pid, e);
        }
        return ticks;
    }

    /** Starts tracking the JVM's threads for connector {@code connector}. */
    static Tracker track(String connector) {
        return new Tracker(connector);
    }

    /** CPU of every thread since tracking began, each thread's latest reading kept after it ends. */
    static final class Tracker {

        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final String connector;
        private final Map<Long, Long> start = new HashMap<>();
        private final Map<Long, Long> latest = new HashMap<>();
        private final Map<Long, String> names = new HashMap<>();
        private final Map<String, Long> nativeStart;
        private final long ticksPerSecond = CpuMeter.ticksPerSecond();
        private long lastPoll;

        private Tracker(String connector) {
            this.connector = connector;
            read(start);
            nativeStart = nativeTicks(PROC, ProcessHandle.current().pid());
            lastPoll = System.nanoTime();
        }

        /** Reads every thread's CPU, at most every 200 ms: the granularity at which an ending thread's CPU is lost. */
        void poll() {
            if (System.nanoTime() - lastPoll >= 200_000_000L) {
                read(latest);
                lastPoll = System.nanoTime();
            }
        }

        /**
         * Milliseconds of CPU per part since tracking began: the Java threads' by name ({@link #TASKS}, {@link #BROKER},
         * {@link #REST}) and the GC's and JIT's threads ({@link #GC}, {@link #JIT}).
         */
        Map<String, Double> millis() {
            read(latest);
            Map<String, Double> parts = new LinkedHashMap<>();
            latest.forEach((id, nanos) -> {
                // A compiler thread the MXBean shows is counted from /proc with the others.
                if (nativePart(names.get(id)).isEmpty()) {
                    parts.merge(part(names.get(id), connector), (nanos - start.getOrDefault(id, 0L)) / 1e6, Double::sum);
                }
            });
            nativeTicks(PROC, ProcessHandle.current().pid()).forEach((part, ticks) ->
                    parts.put(part, Math.max(0, ticks - nativeStart.getOrDefault(part, 0L)) * 1000.0 / ticksPerSecond));
            return parts;
        }

        /** The {@code n} threads of {@link #REST} that used the most CPU, name → ms: to see which threads the name rules miss. */
        Map<String, Double> busiestUnclassified(int n) {
            Map<String, Double> byName = new HashMap<>();
            latest.forEach((id, nanos) -> {
                if (part(names.get(id), connector).equals(REST)) {
                    byName.merge(names.get(id), (nanos - start.getOrDefault(id, 0L)) / 1e6, Double::sum);
                }
            });
            Map<String, Double> top = new LinkedHashMap<>();
            byName.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(n)
                    .forEach(e -> top.put(e.getKey(), Math.round(e.getValue() * 10) / 10.0));
            return top;
        }

        private void read(Map<Long, Long> into) {
            long[] ids = threads.getAllThreadIds();
            ThreadInfo[] infos = threads.getThreadInfo(ids);
            for (int i = 0; i < ids.length; i++) {
                long nanos = threads.getThreadCpuTime(ids[i]);
                if (infos[i] != null && nanos >= 0) {
                    into.put(ids[i], nanos);
                    names.put(ids[i], infos[i].getThreadName());
                }
            }
        }
    }
}
