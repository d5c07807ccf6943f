package io.adbsync.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RunsTest {

    private static Measurement ours(Scenario scenario, double value, int run) {
        return new Measurement(scenario, "adbsync", Role.OURS, Format.JSON, value, Map.of("run", run));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Runs.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Runs.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(Runs.median(List.of(7.0))).isEqualTo(7.0);
    }

    @Test
    void combinesRepetitionsIntoTheMedianKeepingEveryRunsValue() {
        List<Measurement> combined = Runs.combine(List.of(
                ours(Scenario.SNAPSHOT_ROWS, 100, 1), ours(Scenario.STREAMING, 50, 1),
                ours(Scenario.SNAPSHOT_ROWS, 120, 2), ours(Scenario.STREAMING, 40, 2),
                ours(Scenario.SNAPSHOT_ROWS, 90, 3), ours(Scenario.STREAMING, 45, 3)));
        assertThat(combined).hasSize(2);
        Measurement snapshot = combined.get(0);
        assertThat(snapshot.scenario()).isEqualTo(Scenario.SNAPSHOT_ROWS);
        assertThat(snapshot.value()).isEqualTo(100);
        assertThat(snapshot.details()).containsEntry(Runs.RUNS, List.of(100.0, 120.0, 90.0)).as("the median run's details")
                .containsEntry("run", 1);
        Runs.Spread spread = Runs.Spread.of(snapshot);
        assertThat(spread).isEqualTo(new Runs.Spread(100, 90, 120, 3));
        assertThat(spread.relativeRange()).isEqualTo(0.3);
        assertThat(combined.get(1).value()).isEqualTo(45);
    }

    @Test
    void anEvenCountTakesTheMeanOfTheMiddleTwoAndTheLowerMiddleRunsDetails() {
        Measurement m = Runs.combine(List.of(ours(Scenario.STREAMING, 10, 1), ours(Scenario.STREAMING, 30, 2))).get(0);
        assertThat(m.value()).isEqualTo(20);
        assertThat(m.details()).containsEntry("run", 1);
    }

    @Test
    void theSameSystemInAnotherFormatOrRoleIsAnotherFigure() {
        List<Measurement> combined = Runs.combine(List.of(
                ours(Scenario.STREAMING, 10, 1),
                new Measurement(Scenario.STREAMING, "adbsync", Role.OURS, Format.AVRO, 20, Map.of()),
                Measurement.limit(Scenario.STREAMING, "pg_recvlogical", 100, Map.of()),
                ours(Scenario.STREAMING, 12, 2)));
        assertThat(combined).extracting(Measurement::value).containsExactly(11.0, 20.0, 100.0);
    }

    @Test
    void failedRunsAreCountedAndOnlyAllFailedIsAFailure() {
        Measurement failed = new Measurement(Scenario.STREAMING, "adbsync", Role.OURS, Format.JSON, Double.NaN,
                Map.of("error", "timed out"));
        Measurement some = Runs.combine(List.of(ours(Scenario.STREAMING, 10, 1), failed, ours(Scenario.STREAMING, 14, 3))).get(0);
        assertThat(some.ok()).isTrue();
        assertThat(some.value()).isEqualTo(12);
        assertThat(some.details()).containsEntry(Runs.FAILED_RUNS, 1).containsEntry("failed_run_error", "timed out")
                .containsEntry(Runs.RUNS, List.of(10.0, 14.0));
        Measurement all = Runs.combine(List.of(failed, failed)).get(0);
        assertThat(all.ok()).isFalse();
        assertThat(all.details()).containsEntry("error", "timed out");
    }

    @Test
    void aSingleRunStaysAsItWas() {
        Measurement one = ours(Scenario.STREAMING, 10, 1);
        assertThat(Runs.combine(List.of(one))).containsExactly(one);
        assertThat(Runs.Spread.of(one)).isEqualTo(new Runs.Spread(10, 10, 10, 1));
    }

    @Test
    void rangesOverlapWhenTheyShareAValue() {
        Runs.Spread a = new Runs.Spread(100, 90, 110, 3);
        assertThat(a.overlaps(new Runs.Spread(115, 110, 130, 3))).as("touching").isTrue();
        assertThat(a.overlaps(new Runs.Spread(100, 95, 105, 3))).as("inside").isTrue();
        assertThat(a.overlaps(new Runs.Spread(120, 111, 130, 3))).isFalse();
        assertThat(a.ratioRange(new Runs.Spread(50, 45, 55, 3))).containsExactly(90.0 / 55, 110.0 / 45);
    }
}
