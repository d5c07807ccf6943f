package io.adbsync.common.contract;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TemporalTextTest {

    /** What the server prints, the source parses and the sink prints again, exactly. */
    @Test
    void everyTextFormRoundTripsThroughTheContractValue() {
        for (String date : List.of("1970-01-01", "2024-02-29", "0001-01-01 BC", "0044-03-15 BC", "4713-11-24 BC",
                "12345-06-07", "5874897-12-31", "infinity", "-infinity")) {
            assertThat(TemporalText.formatDate(TemporalText.parseDate(date))).as(date).isEqualTo(date);
        }
        for (String time : List.of("00:00:00.000000", "13:14:15.123456", "23:59:59.999999", "24:00:00")) {
            assertThat(TemporalText.formatTime(TemporalText.parseTime(time))).as(time).isEqualTo(time);
        }
        for (String ts : List.of("1970-01-01 00:00:00.000001", "1969-12-31 23:59:59.999999", "2024-02-29 13:14:15.123456",
                "0044-03-15 12:00:00.000001 BC", "0001-12-31 23:59:59.999999 BC", "294247-01-09 23:59:59.999999",
                "infinity", "-infinity")) {
            assertThat(TemporalText.formatTimestamp(TemporalText.parseTimestamp(ts))).as(ts).isEqualTo(ts);
        }
        for (String tstz : List.of("2024-02-29 13:14:15.123456+00", "0044-03-15 12:00:00.500000+00 BC", "infinity", "-infinity")) {
            assertThat(TemporalText.formatTimestamptz(TemporalText.parseTimestamptz(tstz))).as(tstz).isEqualTo(tstz);
        }
    }

    @Test
    void contractValuesAreEpochCountsWithSentinelsForInfinity() {
        assertThat(TemporalText.parseDate("1970-01-02")).isEqualTo(1);
        assertThat(TemporalText.parseDate("0001-01-01 BC")).isEqualTo((int) TemporalText.epochDays(LocalDate.of(0, 1, 1)));
        assertThat(TemporalText.parseDate("infinity")).isEqualTo(EventContract.DATE_POSITIVE_INFINITY);
        assertThat(TemporalText.parseTimestamp("-infinity")).isEqualTo(EventContract.TIMESTAMP_NEGATIVE_INFINITY);
        assertThat(TemporalText.parseTimestamp("1969-12-31 23:59:59.999999")).isEqualTo(-1);
        // Offsets are turned into UTC; the sink writes UTC with +00.
        assertThat(TemporalText.parseTimestamptz("2024-02-29 13:14:15+05:30")).isEqualTo("2024-02-29T07:44:15Z");
        assertThat(TemporalText.formatTimestamptz("2024-02-29T07:44:15Z")).isEqualTo("2024-02-29 07:44:15.000000+00");
        assertThat(TemporalText.parseTimestamptz("0044-03-15 12:00:00.5+00 BC")).isEqualTo("-0043-03-15T12:00:00.5Z");
    }
}
