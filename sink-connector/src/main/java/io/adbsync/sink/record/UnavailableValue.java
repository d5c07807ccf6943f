package io.adbsync.sink.record;


import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Debezium's stand-in for a value its PostgreSQL connector did not receive (an unchanged TOAST column): the string
 * {@value #PLACEHOLDER} (its default {@code unavailable.value.placeholder}), the bytes of that string for bytea, a
 * one-element array holding it for arrays. The real value is whatever the destination already has. Only Debezium's
 * PostgreSQL connector writes it: elsewhere (our source, plain records) the same text is a value like any other.
 */
public final class UnavailableValue {

    public static final String PLACEHOLDER = "__debezium_unavailable_value";
    private static final byte[] PLACEHOLDER_BYTES = PLACEHOLDER.getBytes(StandardCharsets.UTF_8);

    /** What Debezium's PostgreSQL connector writes in {@code source.connector}; ours writes another name. */
    public static final String DEBEZIUM_POSTGRES_CONNECTOR = "postgresql";

    private UnavailableValue() {
    }

    /** Whether an envelope's {@code source.connector} names Debezium's PostgreSQL connector, the one writing placeholders. */
    public static boolean writtenBy(Object connector) {
        return DEBEZIUM_POSTGRES_CONNECTOR.equals(String.valueOf(connector));
    }

    public static boolean is(Object value) {
        if (value instanceof String s) {
            return s.equals(PLACEHOLDER);
        }
        if (value instanceof byte[] b) {
            return Arrays.equals(b, PLACEHOLDER_BYTES);
        }
        if (value instanceof ByteBuffer b) {
            return b.remaining() == PLACEHOLDER_BYTES.length && b.duplicate().equals(ByteBuffer.wrap(PLACEHOLDER_BYTES));
        }
        if (value instanceof List<?> list) {
            // Debezium's form for an array; a longer array that holds the text among other elements is real data.
            return list.size() == 1 && !(list.get(0) instanceof List<?>) && is(list.get(0));
        }
        return false;
    }
}
