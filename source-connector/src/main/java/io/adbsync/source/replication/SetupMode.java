package io.adbsync.source.replication;

import java.util.Locale;

/** Whether the connector makes what it streams through at the source, or only checks that an administrator did. */
public enum SetupMode {
    CREATE, CHECK;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
