package io.adbsync.stack.status;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.stack.status.StatusSample.Connector;
import io.adbsync.stack.status.StatusSample.PartitionLag;
import io.adbsync.stack.status.StatusSample.Sink;
import io.adbsync.stack.status.StatusSample.Slot;
import io.adbsync.stack.status.StatusSample.Source;
import io.adbsync.stack.status.StatusSample.TableCopy;
import io.adbsync.stack.status.StatusSample.Task;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class StatusScreenTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private static StatusSample sample(Instant at, long produced, long committed, long end, String sinkTaskState, String trace) {
        Source source = new Source("app", produced, List.of(new Slot("", true, 3 * 1024 * 1024, 2048, null, null)), "adbsync_app",
                List.of(new TableCopy("public.accounts", 100_000, Optional.of(new SnapshotProgress("ctid", 20, 5, false)), 1, 0),
                        new TableCopy("public.history", 50, Optional.of(new SnapshotProgress("key", -1, -1, true)), 1, 1),
                        new TableCopy("public.orders", 10, Optional.of(new SnapshotProgress("key", -1, -1, false)), 3, 1),
                        new TableCopy("public.new_one", 0, Optional.empty(), 0, 0)),
                "initial", null);
        Sink sink = new Sink(List.of(new PartitionLag("app.public.accounts", 0, end, committed),
                new PartitionLag("app.public.history", 0, 10, -1)), committed, "app-dlq", 2, null);
        return new StatusSample(at, List.of(
                new Connector("src", "source", "RUNNING", "w1:8083", null, List.of(new Task(0, "RUNNING", "w1:8083", null)), source, null),
                new Connector("snk", "sink", "RUNNING", "w1:8083", null, List.of(new Task(0, sinkTaskState, "w2:8083", trace)), null, sink)),
                null);
    }

    @Test
    void showsStatesProgressLagAndRatesAgainstTheSampleBefore() {
        String screen = StatusScreen.render(sample(T0.plusSeconds(10), 6_000, 4_000, 4_500, "RUNNING", null),
                sample(T0, 1_000, 2_000, 2_000, "RUNNING", null), "Connect http://w1:8083");
        assertThat(screen)
                .contains("adbsync status · Connect http://w1:8083 · 2026-11-27 10:00:10 UTC")
                .containsPattern("src +source +RUNNING +1/1 running")
                .contains("task 0   RUNNING    on w2:8083")
                .contains("SOURCE src → topics app.* · 500 records/s produced")
                .contains("slot adbsync_app: streaming · lag 0 ms (idle) · retained WAL 3.0 MB · not yet in Kafka 2.0 kB")
                .containsPattern("public\\.accounts +100,000 +25% \\(5/20 chunks\\)")
                .containsPattern("public\\.history +50 +done")
                .containsPattern("public\\.orders +10 +copying by key ranges \\(1/3 partitions\\)")
                .containsPattern("public\\.new_one +0 +waiting")
                // 500 behind on accounts, and all 10 of history since nothing was committed there.
                .contains("SINK snk · lag 510 records · 200 records/s applied · dead letters 2 in app-dlq")
                .containsPattern("app\\.public\\.history +0 +10 +- +10");
    }

    @Test
    void aFailedTaskShowsItsReasonAndTheFirstScreenHasNoRates() {
        String screen = StatusScreen.render(sample(T0, 1_000, 2_000, 2_000, "FAILED", "ConnectException: Exiting ← PSQLException: "
                + "violates check constraint \"accounts_balance_check\""), null, "x");
        assertThat(screen).contains("task 0   FAILED     on w2:8083  ConnectException: Exiting ← PSQLException: violates check "
                + "constraint \"accounts_balance_check\"").doesNotContain("records/s");
        assertThat(StatusCommand.healthy(sample(T0, 0, 0, 0, "FAILED", "x"))).isFalse();
        assertThat(StatusCommand.healthy(sample(T0, 0, 0, 0, "PAUSED", null))).isTrue();
    }

    @Test
    void aSourceReadPerSegmentShowsASlotLinePerSegmentAndWhatCouldNotBeRead() {
        Source source = new Source("gp", 0, List.of(new Slot("segment 0", true, 4096, 0, 12L, null),
                new Slot("segment 1", false, 0, 0, null, "unreachable: Connection refused")), "gp_slot", List.of(), "initial", null);
        StatusSample sample = new StatusSample(T0, List.of(new Connector("gps", "source", "RUNNING", "w", null,
                List.of(new Task(0, "RUNNING", "w", null), new Task(1, "RUNNING", "w", null)), source, null)), null);
        assertThat(StatusScreen.render(sample, null, "x"))
                .contains("slot gp_slot on segment 0: streaming · lag 12 ms · retained WAL 4.0 kB · not yet in Kafka 0 B")
                .contains("slot gp_slot on segment 1: unreachable: Connection refused")
                .containsPattern("gps +source +RUNNING +2/2 running");
    }

    @Test
    void theReasonOfATraceIsItsFirstLineAndItsInnermostCause() {
        String trace = """
                org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask due to unrecoverable exception.
                \tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:636)
                Caused by: org.apache.kafka.connect.errors.ConnectException: batch failed
                \tat io.adbsync.sink.Writer.flush(Writer.java:1)
                Caused by: org.postgresql.util.PSQLException: ERROR: new row violates check constraint "c"
                \t... 12 more
                """;
        assertThat(StatusReader.firstLine(trace)).isEqualTo("org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask "
                + "due to unrecoverable exception. ← org.postgresql.util.PSQLException: ERROR: new row violates check constraint \"c\"");
        assertThat(StatusReader.firstLine("java.lang.IllegalStateException: one line")).isEqualTo("java.lang.IllegalStateException: one line");
        assertThat(StatusReader.firstLine(null)).isNull();
        assertThat(StatusScreen.bytes(1023)).isEqualTo("1023 B");
        assertThat(StatusScreen.bytes(5L * 1024 * 1024 * 1024)).isEqualTo("5.0 GB");
    }
}
