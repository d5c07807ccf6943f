package io.adbsync.source.snapshot;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.source.catalog.SourceCatalog.RelationSize;
import io.adbsync.source.catalog.CapturedTable;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link CtidPlan}: its ranges of heap blocks cover every block exactly once, however the plan is resumed or the table grows. */
class CtidPlanTest {

    private static final io.adbsync.source.stream.OffsetScope P = io.adbsync.source.stream.OffsetScope.of("p");

    private static final long OPEN = Long.MAX_VALUE;
    private static final long FILE_NODE = 16390;
    private static final Pattern CONDITION =
            Pattern.compile("ctid >= '\\((\\d+),0\\)'::tid(?: AND ctid < '\\((\\d+),0\\)'::tid)?");
    private static final CapturedTable TABLE = new CapturedTable(16384, "public", "t", "p.public.t", List.of(), null, null, null);
    private static final CtidPlan.BlockCount NOT_ASKED = oid -> {
        throw new AssertionError("the catalog is not asked");
    };

    /** A range of blocks [from, to); to is {@link #OPEN} for the open-ended last range. */
    private record Range(long from, long to) {
    }

    @Test
    void chunksOfAFreshPlanAreConsecutiveRangesOfThePlannedSizeEndingOpen() throws SQLException {
        CtidPlan plan = CtidPlan.fresh(TABLE, null, new RelationSize(100, 10_000, FILE_NODE, true), 1_000, P);
        List<TablePlan.Chunk> chunks = drain(plan, oid -> 100);
        assertThat(chunks).extracting(CtidPlanTest::range).containsExactly(
                new Range(0, 10), new Range(10, 20), new Range(20, 30), new Range(30, 40), new Range(40, 50),
                new Range(50, 60), new Range(60, 70), new Range(70, 80), new Range(80, 90), new Range(90, OPEN));
        assertThat(chunks.get(0).label()).isEqualTo("chunk 1 of 10");
        assertThat(chunks.get(9).label()).isEqualTo("chunk 10 of 10");
        assertThat(chunks).extracting(c -> c.inChunk().get("next_chunk"))
                .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(chunks).extracting(c -> c.afterChunk().get("next_chunk"))
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(plan.done()).isTrue();
        assertThat(plan.nextChunk(NOT_ASKED)).isNull();
        assertThat(plan.position()).isEqualTo("chunk 10 of 10");
    }

    @Test
    void theOffsetsItWritesTellBinAdbsyncStatusHowFarTheCopyHasCome() throws SQLException {
        List<TablePlan.Chunk> chunks = drain(CtidPlan.fresh(TABLE, null, new RelationSize(100, 10_000, FILE_NODE, true), 1_000, P), oid -> 100);
        assertThat(SnapshotProgress.of(chunks.get(3).afterChunk())).hasValueSatisfying(p -> {
            assertThat(p.chunks()).isEqualTo(10);
            assertThat(p.chunksDone()).isEqualTo(4);
            assertThat(p.done()).isFalse();
            assertThat(p.oid()).isEqualTo((long) TABLE.oid());
            assertThat(p.left()).isFalse();
        });
        assertThat(SnapshotProgress.of(chunks.get(3).afterChunk()).orElseThrow().fraction()).hasValue(0.4);
        assertThat(SnapshotProgress.of(chunks.get(9).afterChunk())).hasValueSatisfying(p -> assertThat(p.done()).isTrue());
        assertThat(SnapshotProgress.of(KeyRangePlan.offset(List.of("id"), List.of(), null, false))).hasValueSatisfying(p -> assertThat(p.done()).isFalse());
        assertThat(SnapshotProgress.of(KeyRangePlan.offset(List.of("id"), List.of(), null, true)).orElseThrow().fraction()).hasValue(1.0);
        assertThat(SnapshotProgress.of(Map.of("lsn", 42L))).isEmpty();
    }

