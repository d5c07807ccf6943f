package io.adbsync.source.greenplum;

import java.util.Locale;

/** Which servers the connector reads changes from: see {@link SourceTopology}. */
public enum SourceMode {
    AUTO, POSTGRES, GREENPLUM_SEGMENTS, COORDINATOR;

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
