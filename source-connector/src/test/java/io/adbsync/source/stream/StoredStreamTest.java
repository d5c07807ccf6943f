package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class StoredStreamTest {

    private static final Map<String, String> PARTITION = Map.of("server", "app");
    private static final Lsn WAITED_FOR = new Lsn(1_000);

    private final AtomicReference<Map<String, Object>> storedOffset = new AtomicReference<>();
    private final AtomicInteger offsetReads = new AtomicInteger();
    private final AtomicReference<Optional<StreamPosition>> emitted = new AtomicReference<>(Optional.empty());
    private final AtomicReference<Optional<Lsn>> slotConfirmed = new AtomicReference<>(Optional.empty());
    private final AtomicInteger slotReads = new AtomicInteger();

    private final OffsetStorageReader offsets = new OffsetStorageReader() {
        @Override
        public <T> Map<String, Object> offset(Map<String, T> partition) {
            offsetReads.incrementAndGet();
            return partition.equals(PARTITION) ? storedOffset.get() : null;
        }

        @Override
        public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
            throw new UnsupportedOperationException();
        }
    };

    private final StoredStream stored = new StoredStream(offsets, PARTITION, emitted::get, () -> {
        slotReads.incrementAndGet();
        return slotConfirmed.get();
    });

    private static Map<String, Object> offset(long lsn, long event) {
        return Map.of(ChangeRecordFactory.OFFSET_LSN, lsn, ChangeRecordFactory.OFFSET_EVENT, event);
    }

    @Test
    void nothingHandedOutIsNothingToSendAgain() throws Exception {
        assertThat(stored.resumesPast(WAITED_FOR, 0)).isTrue();
    }

    @Test
    void recordsHandedOutPastTheStoredOffsetAreSentAgainUntilItIsStored() throws Exception {
        storedOffset.set(offset(500, 0));
        emitted.set(Optional.of(new StreamPosition(new Lsn(700), 2)));
        assertThat(stored.resumesPast(WAITED_FOR, 0)).as("stored behind what was handed out").isFalse();

        storedOffset.set(offset(700, 1));
        stored.committed();
        assertThat(stored.resumesPast(WAITED_FOR, 0)).as("the last record's transaction stored in part").isFalse();

        storedOffset.set(offset(700, 2));
        stored.committed();
        assertThat(stored.resumesPast(WAITED_FOR, 0)).as("everything handed out stored").isTrue();
    }

    @Test
    void aStoredOffsetAtOrPastThePositionIsEnoughWhateverCameAfter() throws Exception {
        storedOffset.set(offset(1_000, 0));
        emitted.set(Optional.of(new StreamPosition(new Lsn(1_500), 0)));
        assertThat(stored.resumesPast(WAITED_FOR, 0)).isTrue();
    }

    @Test
    void theStoredOffsetIsReadOncePerCommit() throws Exception {
        storedOffset.set(offset(500, 0));
        emitted.set(Optional.of(new StreamPosition(new Lsn(700), 0)));
        stored.resumesPast(WAITED_FOR, 0);
        storedOffset.set(offset(700, 0));
        assertThat(stored.resumesPast(WAITED_FOR, 0)).as("not read again before a commit").isFalse();
        assertThat(offsetReads).hasValue(1);
        stored.committed();
        assertThat(stored.resumesPast(WAITED_FOR, 0)).isTrue();
        assertThat(offsetReads).hasValue(2);
    }

    @Test
    void theSlotConfirmedPastThePositionIsEnoughWhenNoOffsetIsStored() throws Exception {
        emitted.set(Optional.of(new StreamPosition(new Lsn(1_200), 0)));
        slotConfirmed.set(Optional.of(new Lsn(999)));
        assertThat(stored.resumesPast(WAITED_FOR, 0)).as("confirmed short of it").isFalse();
        slotConfirmed.set(Optional.of(new Lsn(1_000)));
        assertThat(stored.resumesPast(WAITED_FOR, 500)).as("not read again within a second").isFalse();
        assertThat(stored.resumesPast(WAITED_FOR, 1_000)).isTrue();
        assertThat(slotReads).hasValue(2);
    }
}
