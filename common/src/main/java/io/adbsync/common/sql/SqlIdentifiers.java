package io.adbsync.common.sql;

import java.util.Objects;

/** The one place where SQL identifiers are quoted; no identifier reaches SQL text any other way. */
public final class SqlIdentifiers {

    private SqlIdentifiers() {
    }

    /** Quotes one identifier exactly as given (case kept), doubling embedded quotes. */
    public static String quote(String identifier) {
        Objects.requireNonNull(identifier, "identifier");
        if (identifier.isEmpty()) {
            throw new IllegalArgumentException("An SQL identifier must not be empty");
        }
        if (identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("An SQL identifier must not contain a NUL character: " + identifier.replace("\0", "\\0"));
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** Quotes {@code schema.name}, each part on its own. */
    public static String qualified(String schema, String name) {
        return quote(schema) + '.' + quote(name);
    }

    /** Quotes a string as an SQL literal for the few statements that take no bind parameters (e.g. replication commands). */
    public static String literal(String value) {
        Objects.requireNonNull(value, "value");
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("An SQL literal must not contain a NUL character");
        }
        return '\'' + value.replace("'", "''") + '\'';
    }

    /**
     * {@link #literal}, read as the same value whatever {@code standard_conforming_strings} says: with a backslash in
     * it, an escape string ({@code E'a\\b'}), which a server with that setting off would otherwise take as an escape
     * in a plain literal. For statements a user is told to run. Not for replication commands, whose grammar has no
     * escape strings.
     */
    public static String literalUnderAnySetting(String value) {
        String plain = literal(value);
        return value.indexOf('\\') < 0 ? plain : "E" + plain.replace("\\", "\\\\");
    }
}
