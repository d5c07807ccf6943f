package io.adbsync.sink.record;

import io.adbsync.common.contract.TemporalText;
import io.adbsync.common.contract.EventContract;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;

class CopyTextTest {

    private static final Schema DATE = SchemaBuilder.int32().name(EventContract.DATE).build();
    private static final Schema TS = SchemaBuilder.int64().name(EventContract.MICRO_TIMESTAMP).build();
    private static final Schema TIME = SchemaBuilder.int64().name(EventContract.MICRO_TIME).build();
    private static final Schema TSTZ = SchemaBuilder.string().name(EventContract.ZONED_TIMESTAMP).build();

    @Test
    void escapesTheCharactersCopyTreatsSpecially() {
        assertThat(CopyText.field(Schema.STRING_SCHEMA, "a\tb\nc\\d\re")).isEqualTo("a\\tb\\nc\\\\d\\re");
        assertThat(CopyText.field(Schema.OPTIONAL_STRING_SCHEMA, null)).isEqualTo("\\N");
        assertThat(CopyText.field(Schema.STRING_SCHEMA, "\\N")).isEqualTo("\\\\N");
    }

    /** Debezium's PostgreSQL connector sends array columns as Connect arrays: written as array literals. */
    @Test
    void arraysAreArrayLiteralsWithEveryElementQuoted() {
        Schema texts = SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build();
        assertThat(CopyText.text(texts, java.util.Arrays.asList("a", null, "q\"uote", "back\\slash", "", "NULL", "{,}")))
                .isEqualTo("{\"a\",NULL,\"q\\\"uote\",\"back\\\\slash\",\"\",\"NULL\",\"{,}\"}");
        assertThat(CopyText.text(SchemaBuilder.array(Schema.INT32_SCHEMA).build(), java.util.List.of())).isEqualTo("{}");
        Schema matrix = SchemaBuilder.array(SchemaBuilder.array(Schema.INT32_SCHEMA).build()).build();
        assertThat(CopyText.text(matrix, java.util.List.of(java.util.List.of(1, 2), java.util.List.of(3, 4))))
                .isEqualTo("{{\"1\",\"2\"},{\"3\",\"4\"}}");
        // Elements keep their own forms (dates from epoch days), and the whole literal is escaped for COPY.
        Schema dates = SchemaBuilder.array(DATE).build();
        assertThat(CopyText.text(dates, java.util.List.of((int) TemporalText.epochDays(LocalDate.of(2024, 2, 29)))))
                .isEqualTo("{\"2024-02-29\"}");
        assertThat(CopyText.field(texts, java.util.List.of("a\\b\tc"))).isEqualTo("{\"a\\\\\\\\b\\tc\"}");
    }

    @Test
    void byteaIsHexWithItsBackslashEscaped() {
        assertThat(CopyText.field(Schema.BYTES_SCHEMA, new byte[]{0, (byte) 0xff, 0x10})).isEqualTo("\\\\x00ff10");
    }

    @Test
    void datesFromEpochDaysIncludingInfinityAndBc() {
        assertThat(CopyText.text(DATE, (int) TemporalText.epochDays(LocalDate.of(2024, 2, 29)))).isEqualTo("2024-02-29");
        assertThat(CopyText.text(DATE, Integer.MAX_VALUE)).isEqualTo("infinity");
        assertThat(CopyText.text(DATE, Integer.MIN_VALUE)).isEqualTo("-infinity");
        // ISO year 0 is 1 BC; ISO year -43 is 44 BC.
        assertThat(CopyText.text(DATE, (int) TemporalText.epochDays(LocalDate.of(0, 1, 1)))).isEqualTo("0001-01-01 BC");
        assertThat(CopyText.text(DATE, (int) TemporalText.epochDays(LocalDate.of(-43, 3, 15)))).isEqualTo("0044-03-15 BC");
        assertThat(CopyText.text(DATE, (int) TemporalText.epochDays(LocalDate.of(12345, 1, 2)))).isEqualTo("12345-01-02");
    }

