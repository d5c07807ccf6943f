package io.adbsync.source;

import io.adbsync.source.shard.KeyShard;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@code PATCH /connectors/NAME/offsets} refuses, before anything is stored; what each task is given. */
class AdbPgSourceConnectorTest {

    private static final Map<String, String> CONFIG = Map.of("connection.url", "jdbc:postgresql://localhost/app",
            "connection.user", "u", "topic.prefix", "p");

    private static void alter(Map<String, ?> partition, Map<String, ?> offset) {
        Map<Map<String, ?>, Map<String, ?>> offsets = new HashMap<>();
        offsets.put(partition, offset);
        new AdbPgSourceConnector().alterOffsets(CONFIG, offsets);
    }

    /**
     * Only a reset of this source's stream positions gives up the slot: resetting a table's copy, or the stream of
     * another topic.prefix the connector had before, leaves it (the server is not even asked: it does not exist here).
     */
    @Test
    void aResetThatLeavesThisSourcesStreamPositionKeepsTheSlot() {
        Map<String, String> dropping = new HashMap<>(CONFIG);
        dropping.put("slot.drop.on.offsets.reset", "true");
        dropping.put("connection.url", "jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2");
        Map<Map<String, ?>, Map<String, ?>> offsets = new HashMap<>();
        offsets.put(Map.of("server", "p", "snapshot", "public.orders"), null);
        offsets.put(Map.of("server", "old-prefix"), null);
        assertThat(new AdbPgSourceConnector().alterOffsets(dropping, offsets)).isTrue();
        offsets.put(Map.of("server", "p"), null);
        assertThatThrownBy(() -> new AdbPgSourceConnector().alterOffsets(dropping, offsets))
                .isInstanceOf(ConnectException.class).hasMessageContaining("could not be dropped");
    }

    @Test
    void aSnapshotOffsetWithAMissingOrWrongTypedFieldIsRefusedNamingTableAndField() {
        Map<String, String> partition = Map.of("server", "p", "snapshot", "public.orders");
        assertThatThrownBy(() -> alter(partition, Map.of("chunking", "ctid", "blocks_per_chunk", 8, "next_chunk", 0)))
                .isInstanceOf(ConnectException.class).hasMessageContaining("public.orders").hasMessageContaining("'chunks'");
        assertThatThrownBy(() -> alter(partition, Map.of("chunking", "key", "after_count", "1", "after_0", "7", "done", false)))
                .isInstanceOf(ConnectException.class).hasMessageContaining("public.orders").hasMessageContaining("'after_count'");
    }

    @Test
    void aStreamOffsetWithAMissingOrWrongTypedFieldIsRefusedNamingTheField() {
        Map<String, String> partition = Map.of("server", "p");
        assertThatThrownBy(() -> alter(partition, Map.of("event", 0)))
                .isInstanceOf(ConnectException.class).hasMessageContaining("'lsn'");
        assertThatThrownBy(() -> alter(partition, Map.of("lsn", 1000, "event", "first")))
                .isInstanceOf(ConnectException.class).hasMessageContaining("'event'");
    }

    @Test
    void oneTaskReadsTheWholeSourceAndTasksMaxAboveOneSplitsItByKey() {
        AdbPgSourceConnector connector = new AdbPgSourceConnector();
        connector.start(CONFIG);
        List<Map<String, String>> one = connector.taskConfigs(1);
        assertThat(one).singleElement().satisfies(task -> assertThat(task).containsAllEntriesOf(CONFIG)
                .containsEntry(AdbPgSourceConnector.TASK_ID, "0").doesNotContainKey(KeyShard.TASK_SHARD));
        List<Map<String, String>> three = connector.taskConfigs(3);
        assertThat(three).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(three.get(i)).containsAllEntriesOf(CONFIG).containsEntry(AdbPgSourceConnector.TASK_ID, Integer.toString(i))
                    .containsEntry(KeyShard.TASK_SHARD, i + "/3");
        }
    }
}
