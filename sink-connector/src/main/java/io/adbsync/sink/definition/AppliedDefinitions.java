package io.adbsync.sink.definition;

import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.ObjectRef;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The sink's record of the definitions it applied, shared by all its tasks: read and written on the applier's
 * connection inside the transaction that applies a definition, so that what a task finds at the destination and
 * what the record says always agree (a table another task made a moment ago is the sink's own, not a conflict).
 */
public interface AppliedDefinitions {

    /** The definition of {@code ref} the sink applied last, or null where it applied none. */
    Definition previous(Connection c, ObjectRef ref) throws SQLException;

    /** Records {@code applied} as applied; it commits with the definition's DDL. */
    void record(Connection c, Definition applied) throws SQLException;

    /** A record that knows one previous definition (or none) and keeps nothing. */
    static AppliedDefinitions of(Definition previous) {
        return new AppliedDefinitions() {
            @Override
            public Definition previous(Connection c, ObjectRef ref) {
                return previous != null && previous.ref().equals(ref) ? previous : null;
            }

            @Override
            public void record(Connection c, Definition applied) {
            }
        };
    }
}
