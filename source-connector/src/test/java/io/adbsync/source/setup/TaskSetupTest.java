package io.adbsync.source.setup;

import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.metrics.StreamingMetrics;
import io.adbsync.source.replication.LsnAckTracker;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failed set-ups the task tries again at once: a captured table dropped while the task listed them. */
class TaskSetupTest {

    private final TaskSetup setup = new TaskSetup(new SourceConfig(Map.of("connection.url", "jdbc:postgresql://db/app",
            "connection.user", "repl", "topic.prefix", "app")), "app", "0", java.util.OptionalInt.empty(), null, null, new LsnAckTracker(), new StreamingMetrics(),
            new io.adbsync.source.snapshot.CopiesInFlight());

    @Test
    void aTableDroppedWhileSettingUpIsARaceTriedAgainAtOnceButNotForever() {
        SQLException dropped = new SQLException("relation \"public.gone\" does not exist", "42P01");
        for (int i = 0; i < TaskSetup.MAX_SET_UP_RACES; i++) {
            assertThat(setup.raced(i % 2 == 0 ? dropped : new ConnectException("Cannot read public.gone", dropped))).isTrue();
        }
        assertThat(setup.raced(dropped)).isFalse();
    }

    @Test
    void otherFailuresAreNoRace() {
        assertThat(setup.raced(new SQLException("Connection refused", "08001"))).isFalse();
        assertThat(setup.raced(new SQLException("permission denied for table t", "42501"))).isFalse();
        assertThat(setup.raced(new IllegalStateException("no SQL behind it"))).isFalse();
    }
}
