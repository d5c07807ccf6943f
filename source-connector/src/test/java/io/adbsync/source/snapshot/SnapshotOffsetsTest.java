package io.adbsync.source.snapshot;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotOffsetsTest {

    /** What Connect's offset writer accepts: it refuses lists and maps, which would silently stop resumption. */
    private static void assertStorable(Map<String, Object> offset) {
        assertThat(offset.values()).allMatch(v -> v == null || v instanceof String || v instanceof Number || v instanceof Boolean);
    }

    @Test
    void keyRangeOffsetsHoldOnlyPrimitives() {
        assertStorable(KeyRangePlan.offset(List.of("r1", "42"), false));
        assertStorable(KeyRangePlan.offset(null, true));
        assertStorable(KeyRangePlan.offset(Arrays.asList("a,b", "x\\y"), false));
        assertThat(KeyRangePlan.offset(List.of("a,b", "7"), false)).containsEntry("after_count", 2)
                .containsEntry("after_0", "a,b").containsEntry("after_1", "7");
    }
}
