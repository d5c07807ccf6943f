package io.adbsync.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CpuMeterTest {

    @Test
    void parsesAStatLineWhoseCommandHoldsSpacesAndParentheses() throws Exception {
        ProcStat stat = ProcStat.parse(Files.readString(fixture("before").resolve("102/stat")));
        assertThat(stat.pid()).isEqualTo(102);
        assertThat(stat.command()).isEqualTo("postgres: postgres bench [local] COPY (x) y");
        assertThat(stat.parentPid()).isEqualTo(100);
        assertThat(stat.userTicks()).isEqualTo(40);
        assertThat(stat.systemTicks()).isEqualTo(10);
        assertThat(stat.ownTicks()).isEqualTo(50);
        assertThat(stat.ticksWithReapedChildren()).isEqualTo(50);
    }

    @Test
    void parsesThisProcesssOwnStat() {
        ProcStat self = ProcStat.read(Path.of("/proc"), ProcessHandle.current().pid()).orElseThrow();
        assertThat(self.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(self.parentPid()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(self.ownTicks()).isPositive();
    }

    @Test
    void refusesWhatIsNoStatLine() {
        assertThatThrownBy(() -> ProcStat.parse("12 no parentheses")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcStat.parse("12 (x) S 1 2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aGoneProcessReadsAsEmpty(@TempDir Path proc) {
        assertThat(ProcStat.read(proc, 4242)).isEmpty();
    }

    /**
     * Between the fixtures' two samples: the JVM used 700 ticks and reaped a 30-tick program; at the source server
     * the postmaster used 3, a walsender 250, a COPY backend ended (40 + 10 at the first sample, 70 + 30 when reaped)
     * and a new backend started and used 25; an unrelated process used 83; the destination's backend used 120; the
     * registry 60. At 100 ticks a second a tick is 10 ms.
     */
    @Test
    void sumsEachServersPostmasterAndBackendsCountingExitedOnesOnce(@TempDir Path proc) throws Exception {
        copy(fixture("before"), proc);
        Map<String, Long> servers = new LinkedHashMap<>();
        servers.put("source PostgreSQL", 100L);
        servers.put("destination PostgreSQL", 200L);
        CpuMeter meter = new CpuMeter(proc, 100, 500, servers, Map.of("schema registry", 600L));
        CpuMeter.Sample before = meter.sample();
        assertThat(before.ticks()).containsEntry("source PostgreSQL", 80L + 400 + 50).containsEntry(CpuMeter.JVM, 1200L);

        copy(fixture("after"), proc);
        Files.delete(proc.resolve("102/stat"));
        Files.delete(proc.resolve("102"));
        CpuMeter.Usage usage = meter.since(before, 2_000_000);

        assertThat(usage.millis()).containsExactly(
                Map.entry(CpuMeter.JVM, 7000.0),
                Map.entry(CpuMeter.REAPED, 300.0),
                Map.entry("source PostgreSQL", 3280.0),
                Map.entry("destination PostgreSQL", 1200.0),
                Map.entry("schema registry", 600.0));
        assertThat(usage.totalMillis()).isEqualTo(12_380.0);
        assertThat(usage.totalPerMillion()).isCloseTo(6190.0, within(1e-9));
        assertThat(usage.perMillion()).containsEntry("source PostgreSQL", 1640.0);
        assertThat(usage.details()).containsEntry("records", 2_000_000L).containsKeys("cpu_ms", "cpu_ms_per_million");
    }

    @Test
    void aServerWhosePostmasterIsGoneCountsNothing(@TempDir Path proc) throws Exception {
        copy(fixture("before"), proc);
        CpuMeter meter = new CpuMeter(proc, 100, 500, Map.of("gone", 999L), Map.of());
        assertThat(meter.serverTicks(999)).isZero();
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(CpuMeterTest.class.getResource("/proc/" + name).toURI());
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
