package io.adbsync.source;

import io.adbsync.common.structure.ConfigKeysNamed;
import io.adbsync.source.config.SourceConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Every setting the source's messages tell users to set ({@code key=value}) is one its ConfigDef declares. */
class ConfigKeysNamedTest {

    @Test
    void everySettingNamedInAMessageIsDeclared() throws IOException {
        assertThat(ConfigKeysNamed.in(Path.of("src/main/java")).keySet())
                .isNotEmpty()
                .allSatisfy(key -> assertThat(SourceConfig.CONFIG_DEF.names()).as("settings of the source connector")
                        .contains(key));
    }
}
