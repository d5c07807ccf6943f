package io.adbsync.source.greenplum;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which tasks a source connector makes for each topology. */
class TaskSegmentsTest {

    private static final String PG = "PostgreSQL 16.4 on x86_64-pc-linux-gnu, compiled by gcc 12.2.0, 64-bit";
    private static final String GP7 = "PostgreSQL 12 (Greenplum Database 7.0.0+ build dev) on x86_64-pc-linux-gnu";
    private static final List<Segment> TWO = List.of(new Segment(0, 2, "sdw1", 6000, true), new Segment(1, 3, "sdw2", 6001, true));

    @Test
    void oneTaskPerPrimarySegment() {
        List<Map<String, String>> tasks = TaskSegments.taskConfigs(Map.of("k", "v"),
                SourceTopology.resolve(SourceMode.AUTO, GP7, "dispatch", TWO), 4, "task.id");
        assertThat(tasks).extracting(t -> t.get(TaskSegments.TASK_SEGMENT)).containsExactly("0", "1");
        assertThat(tasks).allSatisfy(t -> assertThat(t).containsEntry("k", "v"));
    }

    /**
     * A per-segment mode that does not fit the server (here plain PostgreSQL) lists no segment: no task at all would
     * leave the connector RUNNING with nothing running and no message. One task is made, which fails with the reason.
     */
    @Test
    void aPerSegmentModeThatDoesNotFitTheServerStillMakesATaskThatCanSayWhy() {
        SourceTopology misfit = SourceTopology.resolve(SourceMode.GREENPLUM_SEGMENTS, PG, null, List.of());
        assertThat(misfit.problem()).isPresent();
        List<Map<String, String>> tasks = TaskSegments.taskConfigs(Map.of("k", "v"), misfit, 4, "task.id");
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0)).doesNotContainKey(TaskSegments.TASK_SEGMENT).containsEntry("task.id", "0");
    }
}
