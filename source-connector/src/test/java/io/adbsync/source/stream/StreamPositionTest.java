package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link StreamPosition}: the stored offset's round trip and which records a resumed stream skips. */
class StreamPositionTest {

    private static final long COMMIT = 0x16B3_7F28L;

    @Test
    void anOffsetReadsBackAsThePositionItWasWrittenFrom() {
        StreamPosition position = new StreamPosition(new Lsn(COMMIT), 9);
        assertThat(StreamPosition.fromOffset(ChangeRecordFactory.offset(position.commitLsn(), position.event())))
                .contains(position);
        // Connect's offset store may read small numbers back as Integer.
        assertThat(StreamPosition.fromOffset(Map.of("lsn", 4096, "event", 3))).contains(new StreamPosition(new Lsn(4096), 3));
    }

    @Test
    void noStoredOffsetMeansNoPosition() {
        assertThat(StreamPosition.fromOffset(null)).isEmpty();
        assertThat(StreamPosition.fromOffset(Map.of())).isEmpty();
    }

    @Test
    void malformedOffsetsAreRefusedNamingWhatIsWrong() {
        assertThatThrownBy(() -> StreamPosition.fromOffset(Map.of("lsn", COMMIT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("A source offset's field 'event' must be a whole number, got nothing (the field is missing) in {lsn="
                        + COMMIT + "}");
        Map<String, Object> text = new HashMap<>();
        text.put("lsn", "0/16B37F28");
        text.put("event", 0);
        assertThatThrownBy(() -> StreamPosition.fromOffset(text))
                .hasMessageStartingWith("A source offset's field 'lsn' must be a whole number, got 0/16B37F28 (String) in ");
        assertThatThrownBy(() -> StreamPosition.fromOffset(Map.of("lsn", 0L, "event", 0L)))
                .hasMessage("The offset's 'lsn' must be a positive LSN, got 0");
        assertThatThrownBy(() -> StreamPosition.fromOffset(Map.of("lsn", -5L, "event", 0L)))
                .hasMessage("The offset's 'lsn' must be a positive LSN, got -5");
    }

    @Test
    void recordsAtOrBeforeThePositionAreCoveredAndLaterOnesAreNot() {
        StreamPosition at = new StreamPosition(new Lsn(COMMIT), 9);
        assertThat(at.covers(new Lsn(COMMIT - 1), 1_000)).as("every record of an earlier transaction").isTrue();
        assertThat(at.covers(new Lsn(COMMIT), 0)).isTrue();
        assertThat(at.covers(new Lsn(COMMIT), 9)).as("the position's own record").isTrue();
        assertThat(at.covers(new Lsn(COMMIT), 10)).isFalse();
        assertThat(at.covers(new Lsn(COMMIT + 1), 0)).as("a later transaction's first record").isFalse();
    }

    @Test
    void lsnsCompareAsWholePositionsAcrossTheLogFileBoundary() {
        // 0/FFFFFFFF lies before 1/0: comparing either half alone, or as an int, would get it the wrong way round.
        Lsn before = Lsn.parse("0/FFFFFFFF");
        Lsn after = Lsn.parse("1/0");
        assertThat(new StreamPosition(after, 0).covers(before, 5)).isTrue();
        assertThat(new StreamPosition(before, 5).covers(after, 0)).isFalse();
        Lsn high = Lsn.parse("7FFFFFFF/FFFFFF00");
        assertThat(new StreamPosition(high, 0).covers(after, 0)).isTrue();
        assertThat(new StreamPosition(after, 0).covers(high, 0)).isFalse();
        assertThat(StreamPosition.fromOffset(Map.of("lsn", high.value(), "event", 0L)).orElseThrow().commitLsn()).isEqualTo(high);
        // From 2^63 on the bits are negative as a long: a signed comparison would put such a position before 0/1.
        Lsn top = Lsn.parse("80000000/10");
        assertThat(new StreamPosition(top, 0).covers(high, 0)).isTrue();
        assertThat(new StreamPosition(high, 0).covers(top, 0)).isFalse();
    }

    @Test
    void everyChangeHasRoomForItsRecordsAndOldEmittedCountIndicesNeverExceedTheNewOnes() {
        assertThat(StreamPosition.firstEventOf(0)).isZero();
        assertThat(StreamPosition.firstEventOf(3)).isEqualTo(3L * StreamPosition.RECORDS_PER_CHANGE);
        // A key change yields the most records: delete, tombstone, create.
        assertThat(StreamPosition.firstEventOf(0) + 2).isLessThan(StreamPosition.firstEventOf(1));

        // Offsets of older versions counted emitted records: resuming from one may repeat but never skip a record.
        int[] recordsPerChange = {3, 0, 1, 2, 3, 3, 0, 0, 1, 3, 2};
        long emitted = 0;
        for (int change = 0; change < recordsPerChange.length; change++) {
            for (int part = 0; part < recordsPerChange[change]; part++) {
                long index = StreamPosition.firstEventOf(change) + part;
                assertThat(emitted).isLessThanOrEqualTo(index);
                StreamPosition old = new StreamPosition(new Lsn(COMMIT), emitted - 1);
                assertThat(old.covers(new Lsn(COMMIT), index)).as("record %d of change %d", part, change).isFalse();
                emitted++;
            }
        }
    }
}
