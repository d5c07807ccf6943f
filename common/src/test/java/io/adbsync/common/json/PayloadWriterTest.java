package io.adbsync.common.json;

import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The direct payload writer against JsonConverter itself, value by value: the bytes must be the same. */
class PayloadWriterTest {

    private static final Schema ROW = SchemaBuilder.struct().name("r").optional()
            .field("i8", Schema.OPTIONAL_INT8_SCHEMA)
            .field("i16", Schema.OPTIONAL_INT16_SCHEMA)
            .field("i32", SchemaBuilder.int32().optional().defaultValue(7).build())
            .field("i64", Schema.OPTIONAL_INT64_SCHEMA)
            .field("f32", Schema.OPTIONAL_FLOAT32_SCHEMA)
            .field("f64", Schema.OPTIONAL_FLOAT64_SCHEMA)
            .field("bool", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("text", SchemaBuilder.string().optional().defaultValue("dflt").build())
            .field("bytes", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("dec", Decimal.builder(3).optional().build())
            .field("day", Date.builder().optional().build())
            .field("time", Time.builder().optional().build())
            .field("ts", Timestamp.builder().optional().build())
            .field("list", SchemaBuilder.array(Schema.OPTIONAL_FLOAT64_SCHEMA).optional().build())
            .field("nested", SchemaBuilder.struct().name("n").optional().field("s", Schema.STRING_SCHEMA).build())
            .build();

    private static final String[] STRINGS = {"", "plain", "quote \" backslash \\ slash /", "tab\tnewline\ncr\r",
        "ctrl \u0000\u0001\u001f\u007f", "é ü ñ 中文 𝄞 \u2028\u2029", "<script>&amp;</script>"};
    private static final double[] DOUBLES = {0.0, -0.0, 1.0, 0.1, 1e-7, 1e21, 123456789.125, Double.MIN_VALUE, Double.MAX_VALUE,
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    private static final float[] FLOATS = {0f, -0f, 1.5f, 0.1f, 3.4028235e38f, 1.4e-45f, Float.NaN, Float.NEGATIVE_INFINITY};

    @ParameterizedTest
    @CsvSource({"BASE64,true", "NUMERIC,true", "BASE64,false", "NUMERIC,false"})
    void writesTheBytesJsonConverterWrites(String decimalFormat, boolean replaceNullWithDefault) {
        Map<String, Object> settings = Map.of("schemas.enable", "false", "decimal.format", decimalFormat,
                "replace.null.with.default", String.valueOf(replaceNullWithDefault));
        JsonConverter kafka = new JsonConverter();
        kafka.configure(settings, false);
        PayloadWriter writer = new PayloadWriter(decimalFormat.equals("NUMERIC"), replaceNullWithDefault);
        Random random = new Random(42);
        List<Struct> rows = new ArrayList<>();
        rows.add(new Struct(ROW));
        for (int i = 0; i < 300; i++) {
            Struct row = new Struct(ROW)
                    .put("i8", (byte) random.nextInt())
                    .put("i16", (short) random.nextInt())
                    .put("i64", random.nextLong())
                    .put("f32", i < FLOATS.length ? FLOATS[i] : random.nextFloat() * (float) Math.pow(10, random.nextInt(60) - 30))
                    .put("f64", i < DOUBLES.length ? DOUBLES[i] : random.nextGaussian() * Math.pow(10, random.nextInt(600) - 300))
                    .put("bool", random.nextBoolean())
                    .put("text", STRINGS[i % STRINGS.length] + i)
                    .put("bytes", randomBytes(random, i % 40))
                    .put("dec", new BigDecimal(random.nextLong()).movePointLeft(3).multiply(BigDecimal.valueOf(i % 3 == 0 ? 1_000_000 : 1))
                            .setScale(3))
                    .put("day", new java.util.Date(86_400_000L * (random.nextInt(40000) - 20000)))
                    .put("time", new java.util.Date(random.nextInt(86_400_000)))
                    .put("ts", new java.util.Date(random.nextLong() % 4_000_000_000_000L))
                    .put("list", i % 5 == 0 ? null : Arrays.asList(random.nextDouble(), null, -1e-300))
                    .put("nested", i % 2 == 0 ? null : new Struct(ROW.field("nested").schema()).put("s", "n" + i));
            if (i % 7 == 0) {
                row.put("i32", random.nextInt());
            }
            rows.add(row);
        }
        for (Struct row : rows) {
            assertThat(new String(writer.write(ROW, row), StandardCharsets.UTF_8)).as("%s", row)
                    .isEqualTo(new String(kafka.fromConnectData("t", ROW, row), StandardCharsets.UTF_8));
        }
        byte[] raw = {1, 2, 3};
        assertThat(writer.write(Schema.BYTES_SCHEMA, ByteBuffer.wrap(raw))).isEqualTo(kafka.fromConnectData("t", Schema.BYTES_SCHEMA, ByteBuffer.wrap(raw)));
        assertThat(writer.write(Schema.OPTIONAL_STRING_SCHEMA, null)).isEqualTo(kafka.fromConnectData("t", Schema.OPTIONAL_STRING_SCHEMA, null));
    }

    @Test
    void leavesToJsonConverterWhatItDoesNotMirror() {
        PayloadWriter writer = new PayloadWriter(false, true);
        Schema map = SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build();
        assertThatThrownBy(() -> writer.write(map, Map.of("a", 1))).isInstanceOf(PayloadWriter.Unsupported.class);
        assertThatThrownBy(() -> writer.write(null, "x")).isInstanceOf(PayloadWriter.Unsupported.class);
        assertThatThrownBy(() -> writer.write(Schema.INT32_SCHEMA, "not an int")).isInstanceOf(PayloadWriter.Unsupported.class);
        assertThatThrownBy(() -> writer.write(Schema.INT32_SCHEMA, null))
                .hasMessageContaining("null value for field that is required");
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
