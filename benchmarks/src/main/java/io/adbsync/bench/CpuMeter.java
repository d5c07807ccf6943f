package io.adbsync.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * CPU time of the processes a scenario runs on, read from {@code /proc} before and after it: the benchmark's JVM
 * (broker, worker and load driver share it), the programs it waited for (pg_recvlogical), each PostgreSQL server
 * (its postmaster and every backend, live or exited) and other child processes (the schema registry). Wall-clock
 * rates on two shared cores swing from run to run; the CPU a record costs is the steadier figure.
 */
final class CpuMeter {

    static final String JVM = "benchmark JVM";
    static final String REAPED = "programs run (pg_recvlogical)";

    private final Path procRoot;
    private final long ticksPerSecond;
    private final long selfPid;
    private final Map<String, Long> servers;
    private final Map<String, Long> processes;

    /**
     * @param servers   part name → postmaster pid: the server's CPU is the postmaster's and its children's
     * @param processes part name → pid of another process counted with its reaped children (the registry)
     */
    CpuMeter(Path procRoot, long ticksPerSecond, long selfPid, Map<String, Long> servers, Map<String, Long> processes) {
        this.procRoot = procRoot;
        this.ticksPerSecond = ticksPerSecond;
        this.selfPid = selfPid;
        this.servers = new LinkedHashMap<>(servers);
        this.processes = new LinkedHashMap<>(processes);
    }

    /** Clock ticks consumed so far, per part. */
    record Sample(Map<String, Long> ticks) {
    }

    /** CPU used between two samples: milliseconds per part, and per million records of the scenario. */
    record Usage(Map<String, Double> millis, long records) {

        double totalMillis() {
            return millis.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** CPU milliseconds per million records, per part. */
        Map<String, Double> perMillion() {
            Map<String, Double> per = new LinkedHashMap<>();
            millis.forEach((part, ms) -> per.put(part, ms * 1e6 / records));
            return per;
        }

        double totalPerMillion() {
            return totalMillis() * 1e6 / records;
        }

        /** The figures behind a CPU measurement, for results.json and the per-process table. */
        Map<String, Object> details() {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("records", records);
            details.put("cpu_ms", millis);
            details.put("cpu_ms_per_million", perMillion());
            return details;
        }
    }

    Sample sample() {
        Map<String, Long> ticks = new LinkedHashMap<>();
        Optional<ProcStat> self = ProcStat.read(procRoot, selfPid);
        // Every thread of the JVM; programs it started and waited for count apart, so a raw limit's client shows.
        ticks.put(JVM, self.map(ProcStat::ownTicks).orElse(0L));
        ticks.put(REAPED, self.map(s -> s.childUserTicks() + s.childSystemTicks()).orElse(0L));
        servers.forEach((part, postmaster) -> ticks.put(part, serverTicks(postmaster)));
        processes.forEach((part, pid) -> ticks.put(part, ProcStat.read(procRoot, pid).map(ProcStat::ticksWithReapedChildren).orElse(0L)));
        return new Sample(ticks);
    }

    /** CPU used since {@code before}, for {@code records} records. */
    Usage since(Sample before, long records) {
        Sample after = sample();
        Map<String, Double> millis = new LinkedHashMap<>();
        after.ticks().forEach((part, ticks) -> millis.put(part, (ticks - before.ticks().getOrDefault(part, 0L)) * 1000.0 / ticksPerSecond));
        return new Usage(millis, records);
    }

    /**
     * The postmaster's ticks with those of its reaped children (backends that have exited) plus every live child's:
     * a backend alive at one sample and gone at the next moves from the second sum into the first, so it is
     * counted once either way.
     */
    long serverTicks(long postmaster) {
        Optional<ProcStat> main = ProcStat.read(procRoot, postmaster);
        if (main.isEmpty()) {
            return 0;
        }
        long ticks = main.get().ticksWithReapedChildren();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(procRoot, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                Optional<ProcStat> stat = ProcStat.read(procRoot, Long.parseLong(entry.getFileName().toString()));
                if (stat.isPresent() && stat.get().parentPid() == postmaster) {
                    ticks += stat.get().ticksWithReapedChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list " + procRoot, e);
        }
        return ticks;
    }

    /** The kernel's clock ticks per second (USER_HZ) that /proc counts in: {@code getconf CLK_TCK}, else 100. */
    static long ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
