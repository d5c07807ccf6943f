package io.adbsync.sink.record;

import org.apache.kafka.connect.data.Schema;

/** A destination column as a record describes it: its (mapped) name and the Connect schema of its values. */
public record Column(String name, Schema schema) {
}
