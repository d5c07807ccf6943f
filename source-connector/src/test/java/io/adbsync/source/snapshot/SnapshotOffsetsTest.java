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

    @Test
    void ctidOffsetsNameTheRelationAndTheFileTheirRangesLieIn() throws Exception {
        io.adbsync.source.stream.CapturedTable table = new io.adbsync.source.stream.CapturedTable(-5, "public", "t", "p.public.t",
                List.of(), null, null, null);
        CtidPlan plan = CtidPlan.fresh(table, null, new io.adbsync.source.catalog.SourceCatalog.RelationSize(100, 10_000, 16384),
                1000, "p");
        Map<String, Object> offset = plan.next(null).afterChunk();
        assertStorable(offset);
        // OIDs are unsigned: -5 is OID 4294967291.
        assertThat(offset).containsEntry("oid", 4294967291L).containsEntry("file_node", 16384L).containsEntry("chunks", 10L);
        assertThat(TablePlan.ofAnotherRelation(offset, -5)).isFalse();
        assertThat(TablePlan.ofAnotherRelation(offset, 77)).isTrue();
        // The next run finds the table in another file: resumed ranges no longer hold.
        assertThat(CtidPlan.resume(table, null, 10_000, "p", offset).fileNode()).isEqualTo(16384L);
    }
}
