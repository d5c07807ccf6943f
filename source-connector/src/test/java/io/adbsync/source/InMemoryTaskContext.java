package io.adbsync.source;

import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test double of what the Connect worker gives a source task: its config, and offsets read from a map that the test
 * fills as the worker's offset commits would ({@link #commit}).
 */
public final class InMemoryTaskContext implements SourceTaskContext {

    private final Map<String, String> configs;
    private final Map<Map<String, ?>, Map<String, Object>> offsets;

    public InMemoryTaskContext(Map<String, String> configs) {
        this(configs, new HashMap<>());
    }

    private InMemoryTaskContext(Map<String, String> configs, Map<Map<String, ?>, Map<String, Object>> offsets) {
        this.configs = configs;
        this.offsets = offsets;
    }

    /** The context of the connector's next task after a config change: the same stored offsets, new configs. */
    InMemoryTaskContext reconfigured(Map<String, String> newConfigs) {
        return new InMemoryTaskContext(newConfigs, offsets);
    }

    /**
     * Stores the record's offset, as the worker does once Kafka has the record and it commits offsets; a record without
     * one (a schema-channel definition) stores nothing, as there.
     */
    void commit(SourceRecord record) {
        if (record.sourcePartition() == null || record.sourceOffset() == null) {
            return;
        }
        offsets.put(Map.copyOf(record.sourcePartition()), new HashMap<>(record.sourceOffset()));
    }

    @Override
    public Map<String, String> configs() {
        return configs;
    }

    @Override
    public OffsetStorageReader offsetStorageReader() {
        return new OffsetStorageReader() {
            @Override
            public <T> Map<String, Object> offset(Map<String, T> partition) {
                return offsets.get(partition);
            }

            @Override
            public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
                Map<Map<String, T>, Map<String, Object>> found = new LinkedHashMap<>();
                for (Map<String, T> partition : partitions) {
                    found.put(partition, offsets.get(partition));
                }
                return found;
            }
        };
    }

    @Override
    public PluginMetrics pluginMetrics() {
        return null;
    }
}
