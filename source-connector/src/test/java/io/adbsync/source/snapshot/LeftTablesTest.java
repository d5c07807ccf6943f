package io.adbsync.source.snapshot;

import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeftTablesTest {

    private static final io.adbsync.source.stream.OffsetScope P = io.adbsync.source.stream.OffsetScope.of("p");

    private static SourceRecord mark(String table) {
        return new SourceRecord(TablePlan.partition(P, table), Map.of(LeftTables.OFFSET_LEFT, "n"), "__adbsync-heartbeat.p",
                null, null, null, null);
    }

    /** What Connect has stored, by source partition. */
    private static final class Stored implements OffsetStorageReader {
        final Map<Map<String, ?>, Map<String, Object>> offsets = new HashMap<>();
        int reads;

        void store(SourceRecord record) {
            offsets.put(record.sourcePartition(), new HashMap<>(record.sourceOffset()));
        }

        @Override
        public <T> Map<String, Object> offset(Map<String, T> partition) {
            return offsets.get(partition);
        }

        @Override
        public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
            reads++;
            Map<Map<String, T>, Map<String, Object>> found = new HashMap<>();
            partitions.forEach(p -> found.put(p, offsets.get(p)));
            return found;
        }
    }

    @Test
    void keptTablesAreLeftOutOnceTheirMarksReadBackAfterACommitThatFollowedEveryAcknowledgement() {
        SourceRecord a = mark("public.a");
        SourceRecord b = mark("public.b");
        LeftTables left = new LeftTables(List.of(a, b), Set.of("public.a", "public.b"), false, List.of("public.a", "public.b"));
        Stored stored = new Stored();

        // Commits before the marks were handed out or acknowledged store nothing of them: nothing is read back.
        left.committed();
        left.lookWhetherStored(stored);
        assertThat(left.takeMarks()).containsExactly(a, b);
        assertThat(left.takeMarks()).isEmpty();
        left.acknowledged(a);
        left.committed();
        left.lookWhetherStored(stored);
        assertThat(stored.reads).isZero();

        // Both acknowledged and committed, but Connect stored only one: the other table is still streamed.
        left.acknowledged(b);
        stored.store(a);
        left.committed();
        left.lookWhetherStored(stored);
        left.lookWhetherStored(stored);
        assertThat(stored.reads).as("read once per commit").isEqualTo(1);
        assertThat(left.kept()).containsExactlyInAnyOrder("public.a", "public.b");
        stored.store(b);
        left.committed();
        left.lookWhetherStored(stored);
        assertThat(left.kept()).isEmpty();
        left.committed();
        left.lookWhetherStored(stored);
        assertThat(stored.reads).as("nothing read once stored").isEqualTo(2);
    }

    @Test
    void marksAcknowledgedButNeverStoredFailTheTaskNamingTheTopicThatDropsThem() {
        // A transform dropping the heartbeat topic's records: commitRecord comes, the offset is never stored.
        SourceRecord a = mark("public.a");
        LeftTables left = new LeftTables(List.of(a), Set.of("public.a"), false, List.of("public.a"));
        Stored stored = new Stored();
        left.lookWhetherStored(stored);
        left.takeMarks();
        left.acknowledged(a);
        // Commits while one poll runs, the first after the acknowledgement: they may have gathered before the marks
        // were committable, whatever their number.
        for (int i = 0; i < 10; i++) {
            left.committed();
        }
        left.lookWhetherStored(stored);
        left.committed();
        left.lookWhetherStored(stored);
        for (int i = 1; i < LeftTables.FAIL_AFTER_COMMITS; i++) {
            left.committed();
            left.lookWhetherStored(stored);
        }
        assertThat(left.kept()).as("still streamed meanwhile").containsExactly("public.a");
        left.committed();
        assertThatThrownBy(() -> left.lookWhetherStored(stored)).isInstanceOf(ConnectException.class)
                .hasMessageContaining("The marks on the copies of public.a (tables no longer captured) were acknowledged "
                        + "by Kafka but are not in the connector's offsets after 14 offset commits: a transform or converter "
                        + "drops the records of topic __adbsync-heartbeat.p");
    }

    @Test
    void aTableThatCannotBeCapturedHoldsTheStreamUntilItsMarkIsStored() {
        SourceRecord a = mark("public.a");
        LeftTables left = new LeftTables(List.of(a), Set.of(), true, List.of("public.a"));
        Stored stored = new Stored();
        assertThat(left.holdsStream()).isTrue();
        left.takeMarks();
        left.acknowledged(a);
        left.committed();
        left.lookWhetherStored(stored);
        assertThat(left.holdsStream()).isTrue();
        stored.store(a);
        left.lookWhetherStored(stored);
        assertThat(left.holdsStream()).as("read back only after a commit").isTrue();
        left.committed();
        left.lookWhetherStored(stored);
        assertThat(left.holdsStream()).isFalse();
    }

    @Test
    void nothingToMarkHoldsNothing() {
        LeftTables none = LeftTables.none();
        Stored stored = new Stored();
        none.committed();
        none.lookWhetherStored(stored);
        assertThat(stored.reads).as("nothing read back").isZero();
        assertThat(none.takeMarks()).isEmpty();
        assertThat(none.holdsStream()).isFalse();
        assertThat(none.kept()).isEmpty();
    }

    @Test
    void theNonceIsReadFromAMarkedOffsetOnly() {
        Map<String, Object> marked = new java.util.HashMap<>(KeyRangePlan.offset(List.of("id"), List.of(), null, false));
        marked.put(LeftTables.OFFSET_LEFT, "5f0c");
        assertThat(LeftTables.nonce(SnapshotOffsets.parse(marked))).isEqualTo("5f0c");
        assertThat(LeftTables.nonce(SnapshotOffsets.parse(KeyRangePlan.offset(List.of("id"), List.of(), null, false)))).isNull();
        assertThat(LeftTables.nonce(null)).isNull();
    }
}