    @Test
    void timestampsAndTimesKeepMicroseconds() {
        long micros = TemporalText.epochDays(LocalDate.of(1969, 12, 31)) * 86_400_000_000L + 3_723_000_001L;
        assertThat(CopyText.text(TS, micros)).isEqualTo("1969-12-31 01:02:03.000001");
        assertThat(CopyText.text(TS, Long.MAX_VALUE)).isEqualTo("infinity");
        assertThat(CopyText.text(TS, Long.MIN_VALUE)).isEqualTo("-infinity");
        assertThat(CopyText.text(TIME, 86_400_000_000L)).isEqualTo("24:00:00");
        assertThat(CopyText.text(TIME, 45_296_789_012L)).isEqualTo("12:34:56.789012");
    }

    /**
     * Debezium's PostgreSQL connector sends timestamp(0..3) and time(0..3) in milliseconds (io.debezium.time.Timestamp,
     * Time) and, in nanosecond mode, nanoseconds: written as the number they were, a destination column of the time's
     * type refused them, and one made for them (bigint) held 1700000000000 where the source holds a time.
     */
    @Test
    void debeziumMillisecondAndNanosecondTimesAreTimes() {
        Schema millis = SchemaBuilder.int64().name("io.debezium.time.Timestamp").build();
        Schema millisTime = SchemaBuilder.int32().name("io.debezium.time.Time").build();
        Schema nanos = SchemaBuilder.int64().name("io.debezium.time.NanoTimestamp").build();
        Schema nanosTime = SchemaBuilder.int64().name("io.debezium.time.NanoTime").build();
        assertThat(CopyText.text(millis, 1_700_000_000_123L)).isEqualTo("2023-11-14 22:13:20.123000");
        assertThat(CopyText.text(millis, Long.MAX_VALUE)).isEqualTo("infinity");
        // Debezium's ±infinity: pgjdbc's DATE_POSITIVE_INFINITY and _NEGATIVE_ read as microseconds, in milliseconds.
        assertThat(CopyText.text(millis, 9223372036825200L)).isEqualTo("infinity");
        assertThat(CopyText.text(millis, -9223372036832400L)).isEqualTo("-infinity");
        assertThat(CopyText.text(TS, 9223372036825200000L)).isEqualTo("infinity");
        assertThat(CopyText.text(TS, -9223372036832400000L)).isEqualTo("-infinity");
        assertThat(CopyText.text(nanos, Long.MAX_VALUE)).isEqualTo("infinity");
        assertThat(CopyText.text(nanos, Long.MIN_VALUE)).isEqualTo("-infinity");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CopyText.text(
                        SchemaBuilder.int64().name("io.debezium.time.MicroDuration").build(), 1_234_567L))
                .hasMessageContaining("interval.handling.mode=string");
        assertThat(CopyText.text(millisTime, 45_296_789)).isEqualTo("12:34:56.789000");
        assertThat(CopyText.text(nanos, 1_700_000_000_123_456_000L)).isEqualTo("2023-11-14 22:13:20.123456");
        assertThat(CopyText.text(nanosTime, 45_296_789_012_000L)).isEqualTo("12:34:56.789012");
    }

    @Test
    void zonedTimestampsBecomeUtcWithEra() {
        assertThat(CopyText.text(TSTZ, "2024-01-02T03:04:05.123456Z")).isEqualTo("2024-01-02 03:04:05.123456+00");
        assertThat(CopyText.text(TSTZ, "-0043-03-15T12:00:00Z")).isEqualTo("0044-03-15 12:00:00.000000+00 BC");
        assertThat(CopyText.text(TSTZ, "infinity")).isEqualTo("infinity");
    }

    @Test
    void primitivesInTheServersInputForm() {
        assertThat(CopyText.text(Schema.BOOLEAN_SCHEMA, true)).isEqualTo("t");
        assertThat(CopyText.text(Schema.FLOAT64_SCHEMA, Double.NaN)).isEqualTo("NaN");
        assertThat(CopyText.text(Schema.FLOAT32_SCHEMA, Float.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
        assertThat(CopyText.text(Schema.INT64_SCHEMA, Long.MIN_VALUE)).isEqualTo("-9223372036854775808");
    }
}
