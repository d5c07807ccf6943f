package io.adbsync.stack.switchover;

import io.adbsync.stack.verify.SequenceVerifier;
import io.adbsync.stack.verify.SequenceVerifier.SequenceDiff;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Destination sequences behind the source's, which {@code schema.sync=all} normally keeps from happening (it moves them
 * forward as the source's advance): each is set to the source's last value, so the next one it gives is new.
 */
final class SequenceCheck {

    private SequenceCheck() {
    }

    static List<Finding> compare(Connection source, Connection destination, Collection<String> schemas) throws SQLException {
        List<Finding> findings = new ArrayList<>();
        for (SequenceDiff diff : SequenceVerifier.compare(source, destination, schemas)) {
            String subject = "sequence " + diff.sequence();
            if (diff.missing()) {
                findings.add(new Finding(subject, "missing at the destination", null));
            } else if (!diff.ready()) {
                findings.add(new Finding(subject, "behind: source at " + diff.source() + ", destination at "
                        + (diff.destination() == null ? "not used yet" : diff.destination()),
                        new Fix.AdvanceSequence(diff.id(), diff.source())));
            }
        }
        return findings;
    }
}
