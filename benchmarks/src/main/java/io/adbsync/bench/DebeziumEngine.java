package io.adbsync.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Debezium's PostgreSQL source and JDBC sink, with the settings their documentation gives for this pipeline. */
public final class DebeziumEngine implements Engine {

    /** Kafka's JsonConverter with schemas, the worker default Debezium's documentation starts from. */
    static final Map<String, String> JSON_CONVERTERS = Map.of(
            "key.converter", "org.apache.kafka.connect.json.JsonConverter",
            "value.converter", "org.apache.kafka.connect.json.JsonConverter");

    private final String version;
    private final Format format;
    private final Map<String, String> converters;

    /** Debezium {@code version} writing {@code format} through {@code converters} (key.converter, value.converter and settings). */
    public DebeziumEngine(String version, Format format, Map<String, String> converters) {
        this.version = version;
        this.format = format;
        this.converters = Map.copyOf(converters);
    }

    @Override
    public String system() {
        return "Debezium " + version;
    }

    @Override
    public Role role() {
        return Role.PEER;
    }

    @Override
    public Format format() {
        return format;
    }

    @Override
    public String id() {
        return "dbz_" + format.key();
    }

    @Override
    public String topic(String table) {
        return id() + ".public." + table;
    }

    @Override
    public Map<String, String> source(BenchStack stack, String slot, List<String> tables, boolean snapshot) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        config.put("tasks.max", "1");
        config.put("database.hostname", stack.source().host());
        config.put("database.port", String.valueOf(stack.source().port()));
        config.put("database.user", stack.source().user());
        config.put("database.dbname", stack.sourceDb());
        config.put("topic.prefix", id());
        config.put("plugin.name", "pgoutput");
        config.put("slot.name", slot);
        config.put("publication.name", slot);
        config.put("publication.autocreate.mode", "filtered");
        config.put("table.include.list", tables.stream().map(t -> "public." + t).collect(Collectors.joining(",")));
        config.putAll(PRODUCER_TUNING);
        config.put("snapshot.mode", snapshot ? "initial" : "no_data");
        config.putAll(converters);
        return config;
    }

    @Override
    public Map<String, String> sink(BenchStack stack, String database, String topic) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector");
        config.put("tasks.max", "1");
        config.put("topics", topic);
        config.put("connection.url", stack.destination().jdbcUrl(database));
        config.put("connection.username", stack.destination().user());
        config.put("connection.password", "");
        config.put("insert.mode", "upsert");
        config.put("delete.enabled", "true");
        config.put("primary.key.mode", "record_key");
        config.put("schema.evolution", "basic");
        config.put("batch.size", String.valueOf(SINK_BATCH));
        config.putAll(CONSUMER_TUNING);
        config.putAll(converters);
        return config;
    }

    @Override
    public String destinationTable(String topic) {
        // Debezium's default naming: the topic with dots turned into underscores.
        return topic.replace('.', '_');
    }
}
