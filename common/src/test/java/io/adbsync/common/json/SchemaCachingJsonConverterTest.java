package io.adbsync.common.json;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaCachingJsonConverterTest {

    private static final Schema ROW = SchemaBuilder.struct().name("db.public.t.Value").optional()
            .field("id", SchemaBuilder.int64().parameter("__adbsync.source.type", "int8").build())
            .field("flag", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("small", Schema.INT16_SCHEMA)
            .field("f4", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("f8", Schema.FLOAT64_SCHEMA)
            .field("text", SchemaBuilder.string().optional().doc("a \"quoted\" doc").defaultValue("dflt").build())
            .field("bytes", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("price", Decimal.builder(2).optional().build())
            .field("day", Date.builder().optional().build())
            .field("at", Time.builder().optional().build())
            .field("ts", Timestamp.builder().optional().build())
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
            .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT32_SCHEMA).optional().build())
            .build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name("db.public.t.Envelope")
            .field("before", ROW).field("after", ROW).field("op", Schema.STRING_SCHEMA).build();

    static Stream<Map<String, Object>> settings() {
        return Stream.of(Map.of(), Map.of("decimal.format", "NUMERIC"), Map.of("schemas.enable", "false"),
                Map.of("replace.null.with.default", "false"));
    }

    private static Struct row(long id, boolean full) {
        Struct row = new Struct(ROW).put("id", id).put("small", (short) -3).put("f8", 2.5e300);
        if (full) {
            row.put("flag", true).put("f4", 1.25f).put("text", "é \"q\" \\ \n ünï 𝄞").put("bytes", new byte[] {0, 1, -1})
                    .put("price", new BigDecimal("-12345678901234567890.12")).put("day", new java.util.Date(86_400_000L * 19000))
                    .put("at", new java.util.Date(3_600_000L)).put("ts", new java.util.Date(1_700_000_000_123L))
                    .put("tags", List.of("a", "b")).put("attrs", Map.of("k", 1));
        }
        return row;
    }

    @ParameterizedTest
    @MethodSource("settings")
    void writesExactlyWhatJsonConverterWrites(Map<String, Object> settings) {
        for (boolean isKey : new boolean[] {false, true}) {
            JsonConverter kafka = new JsonConverter();
            kafka.configure(settings, isKey);
            SchemaCachingJsonConverter ours = new SchemaCachingJsonConverter();
            ours.configure(settings, isKey);
            List<Object[]> cases = List.of(
                    new Object[] {ENVELOPE, new Struct(ENVELOPE).put("after", row(1, true)).put("op", "c")},
                    new Object[] {ENVELOPE, new Struct(ENVELOPE).put("before", row(2, false)).put("after", row(2, true)).put("op", "u")},
                    new Object[] {ENVELOPE, new Struct(ENVELOPE).put("before", row(3, true)).put("op", "d")},
                    new Object[] {ROW, null},
                    new Object[] {Schema.INT64_SCHEMA, 42L},
                    new Object[] {Schema.OPTIONAL_STRING_SCHEMA, "plain"},
                    new Object[] {null, Map.of("schemaless", 1)},
                    new Object[] {null, null});
            for (int round = 0; round < 2; round++) { // the second round is served from the cache
                for (Object[] c : cases) {
                    byte[] expected = kafka.fromConnectData("t", (Schema) c[0], c[1]);
                    byte[] actual = ours.fromConnectData("t", (Schema) c[0], c[1]);
                    assertThat(actual == null ? null : new String(actual, StandardCharsets.UTF_8))
                            .as("%s %s isKey=%s", settings, c[1], isKey)
                            .isEqualTo(expected == null ? null : new String(expected, StandardCharsets.UTF_8));
                    assertThat(ours.toConnectData("t", expected)).as("reading %s %s isKey=%s", settings, c[1], isKey)
                            .isEqualTo(kafka.toConnectData("t", expected));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("settings")
    void readsOtherLayoutsAsJsonConverterDoes(Map<String, Object> settings) {
        JsonConverter kafka = new JsonConverter();
        kafka.configure(settings, false);
        SchemaCachingJsonConverter ours = new SchemaCachingJsonConverter();
        ours.configure(settings, false);
        String schema = "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,\"field\":\"s\"}],"
                + "\"optional\":true,\"name\":\"x\"}";
        for (String json : List.of(
                "{\"payload\":{\"s\":\"p first\"},\"schema\":" + schema + "}",
                "{ \"schema\" : " + schema + " , \"payload\" : { \"s\" : \"spaced\" } }",
                "{\"schema\":" + schema + ",\"payload\":{\"s\":\"brace } and quote \\\" in a string\"}}",
                "{\"schema\":" + schema + ",\"payload\":null}",
                "{\"schema\":null,\"payload\":{\"a\":1}}",
                "{\"schema\":" + schema + ",\"payload\":{\"s\":\"x\"},\"extra\":1}")) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            Object expected;
            try {
                expected = kafka.toConnectData("t", bytes);
            } catch (DataException e) {
                assertThatThrownBy(() -> ours.toConnectData("t", bytes)).as(json).isInstanceOf(DataException.class);
                continue;
            }
            assertThat(ours.toConnectData("t", bytes)).as(json).isEqualTo(expected);
        }
        byte[] broken = "{\"schema\":{\"type\":".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ours.toConnectData("t", broken)).isInstanceOf(DataException.class);
    }

    @org.junit.jupiter.api.Test
    void readsInterleavedSchemasBeyondTheCacheSize() {
        Map<String, Object> settings = Map.of("schemas.cache.size", "2");
        JsonConverter kafka = new JsonConverter();
        kafka.configure(settings, false);
        SchemaCachingJsonConverter ours = new SchemaCachingJsonConverter();
        ours.configure(settings, false);
        for (int round = 0; round < 3; round++) {
            for (int table = 0; table < 5; table++) {
                Schema schema = SchemaBuilder.struct().name("t" + table).field("id", Schema.INT32_SCHEMA)
                        .field("v" + table, Schema.OPTIONAL_STRING_SCHEMA).build();
                Struct value = new Struct(schema).put("id", round).put("v" + table, "r" + round);
                byte[] bytes = ours.fromConnectData("t", schema, value);
                assertThat(bytes).isEqualTo(kafka.fromConnectData("t", schema, value));
                assertThat(ours.toConnectData("t", bytes)).isEqualTo(kafka.toConnectData("t", bytes));
                assertThat(ours.toConnectData("t", bytes).value()).isEqualTo(value);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void refusesANullValueForARequiredSchemaAsJsonConverterDoes() {
        JsonConverter kafka = new JsonConverter();
        kafka.configure(Map.of(), false);
        SchemaCachingJsonConverter ours = new SchemaCachingJsonConverter();
        ours.configure(Map.of(), false);
        assertThatThrownBy(() -> kafka.fromConnectData("t", ENVELOPE, null)).isInstanceOf(DataException.class);
        assertThatThrownBy(() -> ours.fromConnectData("t", ENVELOPE, null)).isInstanceOf(DataException.class)
                .hasMessageContaining("null value for field that is required");
    }

    @ParameterizedTest
    @MethodSource("settings")
    void readsBackWhatItWrites(Map<String, Object> settings) {
        SchemaCachingJsonConverter ours = new SchemaCachingJsonConverter();
        ours.configure(settings, false);
        Struct value = new Struct(ENVELOPE).put("before", row(2, false)).put("after", row(2, true)).put("op", "u");
        Object back = ours.toConnectData("t", ours.fromConnectData("t", ENVELOPE, value)).value();
        if (!"false".equals(settings.get("schemas.enable"))) {
            assertThat(((Struct) back).getStruct("after").getString("text")).isEqualTo("é \"q\" \\ \n ünï 𝄞");
            assertThat(((Struct) back).getStruct("after").get("price")).isEqualTo(new BigDecimal("-12345678901234567890.12"));
            assertThat(((Struct) back).getStruct("before").get("flag")).isNull();
        } else {
            assertThat(back).isInstanceOf(Map.class);
        }
    }

    private static final Schema FLOATS = SchemaBuilder.struct().name("db.public.f.Value").optional()
            .field("f4", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("f8", Schema.FLOAT64_SCHEMA)
            .field("arr", SchemaBuilder.array(Schema.OPTIONAL_FLOAT64_SCHEMA).optional().build())
            .field("arr4", SchemaBuilder.array(SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build()).optional().build())
            .field("byName", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT32_SCHEMA).optional().build())
            .field("byInt", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.FLOAT64_SCHEMA).optional().build())
            .field("text", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    private static final Schema FLOATS_ENVELOPE = SchemaBuilder.struct().name("db.public.f.Envelope")
            .field("before", FLOATS).field("after", FLOATS).field("op", Schema.STRING_SCHEMA).build();

    private static Struct floats(double d, float f) {
        java.util.List<Double> arr = new java.util.ArrayList<>(List.of(1.5, d, -d));
        arr.add(null);
        return new Struct(FLOATS).put("f4", f).put("f8", d).put("arr", arr)
                .put("arr4", List.of(List.of(f, 2f), List.of(-f)))
                .put("byName", Map.of("x", f, "NaN", 1f)).put("byInt", Map.of(1, d, 2, -d))
                .put("text", "NaN");
    }

    @ParameterizedTest
    @MethodSource("settings")
    void readsBackNaNInfinityAndNegativeZeroWhereverAFloatFieldHoldsThem(Map<String, Object> settings) {
        JsonConverter kafka = new JsonConverter();
        kafka.configure(settings, false);
        SchemaCachingJsonConverter ours = new SchemaCachingJsonConverter();
        ours.configure(settings, false);
        boolean schemas = !"false".equals(settings.get("schemas.enable"));
        double[] doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0};
        float[] floats = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0.0f};
        for (int i = 0; i < doubles.length; i++) {
            Struct value = new Struct(FLOATS_ENVELOPE).put("before", floats(doubles[i], floats[i]))
                    .put("after", floats(doubles[(i + 1) % doubles.length], floats[(i + 1) % floats.length])).put("op", "u");
            for (Object[] c : List.of(new Object[] {FLOATS_ENVELOPE, value}, new Object[] {Schema.FLOAT64_SCHEMA, doubles[i]},
                    new Object[] {Schema.OPTIONAL_FLOAT32_SCHEMA, floats[i]})) {
                Schema schema = (Schema) c[0];
                byte[] bytes = ours.fromConnectData("t", schema, c[1]);
                // What JsonConverter writes is right ("NaN", "Infinity" as strings): ours writes the same bytes.
                assertThat(new String(bytes, StandardCharsets.UTF_8)).as("%s", c[1])
                        .isEqualTo(new String(kafka.fromConnectData("t", schema, c[1]), StandardCharsets.UTF_8));
                if (!schemas) {
                    continue;
                }
                assertThat(ours.toConnectData("t", bytes).value()).as("%s %s", settings, c[1]).isEqualTo(c[1]);
                // Read a second time: from the cached reader of this schema.
                assertThat(ours.toConnectData("t", bytes).value()).as("%s %s", settings, c[1]).isEqualTo(c[1]);
                // Another layout of the same record goes through JsonConverter whole, and is restored as well.
                String spaced = new String(bytes, StandardCharsets.UTF_8).replace("\"payload\":", "\"payload\" : ");
                assertThat(ours.toConnectData("t", spaced.getBytes(StandardCharsets.UTF_8)).value()).as(spaced).isEqualTo(c[1]);
            }
        }
    }
}
