package io.adbsync.source;

import io.adbsync.common.config.ConfigDocsCheck;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourceConfigTest {

    private static Map<String, String> minimal() {
        Map<String, String> props = new HashMap<>();
        props.put("connection.url", "jdbc:postgresql://db/app");
        props.put("connection.user", "repl");
        props.put("topic.prefix", "app");
        return props;
    }

    @Test
    void theConfigReferenceInDocsIsGeneratedFromTheConfigDef() throws Exception {
        ConfigDocsCheck.check(Path.of("../docs/config/source-connector.md"), "Source connector configuration",
                "Settings of `io.adbsync.source.AdbPgSourceConnector`, by group. Connect's own source settings apply as "
                        + "usual; of them, `topic.creation.default.partitions` (and `topic.creation.<group>.partitions` for "
                        + "the topics of a group) also tell the connector how many partitions each table topic has: it "
                        + "sends every TRUNCATE to each of them, so set them to the topics' partition count (1 when "
                        + "absent; -1 is refused). See docs/operations.md, \"Topics with several partitions\".",
                SourceConfig.CONFIG_DEF);
    }

    @Test
    void defaultsAreUsable() {
        SourceConfig config = new SourceConfig(minimal());
        assertThat(config.snapshotMode()).isEqualTo(SourceConfig.SnapshotMode.INITIAL);
        assertThat(config.slotName()).isEqualTo("adbsync");
        assertThat(config.heartbeatTopic()).isEqualTo("__adbsync-heartbeat.app");
        assertThat(config.retryWindowMs()).isEqualTo(720L * 60_000);
        assertThat(config.tableFilters()).isEmpty();
    }

    @Test
    void rowFiltersParseAndBadOnesNameTheEntry() {
        Map<String, String> props = minimal();
        props.put("table.filters", "public.orders: status <> 'draft' AND total > 0; sales.items:qty > 0");
        assertThat(new SourceConfig(props).tableFilters())
                .containsEntry("public.orders", "status <> 'draft' AND total > 0")
                .containsEntry("sales.items", "qty > 0");
        props.put("table.filters", "orders status <> 'draft'");
        assertThatThrownBy(() -> new SourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("table.filters").hasMessageContaining("schema.table: condition");
    }

    @Test
    void operationEntriesAreCheckedWhenTheConfigIsParsed() {
        Map<String, String> props = minimal();
        props.put("table.operations", "public\\.audit=insert|upsert");
        assertThatThrownBy(() -> new SourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("table.operations").hasMessageContaining("unknown operation 'upsert'");
    }
}
