package io.adbsync.source.types;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Type names with modifiers as {@code format_type(oid, typmod)} prints them; typmods as the server stores them. */
class TypeModifiersTest {

    private static int numericTypmod(int precision, int scale) {
        return ((precision << 16) | (scale & 0x7FF)) + 4;
    }

    private static int intervalTypmod(int rangeMask, int precision) {
        return (rangeMask << 16) | precision;
    }

    @Test
    void withoutModifierTheBareNameAndBpcharForUnsizedCharacter() {
        assertThat(TypeModifiers.format(1700, "numeric", -1)).isEqualTo("numeric");
        assertThat(TypeModifiers.format(1042, "character", -1)).isEqualTo("bpchar");
        assertThat(TypeModifiers.format(1186, "interval", -1)).isEqualTo("interval");
    }

    @Test
    void numericPrecisionAndScaleIncludingNegativeScale() {
        assertThat(TypeModifiers.format(1700, "numeric", numericTypmod(10, 2))).isEqualTo("numeric(10,2)");
        assertThat(TypeModifiers.format(1700, "numeric", numericTypmod(5, -2))).isEqualTo("numeric(5,-2)");
        assertThat(TypeModifiers.format(1700, "numeric", numericTypmod(3, 5))).isEqualTo("numeric(3,5)");
        assertThat(TypeModifiers.format(1700, "numeric", numericTypmod(1000, -1000))).isEqualTo("numeric(1000,-1000)");
        assertThat(TypeModifiers.format(1700, "numeric", 1000 << 16 | 4 + 0)).isEqualTo("numeric(1000,0)");
    }

    @Test
    void characterBitAndTimePrecisions() {
        assertThat(TypeModifiers.format(1042, "character", 9)).isEqualTo("character(5)");
        assertThat(TypeModifiers.format(1043, "character varying", 24)).isEqualTo("character varying(20)");
        assertThat(TypeModifiers.format(1560, "bit", 4)).isEqualTo("bit(4)");
        assertThat(TypeModifiers.format(1562, "bit varying", 8)).isEqualTo("bit varying(8)");
        assertThat(TypeModifiers.format(1083, "time without time zone", 0)).isEqualTo("time(0) without time zone");
        assertThat(TypeModifiers.format(1266, "time with time zone", 3)).isEqualTo("time(3) with time zone");
        assertThat(TypeModifiers.format(1114, "timestamp without time zone", 6)).isEqualTo("timestamp(6) without time zone");
        assertThat(TypeModifiers.format(1184, "timestamp with time zone", 2)).isEqualTo("timestamp(2) with time zone");
    }

    @Test
    void intervalFieldsAndPrecision() {
        int year = 1 << 2;
        int month = 1 << 1;
        int day = 1 << 3;
        int hour = 1 << 10;
        int minute = 1 << 11;
        int second = 1 << 12;
        assertThat(TypeModifiers.format(1186, "interval", intervalTypmod(0x7FFF, 3))).isEqualTo("interval(3)");
        assertThat(TypeModifiers.format(1186, "interval", intervalTypmod(year | month, 0xFFFF))).isEqualTo("interval year to month");
        assertThat(TypeModifiers.format(1186, "interval", intervalTypmod(day | hour | minute | second, 3)))
                .isEqualTo("interval day to second(3)");
        assertThat(TypeModifiers.format(1186, "interval", intervalTypmod(minute | second, 0))).isEqualTo("interval minute to second(0)");
        assertThat(TypeModifiers.format(1186, "interval", intervalTypmod(second, 0xFFFF))).isEqualTo("interval second");
        assertThat(TypeModifiers.format(1186, "interval", intervalTypmod(hour, 0xFFFF))).isEqualTo("interval hour");
    }

    @Test
    void typesWithoutModifierSyntaxKeepTheirName() {
        assertThat(TypeModifiers.format(25, "text", 10)).isEqualTo("text");
    }
}
