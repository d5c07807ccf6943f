package io.adbsync.bench;

import java.util.List;
import java.util.Locale;

/** The converter both engines of a comparison write and read records with: the bytes on the topic. */
public enum Format {
    /** JSON with the schema in every record (adbsync's SchemaCachingJsonConverter, Kafka's JsonConverter: the same bytes). */
    JSON("json", "JSON", "JSON with schemas: adbsync's SchemaCachingJsonConverter, Kafka's JsonConverter for Debezium (the same bytes)"),
    /** Avro in Confluent's wire format through the local schema registry, the same converter for both engines. */
    AVRO("avro", "Avro", "Avro: adbsync's RetryingAvroConverter (Apicurio's AvroConverter, schemas resolved once per schema instance) in Confluent's wire format on one local registry, for both engines");

    private final String key;
    private final String title;
    private final String converters;

    Format(String key, String title, String converters) {
        this.key = key;
        this.title = title;
        this.converters = converters;
    }

    /** Name in results.json and on the command line. */
    public String key() {
        return key;
    }

    /** Name in the report. */
    public String title() {
        return title;
    }

    /** The converters each engine ran with, as the report states them. */
    public String converters() {
        return converters;
    }

    /** The formats {@code --format} names: {@code json}, {@code avro} or {@code both} (JSON first). */
    public static List<Format> parseOption(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("both")) {
            return List.of(JSON, AVRO);
        }
        return List.of(ofKey(v));
    }

    /** The format named {@code key} in results.json or on the command line. */
    public static Format ofKey(String key) {
        for (Format format : values()) {
            if (format.key.equals(key)) {
                return format;
            }
        }
        throw new IllegalArgumentException("Unknown format '" + key + "': expected json, avro or both");
    }
}
