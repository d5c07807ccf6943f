package io.adbsync.sink.dialect;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Storage of a destination table: the sink creates these on Greenplum/AnalyticDB (PostgreSQL always uses heap). */
public enum StorageEngine {
    HEAP, AO_ROW, AO_COLUMN, BEAM;

    /** The name the catalog gives the access method ({@code pg_am.amname}), and the value users set. */
    public String accessMethod() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Append-optimized storage has no unique indexes: no primary key, no {@code INSERT … ON CONFLICT} (merged with
     * DELETE + INSERT instead), and every row is one of its own as far as a key can tell.
     */
    public boolean appendOptimized() {
        return this == AO_ROW || this == AO_COLUMN;
    }

    /** The engine the catalog names {@code accessMethod}; empty for an access method the sink does not create tables with. */
    public static Optional<StorageEngine> ofAccessMethod(String accessMethod) {
        return Arrays.stream(values()).filter(s -> s.accessMethod().equals(accessMethod)).findFirst();
    }
}
