package io.adbsync.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What --repeat and --warmup make of the run sizes, and how the runs are named in the log. */
class BenchSizeTest {

    @Test
    void aWarmUpIsRunZeroAndNamedAsNotRecorded() {
        BenchSize plain = BenchSize.quick().withRepeat(3);
        assertThat(plain.firstRun()).isEqualTo(1);
        BenchSize warmed = plain.withWarmup();
        assertThat(warmed.firstRun()).isZero();
        assertThat(warmed.repeat()).isEqualTo(3);
        assertThat(SourceBench.label(warmed, 0)).isEqualTo(" (warm-up, not recorded)");
        assertThat(SourceBench.label(warmed, 2)).isEqualTo(" (run 2/3)");
        assertThat(SourceBench.label(BenchSize.quick(), 1)).isEmpty();
        assertThat(warmed.describe().get("repeats").toString()).endsWith("after one unrecorded warm-up run");
        // Every run's databases, slots and connectors are its own, the warm-up's too.
        assertThat(SourceBench.suffix(0)).isEqualTo("_r0");
        assertThat(SourceBench.suffix(1)).isEmpty();
    }
}
