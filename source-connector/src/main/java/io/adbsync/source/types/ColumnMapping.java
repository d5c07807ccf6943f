package io.adbsync.source.types;

import org.apache.kafka.connect.data.Schema;

/** How one source column travels: its Connect schema, the source type name, and the text-to-value conversion. */
public record ColumnMapping(Schema schema, ValueKind kind, String sourceType) {

    /** Converts the server's text form of a value of this column. */
    public Object fromText(String text) {
        return TextValues.parse(kind, text);
    }
}
