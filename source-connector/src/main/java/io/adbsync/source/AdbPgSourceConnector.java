package io.adbsync.source;

import io.adbsync.common.Version;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

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

    @Override
    public ConfigDef config() {
        return SourceConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return Version.get();
    }
}
