package io.adbsync.sink;

import io.adbsync.common.structure.ConfigKeysNamed;
import io.adbsync.sink.config.SinkConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every setting the sink's messages tell users to set ({@code key=value}) is one its ConfigDef declares, or one of
 * Kafka Connect's or its JSON converter's that the messages name on purpose, or Debezium's source connector's (for
 * topics it wrote).
 */
class ConfigKeysNamedTest {

    private static final Set<String> CONNECT_SETTINGS = Set.of("errors.tolerance", "schemas.enable", "topics.regex",
            "interval.handling.mode");

    @Test
    void everySettingNamedInAMessageIsDeclared() throws IOException {
        assertThat(ConfigKeysNamed.in(Path.of("src/main/java")).keySet())
                .isNotEmpty()
                .allSatisfy(key -> assertThat(CONNECT_SETTINGS.contains(key) || SinkConfig.CONFIG_DEF.names().contains(key))
                        .as("%s is a setting of the sink connector or of Kafka Connect", key).isTrue());
    }
}
