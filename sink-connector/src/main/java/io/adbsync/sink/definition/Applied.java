package io.adbsync.sink.definition;

import io.adbsync.common.definition.ObjectRef;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What applying one definition did at the destination: the object it became there, the statements that ran, and
 * what of the source's definition was left out, each with the reason.
 *
 * @param destination the object at the destination ({@code sales.orders}, the source's name where the sink keeps it)
 * @param statements  the DDL that ran and was committed, in order (none when nothing had to change)
 */
public record Applied(ObjectRef ref, String destination, Outcome outcome, List<String> statements, List<Skip> skipped) {

    /** What became of the object as a whole. */
    public enum Outcome {
        /** It did not exist and was created. */
        CREATED,
        /** It existed and was changed to match (columns, defaults, a sequence moved forward, …). */
        CHANGED,
        /** It existed and matched already (as far as the applier compares it). */
        UNCHANGED,
        /** Nothing was done: the reason is in {@link #skipped()}. */
        SKIPPED
    }

    /** A part of the definition the destination did not get, and why. */
    public record Skip(String what, String reason) {
        @Override
        public String toString() {
            return what + " (" + reason + ")";
        }
    }

    public Applied {
        statements = List.copyOf(statements);
        skipped = List.copyOf(skipped);
    }

    /** One line for the task's log: {@code table public.orders as sales.orders: created (2 statements); skipped: …}. */
    public String summary() {
        StringBuilder line = new StringBuilder(ref.toString());
        if (!destination.equals(ref.qualifiedName())) {
            line.append(" as ").append(destination);
        }
        line.append(": ").append(outcome.name().toLowerCase(java.util.Locale.ROOT));
        if (!statements.isEmpty()) {
            line.append(" (").append(statements.size()).append(statements.size() == 1 ? " statement)" : " statements)");
        }
        if (!skipped.isEmpty()) {
            line.append("; skipped: ").append(skipped.stream().map(Skip::toString).collect(Collectors.joining("; ")));
        }
        return line.toString();
    }
}
