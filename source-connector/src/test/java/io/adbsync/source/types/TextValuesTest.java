package io.adbsync.source.types;

import io.adbsync.common.contract.TemporalText;
import io.adbsync.common.contract.EventContract;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Text forms as the replication session prints them (DateStyle ISO, TimeZone UTC, bytea hex, extra_float_digits 3). */
class TextValuesTest {

    private static long days(int year, int month, int day) {
        return ChronoUnit.DAYS.between(LocalDate.of(1970, 1, 1), LocalDate.of(year, month, day));
    }

    @Test
    void moneyTravelsAsAPlainDecimalAndAnotherLocalesFormIsRefused() {
        assertThat(TextValues.parse(ValueKind.MONEY, "-$1,234,567.89")).isEqualTo("-1234567.89");
        assertThat(TextValues.parse(ValueKind.MONEY, "$0.07")).isEqualTo("0.07");
        assertThat(TextValues.parse(ValueKind.MONEY, "-$92,233,720,368,547,758.08")).isEqualTo("-92233720368547758.08");
        assertThatThrownBy(() -> TextValues.parse(ValueKind.MONEY, "-1.234,56 €"))
                .hasMessage("money must arrive in the C locale's form (lc_monetary=C), e.g. -$1,234.56, got: -1.234,56 €");
    }

    @Test
    void numericTravelsAsItsTextSoNaNInfinitiesAndNegativeScaleSurvive() {
        for (String text : new String[] {"NaN", "Infinity", "-Infinity", "12300", "-0.000001", "123456789012345678901234567890.123456789"}) {
            assertThat(TextValues.parse(ValueKind.TEXT, text)).isEqualTo(text);
        }
    }

    @Test
    void floatsKeepNaNInfinitiesAndTheirExactValue() {
        assertThat((Float) TextValues.parse(ValueKind.FLOAT32, "NaN")).isNaN();
        assertThat(TextValues.parse(ValueKind.FLOAT32, "-Infinity")).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(TextValues.parse(ValueKind.FLOAT32, "1.10000002")).isEqualTo(1.1f);
        assertThat(TextValues.parse(ValueKind.FLOAT64, "Infinity")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(TextValues.parse(ValueKind.FLOAT64, "0.10000000000000001")).isEqualTo(0.1d);
        assertThat(TextValues.parse(ValueKind.FLOAT64, "-0")).isEqualTo(-0.0d);
    }

    @Test
    void integersAndBooleans() {
        assertThat(TextValues.parse(ValueKind.INT16, "-32768")).isEqualTo((short) -32768);
        assertThat(TextValues.parse(ValueKind.INT64, "4294967295")).isEqualTo(4294967295L);
        assertThat(TextValues.parse(ValueKind.BOOLEAN, "t")).isEqualTo(true);
        assertThat(TextValues.parse(ValueKind.BOOLEAN, "f")).isEqualTo(false);
        assertThatThrownBy(() -> TextValues.parse(ValueKind.BOOLEAN, "true")).hasMessageContaining("true");
    }

    @Test
    void byteaInHexOnly() {
        assertThat(TextValues.bytea("\\xdeadbeef00")).containsExactly(0xde, 0xad, 0xbe, 0xef, 0x00);
        assertThat(TextValues.bytea("\\x")).isEmpty();
        assertThatThrownBy(() -> TextValues.bytea("\\336\\255")).hasMessageContaining("bytea_output=hex");
    }

    @Test
    void datesIncludingInfinitiesBcAndFarFuture() {
        assertThat(TemporalText.parseDate("1970-01-01")).isZero();
        assertThat(TemporalText.parseDate("2024-02-29")).isEqualTo(days(2024, 2, 29));
        assertThat(TemporalText.parseDate("infinity")).isEqualTo(EventContract.DATE_POSITIVE_INFINITY);
        assertThat(TemporalText.parseDate("-infinity")).isEqualTo(EventContract.DATE_NEGATIVE_INFINITY);
        // 44 BC is ISO year -43: there is no year 0 in PostgreSQL's calendar.
        assertThat(TemporalText.parseDate("0044-03-15 BC")).isEqualTo(days(-43, 3, 15));
        assertThat(TemporalText.parseDate("0001-01-01 BC")).isEqualTo(days(0, 1, 1));
        assertThat(TemporalText.parseDate("12345-06-07")).isEqualTo(days(12345, 6, 7));
    }

    @Test
    void timesInMicrosecondsIncludingTheEndOfDay() {
        assertThat(TemporalText.parseTime("00:00:00")).isZero();
        assertThat(TemporalText.parseTime("13:14:15.123456")).isEqualTo(((13 * 60 + 14) * 60 + 15) * 1_000_000L + 123_456);
        assertThat(TemporalText.parseTime("24:00:00")).isEqualTo(86_400_000_000L);
    }

    @Test
    void timestampsInMicrosecondsWithInfinitiesAndBc() {
        assertThat(TemporalText.parseTimestamp("1970-01-01 00:00:00.000001")).isEqualTo(1);
        assertThat(TemporalText.parseTimestamp("1969-12-31 23:59:59.999999")).isEqualTo(-1);
        assertThat(TemporalText.parseTimestamp("2024-02-29 13:14:15.123456"))
                .isEqualTo(days(2024, 2, 29) * 86_400_000_000L + ((13 * 60 + 14) * 60 + 15) * 1_000_000L + 123_456);
        assertThat(TemporalText.parseTimestamp("0044-03-15 12:00:00.000001 BC"))
                .isEqualTo(days(-43, 3, 15) * 86_400_000_000L + 12 * 3_600_000_000L + 1);
        assertThat(TemporalText.parseTimestamp("infinity")).isEqualTo(EventContract.TIMESTAMP_POSITIVE_INFINITY);
        assertThat(TemporalText.parseTimestamp("-infinity")).isEqualTo(EventContract.TIMESTAMP_NEGATIVE_INFINITY);
    }

    @Test
    void timestamptzBecomesIsoInUtc() {
        assertThat(TemporalText.parseTimestamptz("2024-02-29 13:14:15.123456+00")).isEqualTo("2024-02-29T13:14:15.123456Z");
        assertThat(TemporalText.parseTimestamptz("2024-02-29 13:14:15+05:30")).isEqualTo("2024-02-29T07:44:15Z");
        assertThat(TemporalText.parseTimestamptz("2024-01-01 00:00:00-01")).isEqualTo("2024-01-01T01:00:00Z");
        assertThat(TemporalText.parseTimestamptz("0044-03-15 12:00:00.5+00 BC")).isEqualTo("-0043-03-15T12:00:00.5Z");
        assertThat(TemporalText.parseTimestamptz("infinity")).isEqualTo("infinity");
        assertThat(TemporalText.parseTimestamptz("-infinity")).isEqualTo("-infinity");
    }

    @Test
    void intervalsAndOtherTextTypesAreUnchanged() {
        assertThat(TextValues.parse(ValueKind.INTERVAL, "P1Y2M3DT4H5M6.789012S")).isEqualTo("P1Y2M3DT4H5M6.789012S");
        assertThat(TextValues.parse(ValueKind.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    }
}
