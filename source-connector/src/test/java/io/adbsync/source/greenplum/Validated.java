package io.adbsync.source.greenplum;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Reading a {@code validate()} result the way a user sees it: the keys with errors, and one key's value. */
final class Validated {

    private Validated() {
    }

    /** Every key with errors, and its messages. */
    static Map<String, List<String>> errors(Config validated) {
        return validated.configValues().stream().filter(v -> !v.errorMessages().isEmpty())
                .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    }

    static ConfigValue value(Config validated, String key) {
        return validated.configValues().stream().filter(v -> v.name().equals(key)).findFirst().orElseThrow();
    }
}
