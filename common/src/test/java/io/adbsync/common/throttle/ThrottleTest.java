package io.adbsync.common.throttle;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ThrottleTest {

    @Test
    void waitsSoThatRowsPerSecondAreNotExceeded() {
        Throttle t = new Throttle(100, 0);
        assertThat(t.afterBatch(50, 0, 0)).isEqualTo(500_000_000L);
        // The next batch arrives at 0.5 s, so it is paced from there.
        assertThat(t.afterBatch(100, 0, 500_000_000L)).isEqualTo(1_000_000_000L);
    }

    @Test
    void theStricterOfRowsAndBytesDecides() {
        Throttle t = new Throttle(1_000_000, 1_000_000);
        assertThat(t.afterBatch(10, 2_000_000, 0)).isEqualTo(2_000_000_000L);
    }

    @Test
    void unlimitedNeverWaits() {
        Throttle t = new Throttle(0, 0);
        assertThat(t.enabled()).isFalse();
        assertThat(t.afterBatch(1_000_000, 1_000_000_000, 0)).isZero();
    }

    @Test
    void aBatchCutAtTheIntervalsShareWaitsNoLongerThanTheInterval() {
        Throttle t = new Throttle(100, 0);
        long cut = t.unitsWithin(500);
        assertThat(cut).isEqualTo(50);
        assertThat(t.afterBatch(cut, 0, 0)).isEqualTo(500_000_000L);
        assertThat(t.bytesWithin(500)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aVerySlowRateStillLetsOneUnitThrough() {
        Throttle t = new Throttle(1, 10);
        assertThat(t.unitsWithin(100)).isEqualTo(1);
        assertThat(t.bytesWithin(100)).isEqualTo(1);
        assertThat(new Throttle(0, 2_000_000).bytesWithin(500)).isEqualTo(1_000_000);
        assertThat(new Throttle(0, 0).unitsWithin(500)).isEqualTo(Long.MAX_VALUE);
    }
}
