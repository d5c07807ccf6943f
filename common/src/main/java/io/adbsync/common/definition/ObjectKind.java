package io.adbsync.common.definition;

import java.util.Locale;

/** The kinds of database object the schema channel carries, in the order a destination can create them. */
public enum ObjectKind {
    SCHEMA, ENUM, COMPOSITE, DOMAIN, RANGE, FUNCTION, AGGREGATE, OPERATOR, SEQUENCE, TABLE, INDEX, VIEW, RULE;

    /** The kind as it appears in keys and messages: {@code enum}, {@code table}, … */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ObjectKind fromLabel(String label) {
        try {
            return valueOf(label.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown object kind '" + label + "' in a schema-channel record", e);
        }
    }
}
