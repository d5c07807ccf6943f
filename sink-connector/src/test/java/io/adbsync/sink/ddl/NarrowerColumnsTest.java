package io.adbsync.sink.ddl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class NarrowerColumnsTest {

    @ParameterizedTest(name = "{0} ← {1}: rounds {2}")
    @CsvSource(delimiter = '|', value = {
            "numeric(10,2)|12.34|false",
            "numeric(10,2)|12.3400|false",
            "numeric(10,2)|12.345|true",
            "numeric(10,2)|-0.001|true",
            "numeric(10,2)|NaN|false",
            "numeric(10,2)|Infinity|false",
            "numeric(10)|7|false",
            "numeric(10)|7.5|true",
            "numeric(5,-2)|1200|false",
            "numeric(5,-2)|1250|true",
            "numeric|1.23456789|false",
            "numeric(10,2)[]|{\"1.23\",NULL,\"4\"}|false",
            "numeric(10,2)[]|{{\"1.23\"},{\"1.234\"}}|true",
            "timestamp(0) without time zone[]|{\"2024-01-02 03:04:05.500000\"}|true",
            "text[]|{\"1.23456\"}|false",
            "date|2024-01-02|false",
            "date|2024-01-02 00:00:00.000000|false",
            "date|2024-01-02 13:45:00.000000|true",
            "date|0044-03-15 12:00:00.000000 BC|true",
            "date|2024-01-02 00:00:00+00|false",
            "date|infinity|false",
            "timestamp(0) without time zone|2024-01-02 03:04:05.000000|false",
            "timestamp(0) without time zone|2024-01-02 03:04:05.000001|true",
            "timestamp(3) with time zone|2024-01-02T03:04:05.123Z|false",
            "timestamp(3) with time zone|2024-01-02T03:04:05.1234Z|true",
            "timestamp(3) with time zone|infinity|false",
            "timestamp without time zone|2024-01-02 03:04:05.123456|false",
            "time(2) with time zone|10:00:00.120000+02|false",
            "time(2) without time zone|10:00:00.125000|true",
            "interval(0)|1 day 00:00:00.5|true",
            "interval(0)|1 day 00:00:01|false",
            "interval day to second(3)|P1DT0.0001S|true",
            "text|1.23456|false",
    })
    void roundsOnlyWhatTheColumnCannotKeep(String destinationType, String value, boolean rounds) {
        assertThat(NarrowerColumns.rounds(destinationType, value)).isEqualTo(rounds);
    }
}
