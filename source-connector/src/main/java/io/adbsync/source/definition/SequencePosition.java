package io.adbsync.source.definition;

import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.SequenceShape;

/**
 * Where a source sequence stands: {@code last_value} and {@code is_called} as {@code SELECT … FROM} the sequence
 * returns them; {@code lastValue} is null where the connector's role may not read it.
 */
public record SequencePosition(Long lastValue, boolean isCalled) {

    /** {@code sequence}'s definition with this position; its {@link Definition#version()} stays the same. */
    public Definition applyTo(Definition sequence) {
        SequenceShape s = sequence.sequence();
        if (s == null) {
            throw new IllegalArgumentException(sequence.ref() + " is not a sequence");
        }
        return Definition.ofSequence(sequence.ref(), sequence.dependsOn(), new SequenceShape(s.dataType(), s.start(),
                s.increment(), s.min(), s.max(), s.cache(), s.cycle(), s.ownedBy(), lastValue, lastValue != null && isCalled));
    }
}
