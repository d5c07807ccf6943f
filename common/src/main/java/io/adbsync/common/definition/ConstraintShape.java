package io.adbsync.common.definition;

/**
 * A table constraint other than the primary key and NOT NULL.
 *
 * @param type       {@code UNIQUE}, {@code CHECK}, {@code FOREIGN KEY} or {@code EXCLUDE}
 * @param definition {@code pg_get_constraintdef(oid)}: {@code CHECK ((price > (0)::numeric))}, source names
 */
public record ConstraintShape(String name, String type, String definition) {
}
