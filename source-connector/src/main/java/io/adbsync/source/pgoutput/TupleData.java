package io.adbsync.source.pgoutput;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The column values of one row as pgoutput sends them, in the relation's column order. */
public record TupleData(List<Value> values) {

    public TupleData {
        values = List.copyOf(values);
    }

    public int size() {
        return values.size();
    }

    public Value get(int index) {
        return values.get(index);
    }

    /**
     * This tuple with each unchanged TOASTed value taken from {@code old} where it has one: under REPLICA IDENTITY
     * FULL the old row of an update is whole, while the new one omits TOASTed values the update did not change.
     */
    public TupleData withUnchangedToastFrom(TupleData old) {
        if (old == null || old.size() != size() || values.stream().noneMatch(Value::isUnchangedToast)) {
            return this;
        }
        List<Value> merged = new java.util.ArrayList<>(values);
        for (int i = 0; i < merged.size(); i++) {
            if (merged.get(i).isUnchangedToast() && !old.get(i).isUnchangedToast()) {
                merged.set(i, old.get(i));
            }
        }
        return new TupleData(merged);
    }

    /** How a value was sent: 'n' null, 'u' unchanged TOASTed value (not sent), 't' text form, 'b' binary form. */
    public record Value(char kind, byte[] bytes) {

        public static final Value NULL = new Value('n', null);
        public static final Value UNCHANGED_TOAST = new Value('u', null);

        public boolean isNull() {
            return kind == 'n';
        }

        public boolean isUnchangedToast() {
            return kind == 'u';
        }

        /**
         * The text form (kind 't'), decoded as UTF-8; {@link NotUtf8} where the bytes are not UTF-8 (a {@code "char"}
         * byte above 0x7F, which PostgreSQL before 15 sends as it is), which decoding would replace by U+FFFD.
         */
        public String text() {
            if (kind != 't') {
                throw new IllegalStateException("Value of kind '" + kind + "' has no text form");
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            // Only a text holding U+FFFD can have come from a replacement: the strict decoding is for those alone.
            if (text.indexOf('\uFFFD') >= 0) {
                try {
                    StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
                } catch (java.nio.charset.CharacterCodingException e) {
                    throw new NotUtf8();
                }
            }
            return text;
        }
    }

    /** A value whose bytes are not UTF-8. */
    public static final class NotUtf8 extends IllegalArgumentException {
        NotUtf8() {
            super("the value's bytes are not UTF-8");
        }
    }
}
