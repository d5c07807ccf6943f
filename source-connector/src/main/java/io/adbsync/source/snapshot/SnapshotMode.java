package io.adbsync.source.snapshot;

import java.util.Locale;

/** What the connector does before it streams. */
public enum SnapshotMode {
    INITIAL, NEVER, INITIAL_ONLY;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
