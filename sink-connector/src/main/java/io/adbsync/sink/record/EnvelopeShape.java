package io.adbsync.sink.record;

import io.adbsync.common.contract.EventContract;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Where an envelope schema keeps the fields the parser reads, found once per schema instance: looked up by name for
 * every record, they were a quarter of a sink task's time. A null field is one the schema lacks.
 */
record EnvelopeShape(Field op, Field after, Field source) {

    static EnvelopeShape of(Schema envelope) {
        return new EnvelopeShape(envelope.field(EventContract.OP), envelope.field(EventContract.AFTER),
                envelope.field(EventContract.SOURCE));
    }

    /**
     * The value of a field of an envelope, row or key as the record holds it, without the field's default: the
     * envelope's own fields were read by name with Struct's typed getters, which apply none (a null {@code op} is no op,
     * whatever a schema declares), and a column's NULL is not its default.
     */
    static Object value(Struct envelope, Field field) {
        return field.schema().defaultValue() == null ? envelope.get(field) : envelope.getWithoutDefault(field.name());
    }

    /**
     * The struct an envelope field holds, read by field where the field is a struct; by {@code name} otherwise, for
     * Struct's own error (no such field, or not a struct).
     */
    static Struct struct(Struct envelope, Field field, String name) {
        return field != null && field.schema().type() == Schema.Type.STRUCT ? (Struct) value(envelope, field)
                : envelope.getStruct(name);
    }

    /** Whether the envelope has a {@code source} block that is a struct. */
    boolean sourceIsStruct() {
        return source != null && source.schema().type() == Schema.Type.STRUCT;
    }

    /** The fields of an envelope's {@code source} block the parser reads, by the block's schema. */
    record Source(Field snapshot, Field schema, Field table, Field connector) {

        static Source of(Schema source) {
            return new Source(source.field("snapshot"), source.field("schema"), source.field("table"),
                    source.field("connector"));
        }
    }
}
