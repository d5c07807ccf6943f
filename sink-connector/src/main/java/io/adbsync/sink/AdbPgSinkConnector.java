package io.adbsync.sink;

import io.adbsync.common.Version;
import io.adbsync.common.config.ConnectorValidation;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.precheck.SinkPrecheck;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Kafka Connect entry point of the sink side: applies change events by primary key to the destination database. */
public class AdbPgSinkConnector extends SinkConnector {

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new SinkConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return AdbPgSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        // Partitions are spread by the consumer group; every task gets the same settings.
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(props);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    /** The precheck: static validation first, then live checks against the destination when the connection keys are valid. */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        return ConnectorValidation.withLiveChecks(super.validate(connectorConfigs), values -> {
            String topics = connectorConfigs.getOrDefault("topics", "");
            List<String> listed = Arrays.stream(topics.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
            SinkPrecheck.run(new SinkConfig(connectorConfigs), listed).forEach((key, messages) -> {
                ConfigValue value = values.get(key);
                if (value != null) {
                    messages.forEach(value::addErrorMessage);
                }
            });
        });
    }

    @Override
    public ConfigDef config() {
        return SinkConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return Version.get();
    }
}
