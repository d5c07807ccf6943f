package io.adbsync.source.snapshot;

import org.apache.kafka.connect.source.SourceRecord;

import java.util.Map;

/**
 * Makes the record that stores a copy's offset when no row of the table can carry it (a mark on a copy left out of
 * capture, the end of a copy whose last chunk found no row): Connect stores a source partition's offset only with a
 * record, so one goes to the heartbeat topic.
 */
@FunctionalInterface
public interface OffsetCarrier {

    /** The record carrying {@code offset} for the copy's source partition {@code partition}. */
    SourceRecord carry(Map<String, String> partition, Map<String, Object> offset);
}
