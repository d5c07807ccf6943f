package io.adbsync.common.definition;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The whole definition of one source object as the schema channel carries it: what it depends on, and either its
 * structure ({@link TableShape}, {@link SequenceShape}, {@link IndexShape}: kinds the sink renders for its destination)
 * or the source's own DDL ({@code statements}, source names: types, functions, views, rules), or both.
 * <p>
 * A definition is whole, never a difference from an earlier one: applying the latest one is enough, and applying one
 * twice changes nothing. Its {@link #version()} is a digest of everything but a sequence's position, so data records
 * can name the definition they were written under (header {@link SchemaChannel#VERSION_HEADER}).
 *
 * @param dependsOn  objects that must exist before this one, each also sent on the channel (earlier)
 * @param statements the source's DDL for the object, in order, each a complete statement without a trailing ';'
 */
public record Definition(ObjectRef ref, List<ObjectRef> dependsOn, List<String> statements, TableShape table,
                         SequenceShape sequence, IndexShape index) {

    public Definition {
        Objects.requireNonNull(ref, "ref");
        dependsOn = List.copyOf(dependsOn);
        statements = List.copyOf(statements);
    }

    public static Definition ofStatements(ObjectRef ref, List<ObjectRef> dependsOn, List<String> statements) {
        return new Definition(ref, dependsOn, statements, null, null, null);
    }

    public static Definition ofTable(ObjectRef ref, List<ObjectRef> dependsOn, TableShape table) {
        return new Definition(ref, dependsOn, List.of(), table, null, null);
    }

    public static Definition ofSequence(ObjectRef ref, List<ObjectRef> dependsOn, SequenceShape sequence) {
        return new Definition(ref, dependsOn, List.of(), null, sequence, null);
    }

    public static Definition ofIndex(ObjectRef ref, List<ObjectRef> dependsOn, IndexShape index) {
        return new Definition(ref, dependsOn, List.of(), null, null, index);
    }

    /** A digest of the definition (16 hex digits), the same for the same definition wherever it is computed. */
    public String version() {
        Definition stable = sequence == null ? this : new Definition(ref, dependsOn, statements, table, sequence.withoutPosition(), index);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(stable.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
