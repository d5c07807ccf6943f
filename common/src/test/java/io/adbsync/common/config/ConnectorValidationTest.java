package io.adbsync.common.config;

import io.adbsync.common.jdbc.ConnectionConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectorValidationTest {

    private static final ConfigDef DEF = ConnectionConfig.define(new ConfigDef(), "test")
            .define("batch.size", ConfigDef.Type.INT, 10, ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, "rows");

    private static Config validated(String url, String batchSize) {
        return new Config(DEF.validate(Map.of(ConnectionConfig.URL, url, ConnectionConfig.USER, "u", "batch.size", batchSize)));
    }

    private static ConfigValue value(Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aWellFormedConfigGoesToTheLiveChecksWhichPutTheirErrorsOnItsValues() {
        AtomicReference<Map<String, ConfigValue>> seen = new AtomicReference<>();
        Config result = ConnectorValidation.withLiveChecks(validated("jdbc:postgresql://db/app", "5"), values -> {
            seen.set(values);
            values.get(ConnectionConfig.USER).addErrorMessage("may not log in");
        });
        assertThat(seen.get()).containsKeys(ConnectionConfig.URL, ConnectionConfig.USER, "batch.size");
        assertThat(value(result, ConnectionConfig.USER).errorMessages()).containsExactly("may not log in");
    }

    @Test
    void aMalformedValueOrAnErrorTheConnectorAddedKeepsTheLiveChecksFromRunning() {
        AtomicReference<Map<String, ConfigValue>> seen = new AtomicReference<>();
        Config malformed = ConnectorValidation.withLiveChecks(validated("jdbc:postgresql://db/app", "0"), seen::set);
        assertThat(seen.get()).isNull();
        assertThat(value(malformed, "batch.size").errorMessages()).isNotEmpty();

        Config added = validated("jdbc:postgresql://db/app", "5");
        added.configValues().add(new ConfigValue("other.key", "x", new ArrayList<>(), new ArrayList<>(List.of("bad"))));
        ConnectorValidation.withLiveChecks(added, seen::set);
        assertThat(seen.get()).isNull();
    }

    @Test
    void theUrlIsShownRedacted() {
        AtomicReference<Map<String, ConfigValue>> seen = new AtomicReference<>();
        Config result = ConnectorValidation.withLiveChecks(validated("jdbc:postgresql://db/app?password=secret", "5"), seen::set);
        assertThat(value(result, ConnectionConfig.URL).errorMessages()).isNotEmpty();
        assertThat((String) value(result, ConnectionConfig.URL).value()).isEqualTo("jdbc:postgresql://db/app?password=****");
        assertThat(seen.get()).isNull();
    }
}
