package io.adbsync.source.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.replication.LogSequenceNumber;

class LsnTest {

    private static final Lsn BELOW_2_63 = new Lsn(Long.MAX_VALUE);
    private static final Lsn FROM_2_63 = new Lsn(Long.MIN_VALUE);
    private static final Lsn HIGHEST = new Lsn(-1L);

    @Test
    void ordersUnsignedAcrossTheSignBit() {
        assertThat(BELOW_2_63).isLessThan(FROM_2_63);
        assertThat(FROM_2_63).isLessThan(HIGHEST);
        assertThat(new Lsn(0)).isLessThan(BELOW_2_63);
        assertThat(BELOW_2_63.isBefore(FROM_2_63)).isTrue();
        assertThat(FROM_2_63.isAfter(BELOW_2_63)).isTrue();
        assertThat(FROM_2_63.isBefore(FROM_2_63)).isFalse();
        assertThat(FROM_2_63.isAfter(FROM_2_63)).isFalse();
        assertThat(Lsn.max(BELOW_2_63, FROM_2_63)).isEqualTo(FROM_2_63);
        assertThat(Lsn.max(HIGHEST, new Lsn(1))).isEqualTo(HIGHEST);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0/0", "0/1", "16/B374D848", "7FFFFFFF/FFFFFFFF", "80000000/0", "FFFFFFFF/FFFFFFFF"})
    void parsesAndFormatsTheTextPostgresUses(String text) {
        Lsn lsn = Lsn.parse(text);
        assertThat(lsn.toString()).isEqualTo(text);
        assertThat(lsn.toString()).isEqualTo(LogSequenceNumber.valueOf(lsn.value()).asString());
        assertThat(Lsn.parse(lsn.toString())).isEqualTo(lsn);
    }

    @Test
    void readsTheBitsOfEachHalf() {
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF").value()).isEqualTo(-1L);
        assertThat(Lsn.parse("0/0").value()).isZero();
        assertThat(Lsn.parse("1/2").value()).isEqualTo((1L << 32) + 2);
        assertThat(Lsn.parse("80000000/0")).isEqualTo(FROM_2_63);
        assertThat(Lsn.parse("16/b374d848")).isEqualTo(Lsn.parse("16/B374D848"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "0/", "/0", "16B374D848", "1/2/3", "G/0", "-1/0", "+1/0", " 1/0", "1/0 ",
            "100000000/0", "0/100000000", "0x1/0"})
    void rejectsTextThatIsNoLsnNamingIt(String text) {
        assertThatThrownBy(() -> Lsn.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Not a PostgreSQL LSN: '" + text + "' (expected two hexadecimal numbers of up to 8 digits "
                        + "around a slash, as in 16/B374D848)");
    }

    @Test
    void rejectsNoTextAtAll() {
        assertThatThrownBy(() -> Lsn.parse(null)).hasMessageStartingWith("Not a PostgreSQL LSN: 'null'");
    }

    @Test
    void convertsToAndFromPgjdbc() {
        assertThat(HIGHEST.toPgjdbc()).isEqualTo(LogSequenceNumber.valueOf("FFFFFFFF/FFFFFFFF"));
        assertThat(Lsn.of(LogSequenceNumber.valueOf("16/B374D848"))).isEqualTo(Lsn.parse("16/B374D848"));
    }
}
