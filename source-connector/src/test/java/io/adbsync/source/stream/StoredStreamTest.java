package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class StoredStreamTest {

    private static final Map<String, String> PARTITION = Map.of("server", "app");
    private static final Lsn WAITED_FOR = new Lsn(1_000);

    private final AtomicReference<Map<String, Object>> storedOffset = new AtomicReference<>();
    private final AtomicInteger offsetReads = new AtomicInteger();
    private final AtomicBoolean nothingInFlight = new AtomicBoolean(true);

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

    private final StoredStream stored = new StoredStream(offsets, PARTITION, nothingInFlight::get);

    private static Map<String, Object> offset(long lsn, long event) {
        return Map.of(ChangeRecordFactory.OFFSET_LSN, lsn, ChangeRecordFactory.OFFSET_EVENT, event);
    }

    private static SourceRecord streamed(long lsn, long event) {
        return new SourceRecord(PARTITION, offset(lsn, event), "app.public.t", null, null);
    }

    @Test
    void nothingHandedOutIsNothingToSendAgain() {
        assertThat(stored.resumesPast(WAITED_FOR)).isTrue();
    }

    @Test
    void recordsInFlightMayStillBeTakenByKafka() {
        nothingInFlight.set(false);
        assertThat(stored.resumesPast(WAITED_FOR)).isFalse();
    }

    @Test
    void recordsKafkaTookPastTheStoredOffsetAreSentAgainUntilItIsStored() {
        storedOffset.set(offset(500, 0));
        stored.sent(streamed(700, 1));
        stored.sent(streamed(700, 2));
        stored.sent(streamed(600, 0));
        assertThat(stored.resumesPast(WAITED_FOR)).as("stored behind what Kafka took").isFalse();

        storedOffset.set(offset(700, 1));
        stored.committed();
        assertThat(stored.resumesPast(WAITED_FOR)).as("the last record's transaction stored in part").isFalse();

        storedOffset.set(offset(700, 2));
        stored.committed();
        assertThat(stored.resumesPast(WAITED_FOR)).as("everything Kafka took stored").isTrue();
    }

    @Test
    void recordsOfOtherSourcePartitionsAreNotTheStreams() {
        storedOffset.set(offset(500, 0));
        stored.sent(new SourceRecord(Map.of("server", "app", "snapshot", "public.t"), offset(900, 0), "app.public.t", null, null));
        assertThat(stored.resumesPast(WAITED_FOR)).isTrue();
    }

    @Test
    void aStoredOffsetAtOrPastThePositionIsEnoughWhateverIsInFlight() {
        storedOffset.set(offset(1_000, 0));
        stored.sent(streamed(1_500, 0));
        nothingInFlight.set(false);
        assertThat(stored.resumesPast(WAITED_FOR)).isTrue();
    }

    @Test
    void theStoredOffsetIsReadOncePerCommit() {
        storedOffset.set(offset(500, 0));
        stored.sent(streamed(700, 0));
        stored.resumesPast(WAITED_FOR);
        storedOffset.set(offset(700, 0));
        assertThat(stored.resumesPast(WAITED_FOR)).as("not read again before a commit").isFalse();
        assertThat(offsetReads).hasValue(1);
        stored.committed();
        assertThat(stored.resumesPast(WAITED_FOR)).isTrue();
        assertThat(offsetReads).hasValue(2);
    }
}
