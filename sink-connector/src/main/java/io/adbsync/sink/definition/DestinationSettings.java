package io.adbsync.sink.definition;

import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.dialect.StorageEngine;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The sink's settings that decide how a source table is made at the destination.
 *
 * @param storage         {@code storage.engine} when the user set it; empty keeps the source's storage (Greenplum-family
 *                        destinations) or heap
 * @param distributionKey {@code distribution.key} (destination column names) when set; empty keeps the source's
 *                        distribution, else the primary key
 * @param conflictMode    {@code table.conflict.mode}: what a table that exists before the sink applied a definition
 *                        of it means
 */
public record DestinationSettings(Optional<StorageEngine> storage, List<String> distributionKey,
                                  SinkConfig.ConflictMode conflictMode) {

    public DestinationSettings {
        Objects.requireNonNull(storage, "storage");
        distributionKey = List.copyOf(distributionKey);
        Objects.requireNonNull(conflictMode, "conflictMode");
    }

    /**
     * The settings as {@code config} has them: {@code storage.engine} counts as set only when the user gave it, since
     * its default (heap) would otherwise always override the source's storage.
     */
    public static DestinationSettings of(SinkConfig config) {
        Optional<StorageEngine> storage = config.originals().containsKey(SinkConfig.STORAGE_ENGINE)
                ? Optional.of(config.storageEngine()) : Optional.empty();
        return new DestinationSettings(storage, config.distributionKey(), config.conflictMode());
    }
}
