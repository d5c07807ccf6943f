package io.adbsync.sink.config;

import io.adbsync.common.config.ConfigDocsCheck;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

class SinkConfigDocsTest {

    @Test
    void theConfigReferenceInDocsIsGeneratedFromTheConfigDef() throws Exception {
        ConfigDocsCheck.check(Path.of("../docs/config/sink-connector.md"), "Sink connector configuration",
                "Settings of `io.adbsync.sink.AdbPgSinkConnector`, by group. Connect's own sink settings (`topics`, "
                        + "`topics.regex`, `errors.*`, `consumer.override.*`) apply as usual.", SinkConfig.CONFIG_DEF);
    }
}
