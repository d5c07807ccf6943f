package io.adbsync.common.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValidatorsTest {

    private static Integer positive(String value) {
        int n = Integer.parseInt(value.trim());
        if (n <= 0) {
            throw new IllegalArgumentException("must be positive, got " + n);
        }
        return n;
    }

    @Test
    void aValueIsValidExactlyWhenTheParserAcceptsItAndTheErrorIsTheParsers() {
        ConfigDef.Validator validator = Validators.parsedBy(ValidatorsTest::positive, "a positive number");
        assertThatCode(() -> validator.ensureValid("n", "7")).doesNotThrowAnyException();
        assertThatThrownBy(() -> validator.ensureValid("n", "-1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("n").hasMessageContaining("must be positive, got -1");
        // Absent values are the default's business, as with Kafka's own validators.
        assertThatCode(() -> validator.ensureValid("n", null)).doesNotThrowAnyException();
        assertThat(validator).hasToString("a positive number");
    }

    @Test
    void listSettingsReachTheParserAsTheirList() {
        ConfigDef.Validator validator = Validators.parsedBy((List<String> entries) -> entries.stream().map(ValidatorsTest::positive)
                .toList(), "positive numbers");
        assertThatCode(() -> validator.ensureValid("ns", List.of("1", "2"))).doesNotThrowAnyException();
        assertThatThrownBy(() -> validator.ensureValid("ns", List.of("1", "0"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("got 0");
    }
}
