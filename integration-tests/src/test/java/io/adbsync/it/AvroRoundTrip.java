package io.adbsync.it;

import org.apache.avro.Schema.Field;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps Connect schemas and values to Apache Avro the way an Avro converter does (records named after the Connect
 * schema, optional fields as unions with null, Connect parameters kept as a schema property), writes them in Avro's
 * binary form, reads them back and maps them back to Connect. Avro refuses invalid record and field names, so a
 * successful round trip also proves the names are valid Avro names.
 */
final class AvroRoundTrip {

    private final Map<Schema, org.apache.avro.Schema> cache = new IdentityHashMap<>();

    org.apache.avro.Schema avroSchema(Schema connect) {
        org.apache.avro.Schema cached = cache.get(connect);
        if (cached != null) {
            return cached;
        }
        org.apache.avro.Schema plain = switch (connect.type()) {
            case INT8, INT16, INT32 -> org.apache.avro.Schema.create(org.apache.avro.Schema.Type.INT);
            case INT64 -> org.apache.avro.Schema.create(org.apache.avro.Schema.Type.LONG);
            case FLOAT32 -> org.apache.avro.Schema.create(org.apache.avro.Schema.Type.FLOAT);
            case FLOAT64 -> org.apache.avro.Schema.create(org.apache.avro.Schema.Type.DOUBLE);
            case BOOLEAN -> org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BOOLEAN);
            case STRING -> org.apache.avro.Schema.create(org.apache.avro.Schema.Type.STRING);
            case BYTES -> org.apache.avro.Schema.create(org.apache.avro.Schema.Type.BYTES);
            case ARRAY -> org.apache.avro.Schema.createArray(avroSchema(connect.valueSchema()));
            case MAP -> org.apache.avro.Schema.createMap(avroSchema(connect.valueSchema()));
            case STRUCT -> {
                // Avro validates the full name here: a name Avro cannot take fails the round trip.
                org.apache.avro.Schema record = org.apache.avro.Schema.createRecord(connect.name(), connect.doc(), null, false);
                List<Field> fields = new ArrayList<>();
                for (org.apache.kafka.connect.data.Field f : connect.fields()) {
                    org.apache.avro.Schema fieldSchema = avroSchema(f.schema());
                    fields.add(f.schema().isOptional()
                            ? new Field(f.name(), fieldSchema, null, Field.NULL_DEFAULT_VALUE)
                            : new Field(f.name(), fieldSchema));
                }
                record.setFields(fields);
                yield record;
            }
        };
        if (connect.type() != Schema.Type.STRUCT && connect.name() != null) {
            plain.addProp("connect.name", connect.name());
        }
        if (connect.parameters() != null && connect.type() != Schema.Type.STRUCT) {
            plain.addProp("connect.parameters", connect.parameters());
        }
        if (connect.type() == Schema.Type.INT16) {
            plain.addProp("connect.type", "int16");
        }
        org.apache.avro.Schema result = connect.isOptional()
                ? org.apache.avro.Schema.createUnion(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.NULL), plain)
                : plain;
        cache.put(connect, result);
        return result;
    }

    /** Writes {@code value} as Avro binary with the schema mapped from {@code schema}, reads it back, maps it back. */
    Object roundTrip(Schema schema, Object value) {
        org.apache.avro.Schema avro = avroSchema(schema);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
            new GenericDatumWriter<Object>(avro).write(toAvro(schema, value), encoder);
            encoder.flush();
            Object read = new GenericDatumReader<Object>(avro).read(null,
                    DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
            return toConnect(schema, read);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Object toAvro(Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        return switch (schema.type()) {
            case INT8 -> ((Byte) value).intValue();
            case INT16 -> ((Short) value).intValue();
            case BYTES -> ByteBuffer.wrap((byte[]) value);
            case ARRAY -> ((List<?>) value).stream().map(v -> toAvro(schema.valueSchema(), v)).toList();
            case STRUCT -> {
                Struct struct = (Struct) value;
                GenericRecord record = new GenericData.Record(unwrap(avroSchema(schema)));
                for (org.apache.kafka.connect.data.Field f : schema.fields()) {
                    record.put(f.name(), toAvro(f.schema(), struct.get(f)));
                }
                yield record;
            }
            default -> value;
        };
    }

    private Object toConnect(Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        return switch (schema.type()) {
            case INT8 -> ((Integer) value).byteValue();
            case INT16 -> ((Integer) value).shortValue();
            case STRING -> value.toString();
            case BYTES -> {
                ByteBuffer buffer = (ByteBuffer) value;
                byte[] out = new byte[buffer.remaining()];
                buffer.get(out);
                yield out;
            }
            case ARRAY -> ((List<?>) value).stream().map(v -> toConnect(schema.valueSchema(), v)).toList();
            case STRUCT -> {
                GenericRecord record = (GenericRecord) value;
                Struct struct = new Struct(schema);
                for (org.apache.kafka.connect.data.Field f : schema.fields()) {
                    struct.put(f, toConnect(f.schema(), record.get(f.name())));
                }
                yield struct;
            }
            default -> value;
        };
    }

    private static org.apache.avro.Schema unwrap(org.apache.avro.Schema schema) {
        return schema.getType() == org.apache.avro.Schema.Type.UNION ? schema.getTypes().get(1) : schema;
    }
}
