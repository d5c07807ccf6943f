package io.adbsync.source;

import io.adbsync.common.Version;
import io.adbsync.source.precheck.SourcePrecheck;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Kafka Connect entry point of the source side: snapshots and streams a PostgreSQL-protocol database into topics. */
public class AdbPgSourceConnector extends SourceConnector {

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        // Parsing here makes a bad config fail the connector at once, with the key named, not later in a task.
        new SourceConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return AdbPgSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        // One replication slot is read by exactly one task.
        return List.of(props);
    }

    @Override
    public void stop() {
    }

    /**
     * Validates the config, then, when the connection settings are well-formed, checks the source itself: reachable,
     * wal_level, privileges, version, database name, captured tables and their keys, replication slots.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = new HashMap<>();
        boolean wellFormed = true;
        for (ConfigValue value : result.configValues()) {
            values.put(value.name(), value);
            wellFormed &= value.errorMessages().isEmpty();
        }
        if (wellFormed) {
            SourcePrecheck.check(new SourceConfig(connectorConfigs), values);
        }
        return result;
    }

    @Override
    public ConfigDef config() {
        return SourceConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return Version.get();
    }
}
