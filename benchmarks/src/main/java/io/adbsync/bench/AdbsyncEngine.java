package io.adbsync.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** adbsync's source and sink, configured as config/source.json and config/sink.json suggest. */
public final class AdbsyncEngine implements Engine {

    /** Kafka's JsonConverter, byte for byte, without writing or parsing each record's schema anew (config/*.json). */
    static final Map<String, String> JSON_CONVERTERS = Map.of(
            "key.converter", "io.adbsync.common.json.SchemaCachingJsonConverter",
            "value.converter", "io.adbsync.common.json.SchemaCachingJsonConverter");

    private final Format format;
    private final Map<String, String> converters;

    /** An engine writing {@code format} through {@code converters} (key.converter, value.converter and their settings). */
    public AdbsyncEngine(Format format, Map<String, String> converters) {
        this.format = format;
        this.converters = Map.copyOf(converters);
    }

    @Override
    public String system() {
        return "adbsync";
    }

    @Override
    public Role role() {
        return Role.OURS;
    }

    @Override
    public Format format() {
        return format;
    }

    @Override
    public String id() {
        return "ours_" + format.key();
    }

    @Override
    public String topic(String table) {
        return id() + ".public." + table;
    }

    @Override
    public Map<String, String> source(BenchStack stack, String slot, List<String> tables, boolean snapshot) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "io.adbsync.source.AdbPgSourceConnector");
        config.put("tasks.max", "1");
        config.put("connection.url", stack.source().jdbcUrl(stack.sourceDb()));
        config.put("connection.user", stack.source().user());
        config.put("topic.prefix", id());
        config.put("table.include.list", tables.stream().map(t -> "public\\." + t).collect(Collectors.joining(",")));
        config.put("slot.name", slot);
        config.put("publication.name", slot);
        config.putAll(PRODUCER_TUNING);
        config.putAll(converters);
        config.put("snapshot.mode", snapshot ? "initial" : "never");
        config.put("tombstones.on.delete", "true");
        return config;
    }

    @Override
    public Map<String, String> sink(BenchStack stack, String database, String topic) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "io.adbsync.sink.AdbPgSinkConnector");
        config.put("tasks.max", "1");
        config.put("topics", topic);
        config.put("connection.url", stack.destination().jdbcUrl(database));
        config.put("connection.user", stack.destination().user());
        config.put("insert.mode", "upsert");
        config.put("delete.enabled", "true");
        config.put("auto.create", "true");
        config.put("auto.evolve", "true");
        config.put("table.name.format", "${schema}.${table}");
        config.putAll(CONSUMER_TUNING);
        config.putAll(converters);
        return config;
    }

    @Override
    public String destinationTable(String topic) {
        return topic.substring(topic.lastIndexOf('.') + 1);
    }
}
