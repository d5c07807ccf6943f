package io.adbsync.source.snapshot;

import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class LeftTablesTest {

    private static SourceRecord mark(String table) {
        return new SourceRecord(TablePlan.partition("p", table), Map.of(LeftTables.OFFSET_LEFT, "n"), "__adbsync-heartbeat.p",
                null, null, null, null);
    }

    @Test
    void keptTablesAreLeftOutOnlyAfterTwoCommitsThatFollowAPollAfterEveryAcknowledgement() {
        SourceRecord a = mark("public.a");
        SourceRecord b = mark("public.b");
        LeftTables left = new LeftTables(List.of(a, b), Set.of("public.a", "public.b"), false, List.of("public.a", "public.b"));

        // Commits before the marks were handed out or acknowledged store nothing of them.
        left.committed();
        left.pollStarted();
        assertThat(left.takeMarks()).containsExactly(a, b);
        assertThat(left.takeMarks()).isEmpty();
        left.committed();
        left.acknowledged(a);
        left.pollStarted();
        left.committed();
        left.committed();
        assertThat(left.kept()).containsExactlyInAnyOrder("public.a", "public.b");

        // Both acknowledged, but Connect gathers committable offsets only before its next poll.
        left.acknowledged(b);
        left.committed();
        assertThat(left.kept()).hasSize(2);
        left.pollStarted();
        // This commit may have gathered its offsets before that poll.
        left.committed();
        assertThat(left.kept()).hasSize(2);
        left.committed();
        assertThat(left.kept()).isEmpty();
    }

    @Test
    void aTableThatCannotBeCapturedHoldsTheStreamUntilItsMarkIsStored() {
        SourceRecord a = mark("public.a");
        LeftTables left = new LeftTables(List.of(a), Set.of(), true, List.of("public.a"));
        assertThat(left.holdsStream()).isTrue();
        left.takeMarks();
        left.acknowledged(a);
        left.committed();
        left.pollStarted();
        left.committed();
        assertThat(left.holdsStream()).isTrue();
        left.committed();
        assertThat(left.holdsStream()).isFalse();
    }

    @Test
    void nothingToMarkHoldsNothing() {
        LeftTables none = LeftTables.none();
        assertThat(none.takeMarks()).isEmpty();
        assertThat(none.holdsStream()).isFalse();
        assertThat(none.kept()).isEmpty();
    }

    @Test
    void theNonceIsReadFromAMarkedOffsetOnly() {
        Map<String, Object> marked = new java.util.HashMap<>(KeyRangePlan.offset(null, false));
        marked.put(LeftTables.OFFSET_LEFT, "5f0c");
        assertThat(LeftTables.nonce(SnapshotOffsets.parse(marked))).isEqualTo("5f0c");
        assertThat(LeftTables.nonce(SnapshotOffsets.parse(KeyRangePlan.offset(null, false)))).isNull();
        assertThat(LeftTables.nonce(null)).isNull();
    }
}