    @Test
    void everyBlockLiesInExactlyOneChunkWhateverTheSizes() throws SQLException {
        for (long blocks : new long[] {0, 1, 2, 7, 99, 100, 101, 1_099}) {
            for (long rows : new long[] {0, 1, 50, 10_000, 3_000_000}) {
                for (long chunkRows : new long[] {1, 7, 1_000, 250_000}) {
                    CtidPlan plan = CtidPlan.fresh(TABLE, null, new RelationSize(blocks, rows, FILE_NODE, true), chunkRows, P);
                    List<Range> ranges = drain(plan, oid -> blocks).stream().map(CtidPlanTest::range).toList();
                    assertCoversOnce(ranges, "blocks " + blocks + ", rows " + rows + ", chunk rows " + chunkRows);
                }
            }
        }
    }

    @Test
    void aPlanResumedFromAStoredOffsetGoesOnWithTheNextChunk() throws SQLException {
        CtidPlan first = CtidPlan.fresh(TABLE, null, new RelationSize(100, 10_000, FILE_NODE, true), 1_000, P);
        List<TablePlan.Chunk> all = drain(first, oid -> 100);
        // Kafka has everything up to the end of chunk 4.
        Map<String, Object> stored = all.get(3).afterChunk();

        CtidPlan resumed = CtidPlan.resume(TABLE, null, 10_000, P, SnapshotOffsets.parse(stored));
        assertThat(resumed.fileNode()).isEqualTo(FILE_NODE);
        assertThat(resumed.position()).isEqualTo("chunk 4 of 10");
        List<TablePlan.Chunk> rest = drain(resumed, oid -> 100);
        assertThat(rest).extracting(CtidPlanTest::range)
                .isEqualTo(all.subList(4, all.size()).stream().map(CtidPlanTest::range).toList());
        assertThat(rest.get(0).label()).isEqualTo("chunk 5 of 10");

        // Stored within a chunk: that chunk is read again.
        assertThat(range(CtidPlan.resume(TABLE, null, 10_000, P, SnapshotOffsets.parse(all.get(3).inChunk())).nextChunk(NOT_ASKED)))
                .isEqualTo(new Range(30, 40));
        // Stored after the last chunk: nothing is left.
        CtidPlan finished = CtidPlan.resume(TABLE, null, 10_000, P, SnapshotOffsets.parse(all.get(9).afterChunk()));
        assertThat(finished.done()).isTrue();
        assertThat(finished.nextChunk(NOT_ASKED)).isNull();
    }

    @Test
    void anOffsetOfAnotherChunkingIsNotResumed() {
        assertThat(CtidPlan.resume(TABLE, null, 10, P, null)).isNull();
        assertThat(CtidPlan.resume(TABLE, null, 10, P, SnapshotOffsets.parse(KeyRangePlan.offset(List.of("id"), List.of(), null, false)))).isNull();
    }

    @Test
    void anOffsetWithoutFileNodeTiesAMultiChunkPlanToNoFileAndASingleChunkToAny() {
        Map<String, Object> old = Map.of("chunking", "ctid", "blocks_per_chunk", 10L, "chunks", 10L, "next_chunk", 4L);
        assertThat(CtidPlan.resume(TABLE, null, 10, P, SnapshotOffsets.parse(old)).fileNode()).isZero();
        Map<String, Object> single = Map.of("chunking", "ctid", "blocks_per_chunk", 10L, "chunks", 1L, "next_chunk", 0L);
        assertThat(CtidPlan.resume(TABLE, null, 10, P, SnapshotOffsets.parse(single)).fileNode()).isEqualTo(TablePlan.ANY_FILE_NODE);
    }

