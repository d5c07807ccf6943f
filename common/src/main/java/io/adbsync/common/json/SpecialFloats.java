package io.adbsync.common.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Puts back the floats JsonConverter reads as other values: it writes NaN and ±Infinity as the strings "NaN",
 * "Infinity", "-Infinity" and reads those strings as 0.0, and it reads -0.0 through BigDecimal, which has no negative
 * zero. The record is parsed a second time, with doubles, and every FLOAT32/FLOAT64 position whose JSON holds such a
 * value gets it back. Only records that may hold one (a cheap byte scan) pay for the second parse.
 */
final class SpecialFloats {

    /** Plain Jackson: floats as doubles, so "-0.0" keeps its sign. */
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SpecialFloats() {
    }

    /** Whether a value of {@code schema} can hold a float: records of other schemas skip the scan. */
    static boolean hasFloats(Schema schema) {
        if (schema == null) {
            return false;
        }
        return switch (schema.type()) {
            case FLOAT32, FLOAT64 -> true;
            case ARRAY -> hasFloats(schema.valueSchema());
            case MAP -> hasFloats(schema.keySchema()) || hasFloats(schema.valueSchema());
            case STRUCT -> schema.fields().stream().anyMatch(f -> hasFloats(f.schema()));
            default -> false;
        };
    }

    /** Whether {@code json} may hold a special float: one of the three strings, or -0.0 as Java writes it. */
    static boolean mayHold(byte[] json) {
        for (int i = 0; i < json.length; i++) {
            byte b = json[i];
            if (b == '"' && (at(json, i + 1, "NaN\"") || at(json, i + 1, "Infinity\"") || at(json, i + 1, "-Infinity\""))) {
                return true;
            }
            if (b == '-' && at(json, i + 1, "0.0") && (i + 4 >= json.length || !isDigitOrExponent(json[i + 4]))) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code read} with its special floats restored from {@code json}: the whole record when {@code enveloped} is false,
     * else JsonConverter's envelope, whose "payload" is the value.
     */
    static SchemaAndValue restore(SchemaAndValue read, byte[] json, boolean enveloped) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new DataException("Cannot parse the JSON record a second time: " + e.getMessage(), e);
        }
        JsonNode payload = enveloped ? tree.get("payload") : tree;
        Object restored = restore(read.schema(), payload, read.value(), "");
        return restored == read.value() ? read : new SchemaAndValue(read.schema(), restored);
    }

    /** The value with its special floats restored: the same container, changed in place, or a new Float/Double. */
    private static Object restore(Schema schema, JsonNode node, Object value, String path) {
        if (schema == null || node == null || node.isNull() || value == null) {
            return value;
        }
        switch (schema.type()) {
            case FLOAT32, FLOAT64 -> {
                Double special = special(node);
                if (special == null) {
                    return value;
                }
                return schema.type() == Schema.Type.FLOAT32 ? (Object) special.floatValue() : special;
            }
            case ARRAY -> {
                if (node.isArray() && value instanceof List<?> list) {
                    restoreElements(schema.valueSchema(), node, cast(list), path);
                }
            }
            case MAP -> {
                if (value instanceof Map<?, ?> map) {
                    restoreMap(schema, node, cast(map), path);
                }
            }
            case STRUCT -> {
                if (node.isObject() && value instanceof Struct struct) {
                    for (Field f : schema.fields()) {
                        Object before = struct.getWithoutDefault(f.name());
                        Object after = restore(f.schema(), node.get(f.name()), before, path.isEmpty() ? f.name() : path + "." + f.name());
                        if (after != before) {
                            struct.put(f, after);
                        }
                    }
                }
            }
            default -> {
                return value;
            }
        }
        return value;
    }

    private static void restoreElements(Schema elementSchema, JsonNode node, List<Object> list, String path) {
        for (int i = 0; i < list.size() && i < node.size(); i++) {
            Object before = list.get(i);
            Object after = restore(elementSchema, node.get(i), before, path + "[" + i + "]");
            if (after != before) {
                list.set(i, after);
            }
        }
    }

    private static void restoreMap(Schema schema, JsonNode node, Map<Object, Object> map, String path) {
        if (schema.keySchema().type() == Schema.Type.STRING) {
            if (!node.isObject()) {
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                Object before = map.get(entry.getKey());
                Object after = restore(schema.valueSchema(), entry.getValue(), before, path + "[" + entry.getKey() + "]");
                if (after != before) {
                    map.put(entry.getKey(), after);
                }
            }
            return;
        }
        if (!node.isArray()) {
            return;
        }
        for (JsonNode pair : node) {
            if (!pair.isArray() || pair.size() != 2) {
                continue;
            }
            Object key = keyOf(schema.keySchema(), pair.get(0));
            if (key == null) {
                if (holdsSpecial(pair)) {
                    // Keys like these collide once JsonConverter has read them; the entries cannot be told apart.
                    throw new DataException("Field " + path + " is a map whose entry " + pair + " holds NaN, Infinity "
                            + "or -0 where JsonConverter cannot read it back; use Avro for this field");
                }
                continue;
            }
            Object before = map.get(key);
            Object after = restore(schema.valueSchema(), pair.get(1), before, path + "[" + key + "]");
            if (after != before) {
                map.put(key, after);
            }
        }
    }

    /** The map key JsonConverter reads from {@code node}, for the plain key types whose reading is not in doubt; else null. */
    private static Object keyOf(Schema keySchema, JsonNode node) {
        if (keySchema.name() != null || node == null) {
            return null;
        }
        return switch (keySchema.type()) {
            case INT8 -> node.isIntegralNumber() ? (Object) (byte) node.intValue() : null;
            case INT16 -> node.isIntegralNumber() ? (Object) (short) node.intValue() : null;
            case INT32 -> node.isIntegralNumber() ? (Object) node.intValue() : null;
            case INT64 -> node.isIntegralNumber() ? (Object) node.longValue() : null;
            case BOOLEAN -> node.isBoolean() ? (Object) node.booleanValue() : null;
            default -> null;
        };
    }

    private static boolean holdsSpecial(JsonNode node) {
        if (special(node) != null) {
            return true;
        }
        for (JsonNode child : node) {
            if (holdsSpecial(child)) {
                return true;
            }
        }
        return false;
    }

    /** The float a float field's JSON stands for when JsonConverter reads it as another value; null otherwise. */
    private static Double special(JsonNode node) {
        if (node.isTextual()) {
            return switch (node.textValue()) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> null;
            };
        }
        if (node.isFloatingPointNumber() && Double.doubleToRawLongBits(node.doubleValue()) == Double.doubleToRawLongBits(-0.0)) {
            return -0.0;
        }
        return null;
    }

    private static boolean at(byte[] json, int from, String ascii) {
        if (from + ascii.length() > json.length) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (json[from + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigitOrExponent(byte b) {
        return (b >= '0' && b <= '9') || b == 'E' || b == 'e';
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }
}
