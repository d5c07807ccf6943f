package io.adbsync.sink.record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Debezium's stand-in for a value its PostgreSQL connector did not receive (an unchanged TOAST column): the string
 * {@value #PLACEHOLDER} (its default {@code unavailable.value.placeholder}), the bytes of that string for bytea, an
 * array holding it for arrays. The real value is whatever the destination already has.
 */
public final class UnavailableValue {

    public static final String PLACEHOLDER = "__debezium_unavailable_value";
    private static final byte[] PLACEHOLDER_BYTES = PLACEHOLDER.getBytes(StandardCharsets.UTF_8);

    private UnavailableValue() {
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
            return list.stream().anyMatch(UnavailableValue::is);
        }
        return false;
    }
}
