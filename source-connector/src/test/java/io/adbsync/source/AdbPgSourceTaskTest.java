package io.adbsync.source;

import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The task's start-up against a source that is not there (a port nothing listens on), on a test clock: the retry
 * decisions without a database and without waiting.
 */
class AdbPgSourceTaskTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final List<Long> sleeps = new ArrayList<>();
    private final AdbPgSourceTask task = new AdbPgSourceTask(now::get, ms -> {
        sleeps.add(ms);
        now.addAndGet(ms);
    });
    private String url;

    @BeforeEach
    void nothingListens() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        url = "jdbc:postgresql://127.0.0.1:" + port + "/app";
    }

    private Map<String, String> config(long retryWindowMs, long pollIntervalMs) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "orders-source");
        props.put("connection.url", url);
        props.put("connection.user", "repl");
        props.put("connection.password", "s3cret-pw");
        props.put("topic.prefix", "app");
        props.put("connection.retry.window.ms", String.valueOf(retryWindowMs));
        props.put("poll.interval.ms", String.valueOf(pollIntervalMs));
        props.put(AdbPgSourceConnector.TASK_ID, "0");
        return props;
    }

    private void start(Map<String, String> props) {
        task.initialize(new InMemoryTaskContext(props));
        task.start(props);
    }

    @Test
    void aSourceThatIsDownIsTriedAgainWithDoublingWaitsUntilTheRetryWindowEnds() {
        // A poll interval longer than every wait: each wait is then one sleep, and the sleeps are the backoffs.
        start(config(10_000, 60_000));
        long startedAt = now.get();
        ConnectException failure = null;
        for (int poll = 0; poll < 20 && failure == null; poll++) {
            try {
                assertThat(task.poll()).isNull();
            } catch (ConnectException e) {
                failure = e;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        // Attempts at 0, 1, 3 and 7 s, and the last one at the end of the window, 10 s: the wait is cut to it.
        assertThat(sleeps).containsExactly(1_000L, 2_000L, 4_000L, 3_000L);
        assertThat(now.get() - startedAt).isEqualTo(10_000);
        assertThat(failure).isNotNull();
        assertThat(failure.getMessage())
                .startsWith("Could not connect to " + url + " within connection.retry.window.ms=10000 ms; last error: ")
                .doesNotContain("s3cret-pw");
    }

    @Test
    void aWaitLongerThanThePollIntervalIsSpreadOverPollsSoTheTaskStaysStoppable() throws InterruptedException {
        start(config(60_000, 300));
        assertThat(task.poll()).isNull();
        assertThat(sleeps).isEmpty();
        // The next attempt is due in 1 s: polls of at most 300 ms each until then.
        for (int poll = 0; poll < 4; poll++) {
            assertThat(task.poll()).isNull();
        }
        assertThat(sleeps).containsExactly(300L, 300L, 300L, 100L);
        task.stop();
        assertThat(task.poll()).isNull();
        assertThat(sleeps).hasSize(4);
    }

    @Test
    void aZeroRetryWindowFailsTheTaskAtTheFirstFailedConnect() {
        start(config(0, 500));
        assertThatThrownBy(task::poll).isInstanceOf(ConnectException.class)
                .hasMessageStartingWith("Could not connect to " + url + " within connection.retry.window.ms=0 ms");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void aTaskStoppedBeforeItsFirstPollDoesNotConnect() throws InterruptedException {
        start(config(0, 500));
        task.stop();
        // With a zero window an attempt would fail the task: none is made.
        assertThat(task.poll()).isNull();
        assertThat(sleeps).isEmpty();
    }
}
