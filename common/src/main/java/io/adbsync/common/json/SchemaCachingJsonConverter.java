package io.adbsync.common.json;

import io.adbsync.common.cache.IdentityMemo;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.DecimalFormat;
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
 * Kafka's JsonConverter, byte for byte, without writing or parsing the schema of every record: the envelope's schema
 * part is rendered once per Schema instance, and read once per distinct schema text; per record only the payload is
 * converted, and written straight to a generator rather than through a tree of JsonNodes.
 *
 * <p>Profiling showed about three quarters of a source task's time in JsonConverter, most of it writing the same
 * schema JSON (a few KB with the envelope's before/after/source structs) again for every record, and two thirds of a
 * sink task's time parsing it back into a tree and hashing that tree to find the cached Connect schema. Sources reuse
 * one Schema instance per table version, so an identity cache holds for writing; for reading, the schema's bytes
 * are the key and a JsonConverter configured with that schema ({@code schema.content}) converts the payload alone.
 * Anything not laid out as JsonConverter writes it (other field order, whitespace) goes to JsonConverter whole.
 *
 * <p>Unlike JsonConverter, it reads float fields holding NaN, Infinity, -Infinity and -0.0 back as those values
 * (JsonConverter writes them correctly and reads them as 0.0); see {@link SpecialFloats}.
 */
public final class SchemaCachingJsonConverter implements Converter {

    private static final byte[] SCHEMA_PREFIX = "{\"schema\":".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PAYLOAD_FIELD = ",\"payload\":".getBytes(StandardCharsets.UTF_8);

    /** Converts as configured: with the envelope when schemas are on; also renders the cached schema parts. */
    private final JsonConverter standard = new JsonConverter();
    /** The same settings without the envelope: its output is exactly the envelope's payload part. */
    private final JsonConverter payloads = new JsonConverter();
    private final Map<Schema, SchemaPart> schemaParts = new IdentityHashMap<>();
    /**
     * The schema written last and its part, read without the lock: records of a table come in runs (a snapshot chunk,
     * a transaction), and profiling a snapshot showed a tenth of the task thread in the locked map lookup.
     */
    private volatile WrittenLast writtenLast;
    private PayloadWriter writer = new PayloadWriter(false, true);
    private final Map<SchemaText, Reader> readers = new HashMap<>();
    /** The reader of the record read last. */
    private Reader last;
    private Map<String, Object> readerConfigs = Map.of();
    private int cacheSize = JsonConverterConfig.SCHEMAS_CACHE_SIZE_DEFAULT;
    private boolean schemasEnabled;
    /** Set when the user gave schema.content: records then carry no envelope, and JsonConverter reads them as they are. */
    private boolean fixedSchema;
    private boolean isKey;
    /** Whether a schema has a float anywhere, by schema identity: records of several topics interleave. */
    private final IdentityMemo<Schema, Boolean> floatSchemas = new IdentityMemo<>(256, SpecialFloats::hasFloats);

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
        writer = new PayloadWriter(config.decimalFormat() == DecimalFormat.NUMERIC, config.replaceNullWithDefault());
        fixedSchema = config.schemaContent() != null;
        cacheSize = config.schemaCacheSize();
        this.isKey = isKey;
        Map<String, Object> reading = new HashMap<>(configs);
        reading.put(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, true);
        readerConfigs = reading;
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
        WrittenLast recent = writtenLast;
        SchemaPart part = recent != null && recent.schema() == schema ? recent.part() : schemaPart(topic, schema, value);
        if (part == null) {
            return standard.fromConnectData(topic, schema, value);
        }
        byte[] payload = part.direct() ? direct(schema, value) : null;
        if (payload == null) {
            payload = payloads.fromConnectData(topic, schema, value);
        }
        byte[] out = new byte[SCHEMA_PREFIX.length + part.bytes().length + PAYLOAD_FIELD.length + payload.length + 1];
        int at = put(out, 0, SCHEMA_PREFIX);
        at = put(out, at, part.bytes());
        at = put(out, at, PAYLOAD_FIELD);
        at = put(out, at, payload);
        out[at] = '}';
        return out;
    }

    /** The payload from the direct writer, or null where it does not mirror JsonConverter for this value. */
    private byte[] direct(Schema schema, Object value) {
        try {
            return writer.write(schema, value);
        } catch (PayloadWriter.Unsupported e) {
            return null;
        }
    }

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        SchemaAndValue read = read(topic, value);
        // JsonConverter reads NaN, Infinity and -0.0 as 0.0; what this converter wrote, it reads back as written.
        if (read.schema() == null || read.value() == null || !hasFloats(read.schema()) || !SpecialFloats.mayHold(value)) {
            return read;
        }
        return SpecialFloats.restore(read, value, schemasEnabled && !fixedSchema);
    }

    private boolean hasFloats(Schema schema) {
        return floatSchemas.get(schema);
    }

    private SchemaAndValue read(String topic, byte[] value) {
        if (!schemasEnabled || fixedSchema || value == null || !startsWith(value, SCHEMA_PREFIX)) {
            return standard.toConnectData(topic, value);
        }
        Reader known = lastIfLeading(value);
        int schemaEnd = known != null ? SCHEMA_PREFIX.length + known.schema().bytes.length
                : objectEnd(value, SCHEMA_PREFIX.length);
        int payloadStart = schemaEnd + PAYLOAD_FIELD.length;
        if (schemaEnd < 0 || payloadStart >= value.length || value[value.length - 1] != '}'
                || !Arrays.equals(value, schemaEnd, payloadStart, PAYLOAD_FIELD, 0, PAYLOAD_FIELD.length)
                || objectEnd(value, payloadStart) != value.length - 1) {
            // Not JsonConverter's layout, or a payload that is not one object or array (null, a number, a string, or
            // more after it): JsonConverter decides what it means.
            return standard.toConnectData(topic, value);
        }
        JsonConverter reader = known != null ? known.converter() : reader(value, SCHEMA_PREFIX.length, schemaEnd);
        return reader.toConnectData(topic, Arrays.copyOfRange(value, payloadStart, value.length - 1));
    }

    /**
     * The reader of the schema last read when the record starts with that schema followed by the payload field (the
     * common case: a topic's records share one schema), found by comparing bytes instead of scanning; null otherwise.
     */
    private synchronized Reader lastIfLeading(byte[] value) {
        if (last == null) {
            return null;
        }
        byte[] schema = last.schema().bytes;
        int end = SCHEMA_PREFIX.length + schema.length;
        return end + PAYLOAD_FIELD.length <= value.length
                && Arrays.equals(value, SCHEMA_PREFIX.length, end, schema, 0, schema.length)
                && Arrays.equals(value, end, end + PAYLOAD_FIELD.length, PAYLOAD_FIELD, 0, PAYLOAD_FIELD.length) ? last : null;
    }

    /** A JsonConverter that reads payloads of the schema in {@code bytes[from, to)}, made on first sight of that schema. */
    private synchronized JsonConverter reader(byte[] bytes, int from, int to) {
        SchemaText key = new SchemaText(bytes, from, to);
        Reader reader = readers.get(key);
        if (reader == null) {
            if (readers.size() >= cacheSize) {
                dropReaders();
            }
            JsonConverter converter = new JsonConverter();
            Map<String, Object> configs = new HashMap<>(readerConfigs);
            configs.put(JsonConverterConfig.SCHEMA_CONTENT_CONFIG, new String(bytes, from, to - from, StandardCharsets.UTF_8));
            converter.configure(configs, isKey);
            reader = new Reader(key.copy(), converter);
            readers.put(reader.schema(), reader);
        }
        last = reader;
        return reader.converter();
    }

    /** A schema's text (its own copy) and the JsonConverter that reads payloads of it. */
    private record Reader(SchemaText schema, JsonConverter converter) {
    }

    /** The index just past the JSON object or array starting at {@code start}, or -1 when there is none. */
    static int objectEnd(byte[] json, int start) {
        if (start >= json.length || (json[start] != '{' && json[start] != '[')) {
            return -1;
        }
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < json.length; i++) {
            byte b = json[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
            } else if ((b == '}' || b == ']') && --depth == 0) {
                return i + 1;
            }
        }
        return -1;
    }

    /** A schema's bytes as a map key: a range of a record while looking up, its own copy once stored. */
    private static final class SchemaText {
        private final byte[] bytes;
        private final int from;
        private final int to;
        private final int hash;

        SchemaText(byte[] bytes, int from, int to) {
            this.bytes = bytes;
            this.from = from;
            this.to = to;
            // The length and the last bytes (where JsonConverter writes the schema's name) tell schemas apart well
            // enough; equals compares every byte.
            int h = to - from;
            for (int i = Math.max(from, to - 64); i < to; i++) {
                h = 31 * h + bytes[i];
            }
            this.hash = h;
        }

        SchemaText copy() {
            return new SchemaText(Arrays.copyOfRange(bytes, from, to), 0, to - from);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SchemaText other && hash == other.hash
                    && Arrays.equals(bytes, from, to, other.bytes, other.from, other.to);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    @Override
    public synchronized void close() {
        standard.close();
        payloads.close();
        dropReaders();
    }

    private void dropReaders() {
        readers.values().forEach(r -> r.converter().close());
        readers.clear();
        last = null;
    }

    /**
     * The schema's JSON exactly as JsonConverter writes it inside the envelope: on first sight of a schema, cut from
     * JsonConverter's own envelope of this record around the payload. That first record also checks the direct payload
     * writer against JsonConverter for this schema; where they differ, records of the schema use JsonConverter's
     * payload. Null when the envelope has another shape, and the record is then converted by JsonConverter alone.
     */
    private synchronized SchemaPart schemaPart(String topic, Schema schema, Object value) {
        SchemaPart part = schemaParts.get(schema);
        if (part != null) {
            writtenLast = new WrittenLast(schema, part);
            return part;
        }
        byte[] envelope = standard.fromConnectData(topic, schema, value);
        byte[] direct = direct(schema, value);
        byte[] cut = direct == null ? null : cut(envelope, direct);
        if (cut != null) {
            part = new SchemaPart(cut, true);
        } else {
            cut = cut(envelope, payloads.fromConnectData(topic, schema, value));
            if (cut == null) {
                return null;
            }
            part = new SchemaPart(cut, false);
        }
        if (schemaParts.size() >= cacheSize) {
            // Schemas change rarely; starting over is simpler than LRU and as good for that pattern.
            schemaParts.clear();
        }
        schemaParts.put(schema, part);
        writtenLast = new WrittenLast(schema, part);
        return part;
    }

    /** The schema part of {@code envelope} when it is exactly {"schema":…,"payload":<payload>}, else null. */
    private static byte[] cut(byte[] envelope, byte[] payload) {
        int end = envelope.length - 1 - payload.length - PAYLOAD_FIELD.length;
        if (end < SCHEMA_PREFIX.length || !startsWith(envelope, SCHEMA_PREFIX)
                || !Arrays.equals(envelope, end, end + PAYLOAD_FIELD.length, PAYLOAD_FIELD, 0, PAYLOAD_FIELD.length)
                || !Arrays.equals(envelope, end + PAYLOAD_FIELD.length, envelope.length - 1, payload, 0, payload.length)
                || envelope[envelope.length - 1] != '}') {
            return null;
        }
        return Arrays.copyOfRange(envelope, SCHEMA_PREFIX.length, end);
    }

    private record WrittenLast(Schema schema, SchemaPart part) {
    }

    /** A schema's rendered JSON, and whether the direct writer's payloads matched JsonConverter's for it. */
    private record SchemaPart(byte[] bytes, boolean direct) {
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int put(byte[] out, int at, byte[] part) {
        System.arraycopy(part, 0, out, at, part.length);
        return at + part.length;
    }
}
