package io.adbsync.common.config;

import io.adbsync.common.jdbc.ConnectionConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What both connectors' {@code validate()} do after the ConfigDef's own checks: the connection URL is shown redacted,
 * and the live checks against the database run only on a config whose every value is well-formed (they parse it as
 * the task would, and a malformed value would make them fail for the wrong reason).
 */
public final class ConnectorValidation {

    private ConnectorValidation() {
    }

    /**
     * Finishes {@code validated}, the result of the ConfigDef checks (with any errors a connector adds on its own
     * keys): redacts the connection URL and, when no value has an error, runs {@code liveChecks}, which add their
     * errors to the values, given by name. Returns {@code validated}.
     */
    public static Config withLiveChecks(Config validated, Consumer<Map<String, ConfigValue>> liveChecks) {
        ConnectionConfig.redactUrlIn(validated);
        Map<String, ConfigValue> values = new HashMap<>();
        boolean wellFormed = true;
        for (ConfigValue value : validated.configValues()) {
            values.put(value.name(), value);
            wellFormed &= value.errorMessages().isEmpty();
        }
        if (wellFormed) {
            liveChecks.accept(values);
        }
        return validated;
    }
}
