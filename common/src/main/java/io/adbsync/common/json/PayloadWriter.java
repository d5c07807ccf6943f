package io.adbsync.common.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Collection;

/**
 * Writes a value with a schema as the JSON JsonConverter writes for it, straight to a Jackson generator instead of
 * through a tree of JsonNodes. It makes the same generator calls the tree's nodes make when serialized, so numbers,
 * strings, base64 and decimals come out the same; the rules (defaults for nulls, logical types) follow
 * JsonConverter.convertToJson. Values it does not mirror (no schema, maps, an unexpected Java type) make it give up,
 * and the caller uses JsonConverter.
 */
final class PayloadWriter {

    /** Thrown when a value is outside what this writer mirrors; the caller falls back to JsonConverter. */
    static final class Unsupported extends RuntimeException {
        Unsupported() {
            super(null, null, false, false);
        }
    }

    private static final Unsupported UNSUPPORTED = new Unsupported();
    private final JsonFactory factory = new JsonFactory();
    private final boolean decimalsAsNumbers;
    private final boolean replaceNullWithDefault;

    PayloadWriter(boolean decimalsAsNumbers, boolean replaceNullWithDefault) {
        this.decimalsAsNumbers = decimalsAsNumbers;
        this.replaceNullWithDefault = replaceNullWithDefault;
    }

    byte[] write(Schema schema, Object value) {
        ByteArrayBuilder out = new ByteArrayBuilder(factory._getBufferRecycler(), 512);
        try (JsonGenerator g = factory.createGenerator(out, JsonEncoding.UTF8)) {
            write(g, schema, value);
        } catch (IOException e) {
            throw new DataException("Cannot write JSON: " + e.getMessage(), e);
        }
        byte[] bytes = out.toByteArray();
        out.release();
        return bytes;
    }

    private void write(JsonGenerator g, Schema schema, Object value) throws IOException {
        if (schema == null) {
            throw UNSUPPORTED;
        }
        if (value == null) {
            if (schema.defaultValue() != null && replaceNullWithDefault) {
                write(g, schema, schema.defaultValue());
            } else if (schema.isOptional()) {
                g.writeNull();
            } else {
                throw new DataException("Conversion error: null value for field that is required and has no default value");
            }
            return;
        }
        String logical = schema.name();
        if (logical != null && logical(g, schema, logical, value)) {
            return;
        }
        try {
            switch (schema.type()) {
                case INT8 -> g.writeNumber((int) (Byte) value);
                case INT16 -> g.writeNumber((Short) value);
                case INT32 -> g.writeNumber((Integer) value);
                case INT64 -> g.writeNumber((Long) value);
                case FLOAT32 -> g.writeNumber((Float) value);
                case FLOAT64 -> g.writeNumber((Double) value);
                case BOOLEAN -> g.writeBoolean((Boolean) value);
                case STRING -> g.writeString(((CharSequence) value).toString());
                case BYTES -> {
                    if (value instanceof byte[] bytes) {
                        g.writeBinary(bytes);
                    } else if (value instanceof ByteBuffer buffer && buffer.hasArray()) {
                        g.writeBinary(buffer.array());
                    } else {
                        throw UNSUPPORTED;
                    }
                }
                case ARRAY -> {
                    g.writeStartArray();
                    for (Object element : (Collection<?>) value) {
                        write(g, schema.valueSchema(), element);
                    }
                    g.writeEndArray();
                }
                // Maps are rare in change events; JsonConverter writes them.
                case STRUCT -> struct(g, schema, (Struct) value);
                default -> throw UNSUPPORTED;
            }
        } catch (ClassCastException e) {
            throw UNSUPPORTED;
        }
    }

    private boolean logical(JsonGenerator g, Schema schema, String name, Object value) throws IOException {
        switch (name) {
            case Decimal.LOGICAL_NAME -> {
                if (!(value instanceof BigDecimal decimal)) {
                    throw UNSUPPORTED;
                }
                if (decimalsAsNumbers) {
                    g.writeNumber(decimal);
                } else {
                    g.writeBinary(Decimal.fromLogical(schema, decimal));
                }
                return true;
            }
            case Date.LOGICAL_NAME -> {
                g.writeNumber(Date.fromLogical(schema, asDate(value)));
                return true;
            }
            case Time.LOGICAL_NAME -> {
                g.writeNumber(Time.fromLogical(schema, asDate(value)));
                return true;
            }
            case Timestamp.LOGICAL_NAME -> {
                g.writeNumber(Timestamp.fromLogical(schema, asDate(value)));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private static java.util.Date asDate(Object value) {
        if (value instanceof java.util.Date date) {
            return date;
        }
        throw UNSUPPORTED;
    }

    private void struct(JsonGenerator g, Schema schema, Struct struct) throws IOException {
        if (!struct.schema().equals(schema)) {
            throw new DataException("Mismatching schema.");
        }
        g.writeStartObject();
        for (Field field : schema.fields()) {
            g.writeFieldName(field.name());
            write(g, field.schema(), struct.getWithoutDefault(field.name()));
        }
        g.writeEndObject();
    }
}
