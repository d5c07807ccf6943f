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

    @Test
    void eachCopyOfATruncateHasAnOffsetThatSendsTheOthersAfterARestart() throws Exception {
        io.adbsync.source.stream.CapturedTable table = new io.adbsync.source.stream.CapturedTable(77, "public", "t", "p.public.t",
                List.of(), null, null, null);
        CtidPlan plan = CtidPlan.fresh(table, null, new io.adbsync.source.catalog.SourceCatalog.RelationSize(100, 10_000, 16384),
                1000, "p");
        plan.generation = 3;
        plan.replacingEarlierCopy(TablePlan.barrierId(77, 3));
        TablePlan.Chunk first = plan.next(null);

        List<Map<String, Object>> copies = List.of(plan.truncateCopyOffset(first, 0, 3), plan.truncateCopyOffset(first, 1, 3),
                plan.truncateCopyOffset(first, 2, 3));
        copies.forEach(SnapshotOffsetsTest::assertStorable);
        assertThat(copies.get(0)).containsEntry("barrier", "snapshot:77:3").containsEntry("barrier_sent", 1)
                .containsEntry("generation", 3L);
        // The last copy's offset is the chunk's own: stored, it sends no copy again.
        assertThat(copies.get(2)).isEqualTo(first.inChunk());
        assertThat(TablePlan.partSentTruncate(copies.get(2))).isFalse();

        // Stopped after the first copy: the resumed plan reads the same chunk and still owes copies 1 and 2.
        CtidPlan resumed = CtidPlan.resume(table, null, 10_000, "p", copies.get(0));
        assertThat(resumed.resumingTruncate(copies.get(0))).isTrue();
        assertThat(resumed.truncatePending).isTrue();
        assertThat(resumed.barrier).isEqualTo("snapshot:77:3");
        assertThat(resumed.copiesSent).isEqualTo(1);
        assertThat(resumed.next(null).condition()).isEqualTo(first.condition());
        assertThat(TablePlan.generationOf(copies.get(0))).isEqualTo(3);

        // The table replaced again before the restart: the copies still owed of the earlier truncate go out first.
        List<Map<String, Object>> owed = TablePlan.owedCopyOffsets(copies.get(1), 3);
        assertThat(owed).hasSize(1);
        assertThat(owed.get(0)).containsEntry("barrier", "snapshot:77:3").containsEntry("barrier_sent", 3);
    }
}
