package io.adbsync.stack.registry;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Connector settings for Avro through the local registry: Apicurio's converter (in adbsync's retrying wrapper)
 * configured to write Confluent's wire format (magic byte, 4-byte schema id, Avro binary), so a consumer using
 * Confluent's deserializer against the registry's Confluent-compatible API reads what it wrote. Also turns a config written for Confluent's converter
 * (config/*-avro.json, docker-compose) into one for this stack, which cannot have Confluent's (not on Maven Central).
 */
public final class AvroConverterSettings {

    /** Apicurio's AvroConverter whose registry outages are retriable (the avro-converter module). */
    public static final String CONVERTER_CLASS = "io.adbsync.converter.RetryingAvroConverter";
    /**
     * How long Connect retries a conversion the registry's absence made fail, before the task fails: a registry
     * restart or a network blip holds the task up instead of stopping it. Under the consumer's default
     * max.poll.interval.ms (5 minutes), past which a sink task held up would be put out of its group.
     */
    static final String RETRY_TIMEOUT_MS = "240000";
    static final String CONFLUENT_CONVERTER_CLASS = "io.confluent.connect.avro.AvroConverter";

    private AvroConverterSettings() {
    }

    /** {@code key.converter} and {@code value.converter} with their settings for the registry at {@code registryApiUrl}. */
    public static Map<String, String> forConnector(String registryApiUrl) {
        Map<String, String> config = new LinkedHashMap<>();
        for (String converter : new String[] {"key.converter", "value.converter"}) {
            config.put(converter, CONVERTER_CLASS);
            config.putAll(settings(converter, registryApiUrl));
        }
        config.putAll(retries());
        return config;
    }

    /** Connect's retry of retriable conversion failures (none by default), as long as a registry restart may take. */
    private static Map<String, String> retries() {
        return Map.of("errors.retry.timeout", RETRY_TIMEOUT_MS, "errors.retry.delay.max.ms", "5000");
    }

    /**
     * {@code config} with every converter set to Confluent's AvroConverter replaced by Apicurio's on
     * {@code registryApiUrl}; the {@code schema.registry.url} of those converters is dropped (it named the other
     * registry), and Connect's retry of conversions is set unless the config sets it. Everything else is kept as it is.
     */
    public static Map<String, String> replacingConfluentConverters(Map<String, String> config, String registryApiUrl) {
        Map<String, String> result = new LinkedHashMap<>(config);
        for (String converter : new String[] {"key.converter", "value.converter"}) {
            if (CONFLUENT_CONVERTER_CLASS.equals(config.get(converter))) {
                result.put(converter, CONVERTER_CLASS);
                result.remove(converter + ".schema.registry.url");
                result.putAll(settings(converter, registryApiUrl));
                retries().forEach(result::putIfAbsent);
            }
        }
        return result;
    }

    private static Map<String, String> settings(String converter, String registryApiUrl) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(converter + ".apicurio.registry.url", registryApiUrl);
        settings.put(converter + ".apicurio.registry.auto-register", "true");
        // Confluent's wire format: a 4-byte id in the payload (Apicurio's default is 8 bytes, or headers).
        settings.put(converter + ".apicurio.registry.id-handler", "io.apicurio.registry.serde.Legacy4ByteIdHandler");
        settings.put(converter + ".apicurio.registry.use-id", "contentId");
        settings.put(converter + ".apicurio.registry.headers.enabled", "false");
        return settings;
    }
}
