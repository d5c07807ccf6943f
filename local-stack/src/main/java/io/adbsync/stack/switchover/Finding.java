package io.adbsync.stack.switchover;

import java.util.Optional;

/**
 * One way the destination differs from the source that matters at switchover: what, how, and the statement that
 * settles it, or none where it takes a person (e.g. a sequence missing at the destination).
 */
public record Finding(String subject, String problem, Fix fix) {

    public Optional<Fix> statement() {
        return Optional.ofNullable(fix);
    }

    public String describe() {
        return subject + ": " + problem + (fix == null ? " (no statement for it: by hand)" : "");
    }
}
