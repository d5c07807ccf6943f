package io.adbsync.source.snapshot;

import io.adbsync.source.catalog.CapturedTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotOffsetsTest {

    private static final io.adbsync.source.stream.OffsetScope P = io.adbsync.source.stream.OffsetScope.of("p");

    /** What Connect's offset writer accepts: it refuses lists and maps, which would silently stop resumption. */
    private static void assertStorable(Map<String, Object> offset) {
        assertThat(offset.values()).allMatch(v -> v == null || v instanceof String || v instanceof Number || v instanceof Boolean);
    }

    @Test
    void keyRangeOffsetsHoldOnlyPrimitives() {
        assertStorable(KeyRangePlan.offset(List.of("b", "a"), List.of(), List.of("r1", "42"), false));
        assertStorable(KeyRangePlan.offset(List.of("b", "a"), List.of(), null, true));
        assertStorable(KeyRangePlan.offset(List.of("b", "a"), List.of(), Arrays.asList("a,b", "x\\y"), false));
        assertThat(KeyRangePlan.offset(List.of("b", "a"), List.of(), List.of("a,b", "7"), false)).containsEntry("after_count", 2)
                .containsEntry("after_0", "a,b").containsEntry("after_1", "7")
                .containsEntry("order_count", 2).containsEntry("order_0", "b").containsEntry("order_1", "a");
    }

    @Test
    void ctidOffsetsNameTheRelationAndTheFileTheirRangesLieIn() throws Exception {
        io.adbsync.source.catalog.CapturedTable table = new io.adbsync.source.catalog.CapturedTable(-5, "public", "t", "p.public.t",
                List.of(), null, null, null);
        CtidPlan plan = CtidPlan.fresh(table, null, new io.adbsync.source.catalog.SourceCatalog.RelationSize(100, 10_000, 16384, true),
                1000, P);
        Map<String, Object> offset = plan.next(null).afterChunk();
        assertStorable(offset);
        // OIDs are unsigned: -5 is OID 4294967291.
        assertThat(offset).containsEntry("oid", 4294967291L).containsEntry("file_node", 16384L).containsEntry("chunks", 10L);
        assertThat(TablePlan.ofAnotherRelation(SnapshotOffsets.parse(offset), -5)).isFalse();
        assertThat(TablePlan.ofAnotherRelation(SnapshotOffsets.parse(offset), 77)).isTrue();
        // The next run finds the table in another file: resumed ranges no longer hold.
        assertThat(CtidPlan.resume(table, null, 10_000, P, SnapshotOffsets.parse(offset)).fileNode()).isEqualTo(16384L);
    }

    private static final CapturedTable KEYED = new CapturedTable(16384, "public", "t", "p.public.t",
            List.of(new CapturedTable.CapturedColumn("id", "id", null, true, 23)), null, null, null);

    private static final KeyRangePlan.IndexOrder ID = () -> List.of("id");
    private static final KeyRangePlan.ColumnOrders ORDERS = () -> Map.of("id", "pg_catalog.int4 (column 1)");

    private static Map<String, Object> ctid() {
        return new HashMap<>(Map.of("chunking", "ctid", "oid", 16384L, "publication_member", 0L,
                "file_node", 16384L, "blocks_per_chunk", 10L, "chunks", 4L, "next_chunk", 1L));
    }

    private static Map<String, Object> key() {
        return new HashMap<>(Map.of("chunking", "key", "oid", 16384L, "after_count", 1L, "after_0", "42", "done", false));
    }

    /** A key offset of a version that stores the order its ranges compare the key's columns in. */
    private static Map<String, Object> ordered() {
        return with(with(key(), "order_count", 1L), "order_0", "id");
    }

    private static Map<String, Object> with(Map<String, Object> offset, String field, Object value) {
        if (value == null) {
            offset.remove(field);
        } else {
            offset.put(field, value);
        }
        return offset;
    }

    /** An offset changed in one field, and the words the error must contain. */
    record Bad(Map<String, Object> offset, String expected) {
        @Override
        public String toString() {
            return offset + " -> " + expected;
        }
    }

    static List<Bad> malformed() {
        return List.of(
                new Bad(with(ctid(), "chunking", null), "'chunking'"),
                new Bad(with(ctid(), "chunking", "blocks"), "'chunking'"),
                new Bad(with(ctid(), "chunks", null), "'chunks'"),
                new Bad(with(ctid(), "chunks", "4"), "'chunks'"),
                new Bad(with(ctid(), "chunks", 0L), "'chunks'"),
                new Bad(with(ctid(), "blocks_per_chunk", null), "'blocks_per_chunk'"),
                new Bad(with(ctid(), "blocks_per_chunk", 1.5), "'blocks_per_chunk'"),
                new Bad(with(ctid(), "next_chunk", null), "'next_chunk'"),
                new Bad(with(ctid(), "next_chunk", 5L), "'next_chunk'"),
                new Bad(with(ctid(), "next_chunk", -1L), "'next_chunk'"),
                new Bad(with(ctid(), "file_node", true), "'file_node'"),
                new Bad(with(ctid(), "oid", "16384"), "'oid'"),
                new Bad(with(ctid(), "publication_member", List.of()), "'publication_member'"),
                new Bad(with(key(), "after_count", null), "'after_count'"),
                new Bad(with(key(), "after_count", "1"), "'after_count'"),
                new Bad(with(key(), "after_count", -2L), "'after_count'"),
                new Bad(with(key(), "after_count", 0L), "'after_count'"),
                new Bad(with(key(), "after_count", (long) Integer.MAX_VALUE), "'after_count'"),
                new Bad(with(key(), "after_0", null), "'after_0'"),
                new Bad(with(key(), "after_0", 42L), "'after_0'"),
                new Bad(with(key(), "order_count", "1"), "'order_count'"),
                new Bad(with(key(), "order_count", 0L), "'order_count'"),
                new Bad(with(key(), "order_count", 33L), "'order_count'"),
                new Bad(with(ordered(), "order_count", 2L), "'order_1'"),
                new Bad(with(ordered(), "order_0", 7L), "'order_0'"),
                new Bad(with(key(), "order_0", "id"), "'order_count'"),
                new Bad(with(ordered(), "order_sort_0", 7L), "'order_sort_0'"),
                new Bad(with(key(), "order_sort_0", "integer"), "'order_count'"),
                new Bad(with(with(with(with(ordered(), "order_count", 2L), "order_1", "b"), "after_count", 2L), "order_sort_0",
                        "integer"), "'order_sort_1'"),
                new Bad(with(with(with(key(), "order_count", 2L), "order_0", "b"), "order_1", "a"), "'after_count'"),
                new Bad(with(key(), "done", null), "'done'"),
                new Bad(with(key(), "done", "false"), "'done'"),
                new Bad(with(key(), "left", 7L), "'left'"),
                new Bad(with(ctid(), "generation", "3"), "'generation'"),
                new Bad(with(ctid(), "generation", -1L), "'generation'"),
                new Bad(with(ctid(), "barrier", "snapshot:16384:0:1"), "'barrier_sent'"),
                new Bad(with(ctid(), "barrier_sent", 1L), "'barrier'"),
                new Bad(with(with(ctid(), "barrier", 7L), "barrier_sent", 1L), "'barrier'"),
                new Bad(with(with(ctid(), "barrier", "b"), "barrier_sent", "1"), "'barrier_sent'"),
                new Bad(with(with(ctid(), "barrier", "b"), "barrier_sent", 0L), "'barrier_sent'"));
    }

    @Test
    void theOffsetsThePlansWriteAreValid() throws Exception {
        assertThatCode(() -> SnapshotOffsets.check(ctid())).doesNotThrowAnyException();
        assertThatCode(() -> SnapshotOffsets.check(key())).doesNotThrowAnyException();
        assertThatCode(() -> SnapshotOffsets.check(KeyRangePlan.offset(List.of("id"), List.of(), null, true))).doesNotThrowAnyException();
        assertThatCode(() -> SnapshotOffsets.check(KeyRangePlan.offset(List.of("b", "a"), List.of(), List.of("r1", "42"), false))).doesNotThrowAnyException();
        CtidPlan plan = CtidPlan.fresh(KEYED, null, new io.adbsync.source.catalog.SourceCatalog.RelationSize(100, 10_000, 16384, true),
                1000, P);
        TablePlan.Chunk chunk = plan.next(null);
        assertThatCode(() -> SnapshotOffsets.check(chunk.inChunk())).doesNotThrowAnyException();
        assertThatCode(() -> SnapshotOffsets.check(chunk.afterChunk())).doesNotThrowAnyException();
        // Integers as the REST API's JSON parser gives them, not only as Connect's offset reader does (Long).
        assertThatCode(() -> SnapshotOffsets.check(with(ctid(), "chunks", 4))).doesNotThrowAnyException();
        assertThatCode(() -> SnapshotOffsets.check(with(key(), "left", "5f0c"))).doesNotThrowAnyException();
    }

    /** What alterOffsets accepts is what the task resumes from: the values a restart reads are the ones it checked. */
    @Test
    void theTaskReadsTheValuesAlterOffsetsChecked() {
        Map<String, Object> patched = with(with(with(ctid(), "generation", 3), "barrier", "snapshot:16384:0:3"), "barrier_sent", 2);
        SnapshotOffsets.check(patched);
        SnapshotOffsets.Offset read = SnapshotOffsets.parse(patched);
        assertThat(TablePlan.generationOf(read)).isEqualTo(3);
        assertThat(TablePlan.partSentTruncate(read)).isTrue();
        assertThat(TablePlan.owedCopyOffsets(read, 4)).extracting(o -> o.get("barrier_sent")).containsExactly(3, 4);
        assertThat(read.position()).isEqualTo(new CtidPlan.Stored(10, 4, 1, 16384L));
        assertThat(TablePlan.ofAnotherRelation(read, 16384)).isFalse();
        assertThat(SnapshotOffsets.parse(null)).isNull();
    }

    /**
     * A partitioned table's mark, stored under its own name, says which relation was copied; LeftTables may mark it as
     * any copy's offset, and a mark patched in through the REST API is checked as the task reads it.
     */
    @Test
    void aPartitionedTablesMarkNamesItsRelationAndIsCheckedAsTheTaskReadsIt() {
        Map<String, Object> mark = new HashMap<>(Map.of("oid", 16384L, "partitioned", true));
        SnapshotOffsets.Offset read = SnapshotOffsets.parse(mark);
        assertThat(read.partitionedMark()).isTrue();
        assertThat(TablePlan.ofRelation(read, 16384)).isTrue();
        assertThat(TablePlan.ofAnotherRelation(read, 16385)).isTrue();
        assertThat(SnapshotOffsets.parse(with(new HashMap<>(mark), "left", "5f0c")).left()).isEqualTo("5f0c");
        assertThat(SnapshotOffsets.parse(ctid()).partitionedMark()).isFalse();
        assertThatThrownBy(() -> SnapshotOffsets.check(with(new HashMap<>(mark), "partitioned", false)))
                .hasMessageContaining("'partitioned' must be true");
        assertThatThrownBy(() -> SnapshotOffsets.check(with(new HashMap<>(mark), "oid", null)))
                .hasMessageContaining("'oid' must be set with 'partitioned'");
        assertThatThrownBy(() -> SnapshotOffsets.check(with(new HashMap<>(mark), "chunking", "ctid")))
                .hasMessageContaining("takes no 'chunking'");
        assertThatThrownBy(() -> SnapshotOffsets.check(with(new HashMap<>(mark), "partitioned", "yes")))
                .hasMessageContaining("'partitioned' must be true or false");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void aMalformedOffsetIsRefusedNamingTheField(Bad bad) {
        assertThatThrownBy(() -> SnapshotOffsets.check(bad.offset()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad.expected());
    }

    @Test
    void resumingFromAMalformedOffsetFailsNamingTheFieldNotWithANullPointer() throws Exception {
        assertThatThrownBy(() -> CtidPlan.resume(KEYED, null, 100, P, SnapshotOffsets.parse(with(ctid(), "chunks", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'chunks'");
        assertThatThrownBy(() -> KeyRangePlan.resume(KEYED, null, 100, () -> 1000, P, SnapshotOffsets.parse(with(key(), "after_count", "1")), ID, ORDERS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'after_count'");
        assertThatThrownBy(() -> KeyRangePlan.resume(KEYED, null, 100, () -> 1000, P, SnapshotOffsets.parse(with(key(), "after_0", null)), ID, ORDERS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'after_0'");
        // Well-formed, but not a bound of the table's key now (two columns where it has one, or another column): no
        // rows can be told copied by it, and the copy is planned afresh.
        Map<String, Object> twoColumns = with(with(key(), "after_count", 2L), "after_1", "x");
        assertThat(KeyRangePlan.resume(KEYED, null, 100, () -> 1000, P, SnapshotOffsets.parse(twoColumns), ID, ORDERS)).isNull();
        Map<String, Object> otherColumn = with(with(key(), "order_count", 1L), "order_0", "note");
        assertThat(KeyRangePlan.resume(KEYED, null, 100, () -> 1000, P, SnapshotOffsets.parse(otherColumn), ID, ORDERS)).isNull();
        assertThat(KeyRangePlan.resume(KEYED, null, 100, () -> 1000, P, SnapshotOffsets.parse(ordered()), ID, ORDERS)).isNotNull();
        // Stored under another order of its column (text's, where the column is an integer now): planned afresh.
        assertThat(KeyRangePlan.resume(KEYED, null, 100, () -> 1000, P, SnapshotOffsets.parse(with(ordered(), "order_sort_0",
                "pg_catalog.text COLLATE pg_catalog.\"default\" (column 1)")), ID, ORDERS)).isNull();
        assertThat(KeyRangePlan.resume(KEYED, null, 100, () -> 1000, P, SnapshotOffsets.parse(with(ordered(), "order_sort_0",
                "pg_catalog.int4 (column 1)")), ID, ORDERS)).isNotNull();
    }

    @Test
    void eachCopyOfATruncateHasAnOffsetThatSendsTheOthersAfterARestart() throws Exception {
        io.adbsync.source.catalog.CapturedTable table = new io.adbsync.source.catalog.CapturedTable(77, "public", "t", "p.public.t",
                List.of(), null, null, null);
        CtidPlan plan = CtidPlan.fresh(table, null, new io.adbsync.source.catalog.SourceCatalog.RelationSize(100, 10_000, 16384, true),
                1000, P);
        plan.generation = 3;
        plan.replacingEarlierCopy(TablePlan.barrierId(77, 0, 3, null, ""));
        TablePlan.Chunk first = plan.next(null);

        List<Map<String, Object>> copies = List.of(plan.truncateCopyOffset(first, 0, 3), plan.truncateCopyOffset(first, 1, 3),
                plan.truncateCopyOffset(first, 2, 3));
        copies.forEach(SnapshotOffsetsTest::assertStorable);
        assertThat(copies.get(0)).containsEntry("barrier", "snapshot:77:0:3").containsEntry("barrier_sent", 1)
                .containsEntry("generation", 3L);
        // The last copy's offset is the chunk's own: stored, it sends no copy again.
        assertThat(copies.get(2)).isEqualTo(first.inChunk());
        assertThat(TablePlan.partSentTruncate(SnapshotOffsets.parse(copies.get(2)))).isFalse();

        // Stopped after the first copy: the resumed plan reads the same chunk and still owes copies 1 and 2.
        CtidPlan resumed = CtidPlan.resume(table, null, 10_000, P, SnapshotOffsets.parse(copies.get(0)));
        assertThat(resumed.resumingTruncate(SnapshotOffsets.parse(copies.get(0)))).isTrue();
        assertThat(resumed.truncatePending).isTrue();
        assertThat(resumed.barrier).isEqualTo("snapshot:77:0:3");
        assertThat(resumed.copiesSent).isEqualTo(1);
        assertThat(resumed.next(null).condition()).isEqualTo(first.condition());
        assertThat(TablePlan.generationOf(SnapshotOffsets.parse(copies.get(0)))).isEqualTo(3);

        // The table replaced again before the restart: the copies still owed of the earlier truncate go out first.
        List<Map<String, Object>> owed = TablePlan.owedCopyOffsets(SnapshotOffsets.parse(copies.get(1)), 3);
        assertThat(owed).hasSize(1);
        assertThat(owed.get(0)).containsEntry("barrier", "snapshot:77:0:3").containsEntry("barrier_sent", 3);
    }

    /**
     * After the source's offsets were reset, generations count from 0 again: the id must still differ from one the
     * sink applied before, which the publication row (new when the table was left out and added back) and the
     * relation (new when re-created) see to; the server's identifier keeps another server's ids apart.
     */
    @Test
    void aReCopysTruncateIsNamedByRelationPublicationRowGenerationAndServer() {
        assertThat(TablePlan.barrierId(16400, 24001, 1, null, "7301")).isEqualTo("snapshot:16400:24001:1@7301");
        assertThat(TablePlan.barrierId(16400, 24001, 1, null, "7301")).isNotEqualTo(TablePlan.barrierId(16400, 24107, 1, null, "7301"))
                .isNotEqualTo(TablePlan.barrierId(16400, 24001, 1, null, "9999"))
                .isNotEqualTo(TablePlan.barrierId(16400, 24001, 1, "5f0c", "7301"));
        assertThat(TablePlan.barrierId(16400, 0, 2, null, "")).isEqualTo("snapshot:16400:0:2");
        assertThat(TablePlan.barrierId(16400, 0, 2, "5f0c", "7301")).isEqualTo("snapshot:16400:0:2:5f0c@7301");
    }
}
