package io.adbsync.common.definition;

/**
 * A sequence's definition and, where read, its position.
 *
 * @param dataType  {@code smallint}, {@code integer} or {@code bigint}
 * @param ownedBy   the column that owns it as {@code "schema"."table"."column"}, or null
 * @param lastValue {@code last_value} when read (null when never read or not readable)
 * @param isCalled  whether {@code nextval} has returned {@code lastValue} already
 */
public record SequenceShape(String dataType, long start, long increment, long min, long max, long cache, boolean cycle,
                            String ownedBy, Long lastValue, boolean isCalled) {

    /** The same definition without its position: what a definition's version covers. */
    public SequenceShape withoutPosition() {
        return new SequenceShape(dataType, start, increment, min, max, cache, cycle, ownedBy, null, false);
    }
}