    @Test
    void growthOfTheTableAfterPlanningIsSplitIntoChunksOfThePlannedSize() throws SQLException {
        CtidPlan plan = CtidPlan.fresh(TABLE, null, new RelationSize(100, 10_000, FILE_NODE, true), 1_000, P);
        // The table has 135 blocks when the last planned chunk comes up, 152 when the new last one does, and no more
        // when the last one after that does.
        Deque<Long> sizes = new ArrayDeque<>(List.of(135L, 152L, 152L));
        List<Long> asked = new ArrayList<>();
        List<TablePlan.Chunk> chunks = drain(plan, oid -> {
            asked.add((long) oid);
            return sizes.removeFirst();
        });
        assertThat(asked).containsExactly(16384L, 16384L, 16384L);
        assertThat(chunks.subList(8, chunks.size())).extracting(CtidPlanTest::range).containsExactly(
                new Range(80, 90), new Range(90, 100), new Range(100, 110), new Range(110, 120), new Range(120, 130),
                new Range(130, 140), new Range(140, 150), new Range(150, OPEN));
        assertThat(chunks.get(9).label()).isEqualTo("chunk 10 of 14");
        assertThat(chunks.get(15).label()).isEqualTo("chunk 16 of 16");
        assertCoversOnce(chunks.stream().map(CtidPlanTest::range).toList(), "grown");

        // The grown plan is what its offsets store: a resume goes on with it.
        CtidPlan resumed = CtidPlan.resume(TABLE, null, 10_000, P, SnapshotOffsets.parse(chunks.get(11).afterChunk()));
        assertThat(resumed.position()).isEqualTo("chunk 12 of 14");
        assertThat(range(resumed.nextChunk(NOT_ASKED))).isEqualTo(new Range(120, 130));
    }

    @Test
    void aTableWithNoBlocksIsOneChunkOfTheWholeTableUnlessItGrewMeanwhile() throws SQLException {
        CtidPlan empty = CtidPlan.fresh(TABLE, null, new RelationSize(0, 0, FILE_NODE, true), 1_000, P);
        TablePlan.Chunk only = empty.nextChunk(oid -> 0);
        assertThat(only.condition()).isNull();
        assertThat(only.label()).isEqualTo("chunk 1 of 1");
        assertThat(empty.done()).isTrue();

        // Planned empty, it has 2 500 blocks by the time it is read: chunks of the planned size (rows unknown, so
        // one row a block) instead of one chunk read whole into memory.
        CtidPlan grown = CtidPlan.fresh(TABLE, null, new RelationSize(0, 0, FILE_NODE, true), 1_000, P);
        List<TablePlan.Chunk> chunks = drain(grown, oid -> 2_500);
        assertThat(chunks).extracting(CtidPlanTest::range)
                .containsExactly(new Range(0, 1_000), new Range(1_000, 2_000), new Range(2_000, OPEN));
    }

    @Test
    void aWholeTablePlanIsOneChunkWithoutConditionAndNeverAsksTheCatalog() throws SQLException {
        CtidPlan whole = CtidPlan.whole(TABLE, "region = 'eu'", 5_000_000, P);
        TablePlan.Chunk chunk = whole.nextChunk(NOT_ASKED);
        assertThat(chunk.condition()).isNull();
        assertThat(whole.done()).isTrue();
        assertThat(whole.fileNode()).isEqualTo(TablePlan.ANY_FILE_NODE);
        assertThat(whole.nextChunk(NOT_ASKED)).isNull();
    }

    private static List<TablePlan.Chunk> drain(CtidPlan plan, CtidPlan.BlockCount blocks) throws SQLException {
        List<TablePlan.Chunk> chunks = new ArrayList<>();
        for (TablePlan.Chunk c = plan.nextChunk(blocks); c != null; c = plan.nextChunk(blocks)) {
            chunks.add(c);
            if (chunks.size() > 100_000) {
                throw new AssertionError("a plan that does not end: " + chunks.subList(0, 5));
            }
        }
        return chunks;
    }

    private static Range range(TablePlan.Chunk chunk) {
        if (chunk.condition() == null) {
            return new Range(0, OPEN);
        }
        Matcher m = CONDITION.matcher(chunk.condition());
        assertThat(m.matches()).as(chunk.condition()).isTrue();
        return new Range(Long.parseLong(m.group(1)), m.group(2) == null ? OPEN : Long.parseLong(m.group(2)));
    }

    /** Consecutive, non-empty, from block 0 and open at the end: every block, present or future, in exactly one. */
    private static void assertCoversOnce(List<Range> ranges, String what) {
        assertThat(ranges).as(what).isNotEmpty();
        long next = 0;
        for (Range r : ranges) {
            if (r.from() != next || r.to() <= r.from()) {
                throw new AssertionError(what + ": range " + r + " does not follow block " + next + " in " + ranges);
            }
            next = r.to();
        }
        assertThat(next).as(what).isEqualTo(OPEN);
    }
}
