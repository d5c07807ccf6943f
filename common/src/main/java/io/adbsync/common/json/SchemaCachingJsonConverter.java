package io.adbsync.common.json;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.ConverterConfig;
import org.apache.kafka.connect.storage.ConverterType;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Kafka's JsonConverter, byte for byte, without re-serializing the schema of every record: the envelope's schema part
 * is rendered once per Schema instance and the payload alone is converted per record.
 *
 * <p>Profiling the source showed about three quarters of a task's time in JsonConverter, most of it writing the
 * same schema JSON (a few KB with the envelope's before/after/source structs) again for every record. Sources
 * reuse one Schema instance per table version, so an identity cache holds. Reading is left to JsonConverter.
 */
public final class SchemaCachingJsonConverter implements Converter {

    private static final byte[] SCHEMA_PREFIX = "{\"schema\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PAYLOAD_FIELD = ",\"payload\":".getBytes(StandardCharsets.UTF_8);

    /** Converts as configured: with the envelope when schemas are on; also renders the cached schema parts. */
    private final JsonConverter standard = new JsonConverter();
    /** The same settings without the envelope: its output is exactly the envelope's payload part. */
    private final JsonConverter payloads = new JsonConverter();
    private final Map<Schema, byte[]> schemaParts = new IdentityHashMap<>();
    private int cacheSize = JsonConverterConfig.SCHEMAS_CACHE_SIZE_DEFAULT;
    private boolean schemasEnabled;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        standard.configure(configs, isKey);
        Map<String, Object> withoutEnvelope = new HashMap<>(configs);
        withoutEnvelope.put(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, false);
        payloads.configure(withoutEnvelope, isKey);
        Map<String, Object> typed = new HashMap<>(configs);
        typed.put(ConverterConfig.TYPE_CONFIG, isKey ? ConverterType.KEY.getName() : ConverterType.VALUE.getName());
        JsonConverterConfig config = new JsonConverterConfig(typed);
        schemasEnabled = config.schemasEnabled();
        cacheSize = config.schemaCacheSize();
    }

    @Override
    public ConfigDef config() {
        return JsonConverterConfig.configDef();
    }

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        if (!schemasEnabled || schema == null || value == null) {
            return standard.fromConnectData(topic, schema, value);
        }
        byte[] payload = payloads.fromConnectData(topic, schema, value);
        byte[] schemaPart = schemaPart(topic, schema, value, payload);
        if (schemaPart == null) {
            return standard.fromConnectData(topic, schema, value);
        }
        byte[] out = new byte[SCHEMA_PREFIX.length + schemaPart.length + PAYLOAD_FIELD.length + payload.length + 1];
        int at = put(out, 0, SCHEMA_PREFIX);
        at = put(out, at, schemaPart);
        at = put(out, at, PAYLOAD_FIELD);
        at = put(out, at, payload);
        out[at] = '}';
        return out;
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        return standard.toConnectData(topic, value);
    }

    @Override
    public void close() {
        standard.close();
        payloads.close();
    }

    /**
     * The schema's JSON exactly as JsonConverter writes it inside the envelope: on first sight of a schema, cut from
     * JsonConverter's own envelope of this record around the payload. Null when that envelope has another shape,
     * and the record is then converted by JsonConverter alone.
     */
    private synchronized byte[] schemaPart(String topic, Schema schema, Object value, byte[] payload) {
        byte[] part = schemaParts.get(schema);
        if (part == null) {
            byte[] envelope = standard.fromConnectData(topic, schema, value);
            int end = envelope.length - 1 - payload.length - PAYLOAD_FIELD.length;
            if (end < SCHEMA_PREFIX.length || !startsWith(envelope, SCHEMA_PREFIX)
                    || !Arrays.equals(envelope, end, end + PAYLOAD_FIELD.length, PAYLOAD_FIELD, 0, PAYLOAD_FIELD.length)
                    || !Arrays.equals(envelope, end + PAYLOAD_FIELD.length, envelope.length - 1, payload, 0, payload.length)
                    || envelope[envelope.length - 1] != '}') {
                return null;
            }
            part = Arrays.copyOfRange(envelope, SCHEMA_PREFIX.length, end);
            if (schemaParts.size() >= cacheSize) {
                // Schemas change rarely; starting over is simpler than LRU and as good for that pattern.
                schemaParts.clear();
            }
            schemaParts.put(schema, part);
        }
        return part;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int put(byte[] out, int at, byte[] part) {
        System.arraycopy(part, 0, out, at, part.length);
        return at + part.length;
    }
}
