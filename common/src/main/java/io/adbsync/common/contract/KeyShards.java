package io.adbsync.common.contract;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names a key-sharded source ({@code tasks.max > 1} on a source read as one stream) gives its parts, declared once
 * so that {@code bin/adbsync status} finds the slots and offsets the source tasks made: shard {@code index} of
 * {@code count} reads slot {@code <slot.name>_<index>of<count>} and stores its offsets under source partitions with
 * {@value #PARTITION_SHARD} = {@code index/count}.
 */
public final class KeyShards {

    /** Key of the source partitions of a shard's offsets: {@code index/count}. */
    public static final String PARTITION_SHARD = "shard";

    private KeyShards() {
    }

    /** The slot of shard {@code index} of {@code count}, among those named after {@code base} (slot.name). */
    public static String slotName(String base, int index, int count) {
        return base + "_" + index + "of" + count;
    }

    /** The shard ({@code index} and {@code count}) whose slot {@code name} is, among those named after {@code base}. */
    public static Optional<int[]> ofSlot(String name, String base) {
        Matcher m = Pattern.compile(Pattern.quote(base) + "_(\\d+)of(\\d+)").matcher(name);
        return m.matches() ? Optional.of(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))})
                : Optional.empty();
    }

    /** {@code index/count}, as the shard's source partitions name it. */
    public static String partitionValue(int index, int count) {
        return index + "/" + count;
    }
}
