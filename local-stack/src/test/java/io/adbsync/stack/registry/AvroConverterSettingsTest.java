package io.adbsync.stack.registry;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AvroConverterSettingsTest {

    private static final String API = "http://127.0.0.1:9999/apis/registry/v2";

    @Test
    void confluentConvertersBecomeApicuriosOnTheLocalRegistryAndEverythingElseStays() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "io.adbsync.source.AdbPgSourceConnector");
        config.put("key.converter", "io.confluent.connect.avro.AvroConverter");
        config.put("key.converter.schema.registry.url", "http://schema-registry:8081");
        config.put("value.converter", "io.confluent.connect.avro.AvroConverter");
        config.put("value.converter.schema.registry.url", "http://schema-registry:8081");
        config.put("producer.override.linger.ms", "20");

        Map<String, String> local = AvroConverterSettings.replacingConfluentConverters(config, API);

        assertThat(local).containsEntry("key.converter", AvroConverterSettings.CONVERTER_CLASS)
                .containsEntry("value.converter", AvroConverterSettings.CONVERTER_CLASS)
                .containsEntry("key.converter.apicurio.registry.url", API)
                .containsEntry("value.converter.apicurio.registry.url", API)
                // Confluent's wire format: the 4-byte id in the payload, not in headers.
                .containsEntry("value.converter.apicurio.registry.id-handler", "io.apicurio.registry.serde.Legacy4ByteIdHandler")
                .containsEntry("value.converter.apicurio.registry.headers.enabled", "false")
                .containsEntry("producer.override.linger.ms", "20")
                .containsEntry("errors.retry.timeout", AvroConverterSettings.RETRY_TIMEOUT_MS)
                .doesNotContainKeys("key.converter.schema.registry.url", "value.converter.schema.registry.url");
    }

    @Test
    void aConfigWithoutConfluentsConverterIsLeftAsItIs() {
        Map<String, String> config = Map.of("value.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable", "true");
        assertThat(AvroConverterSettings.replacingConfluentConverters(config, API)).isEqualTo(config);
    }
}
