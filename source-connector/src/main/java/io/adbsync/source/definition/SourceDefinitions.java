package io.adbsync.source.definition;

import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.ObjectRef;

import java.util.List;

/**
 * What one read of the source's catalog found: the definitions in the order a destination creates them (each after
 * everything in its {@code dependsOn}), and what was left out, each with its reason.
 *
 * @param readAtMs the source server's clock (ms since the epoch) when the read's snapshot was taken: one clock for every
 *                 task reading that server, so reads by tasks on different workers rank by it as they happened
 */
public record SourceDefinitions(List<Definition> definitions, List<Skipped> skipped, long readAtMs) {

    public SourceDefinitions {
        definitions = List.copyOf(definitions);
        skipped = List.copyOf(skipped);
    }

    /** The sequences among the definitions, whose positions {@link DefinitionReader#positions} reads on an interval. */
    public List<ObjectRef> sequences() {
        return definitions.stream().filter(d -> d.sequence() != null).map(Definition::ref).toList();
    }
}
