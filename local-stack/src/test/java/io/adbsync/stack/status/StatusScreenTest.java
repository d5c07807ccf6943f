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

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StatusScreenTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private static final long OID = 16384;

    private static SnapshotProgress ctid(long chunks, long done) {
        return new SnapshotProgress("ctid", chunks, done, done >= chunks, OID, false);
    }

    private static SnapshotProgress key(boolean done) {
        return new SnapshotProgress("key", -1, -1, done, OID, false);
    }

    private static StatusSample sample(Instant at, long produced, long committed, long end, String sinkTaskState, String trace) {
        Source source = new Source("app", Map.of("app.public.accounts/0", produced), 35L, List.of(new Slot("", true, "reserved",
                3L * 1024 * 1024, 2048L, null, 40L, null)), "adbsync_app",
                List.of(StatusReader.copy("public.accounts", 100_000, List.of(ctid(20, 5)), OID),
                        StatusReader.copy("public.history", 50, List.of(key(true)), OID),
                        StatusReader.copy("public.orders", 10, Arrays.asList(key(true), key(false), null), OID),
                        StatusReader.copy("public.new_one", 0, Arrays.asList((SnapshotProgress) null), OID)),
                "initial", null);
        Sink sink = new Sink(List.of(new PartitionLag("app.public.accounts", 0, 0L, end, committed),
                new PartitionLag("app.public.history", 0, 4L, 14L, -1)), Map.of("app.public.accounts/0", committed),
                "app-dlq", 2L, null);
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
                .contains("SOURCE src → topics app.* · lag 35 ms · 500 records/s produced")
                .contains("slot adbsync_app: streaming · retained WAL 3.0 MiB · not yet in Kafka 2.0 KiB\n")
                .containsPattern("public\\.accounts +100,000 +25% \\(5/20 chunks\\)")
                .containsPattern("public\\.history +50 +done")
                // A partitioned table of three leaves: one done, one copying by key ranges, one not begun.
                .containsPattern("public\\.orders +10 +copying \\(1/3 parts done\\)")
                .containsPattern("public\\.new_one +0 +waiting")
                // 500 behind on accounts, and all 10 records of history (from its start offset 4, none committed).
                .contains("SINK snk · lag 510 records · 200 records/s applied · dead letters 2 in app-dlq")
                .containsPattern("app\\.public\\.history +0 +14 +- +10");
    }

    @Test
    void aFailedTaskShowsItsReasonAndOneScreenHasNoRates() {
        String screen = StatusScreen.render(sample(T0, 1_000, 2_000, 2_000, "FAILED", "ConnectException: Exiting ← PSQLException: "
                + "violates check constraint \"accounts_balance_check\""), null, "x");
        assertThat(screen).contains("task 0   FAILED     on w2:8083  ConnectException: Exiting ← PSQLException: violates check "
                + "constraint \"accounts_balance_check\"").doesNotContain("records/s");
        assertThat(StatusCommand.healthy(sample(T0, 0, 0, 0, "FAILED", "x"))).isFalse();
        assertThat(StatusCommand.healthy(sample(T0, 0, 0, 0, "PAUSED", null))).isTrue();
    }

    @Test
    void whatWasNotReadIsUnknownNeverZero() {
        Source source = new Source("app", null, null, List.of(), "s", List.of(), "initial", "source database: Connection refused");
        Sink sink = new Sink(List.of(new PartitionLag("app.public.t", 0, null, null, 10)), null, "dlq", null,
                "Kafka not read (give --bootstrap-servers)");
        StatusSample sample = new StatusSample(T0, List.of(new Connector("src", "source", "RUNNING", "w", null, List.of(), source, null),
                new Connector("snk", "sink", "RUNNING", "w", null, List.of(), null, sink)), null);
        assertThat(StatusScreen.render(sample, sample, "x"))
                .contains("SOURCE src → topics app.* · lag ? · ? records/s produced\n  source database: Connection refused")
                .contains("SINK snk · lag ? records · ? records/s applied · dead letters ? in dlq\n  Kafka not read")
                .containsPattern("app\\.public\\.t +0 +\\? +10 +\\?");
    }

    @Test
    void aRateCountsOnlyPartitionsKnownInBothSamplesAndNothingThatWentBack() {
        // A partition first seen at offset 5,000,000 (retention moved its start) and one reset to 0 make no spike.
        assertThat(StatusScreen.rate(Map.of("t/0", 1_100L, "t/1", 5_000_000L, "t/2", 0L), Map.of("t/0", 1_000L, "t/2", 900L), 10))
                .isEqualTo("10 records/s");
        assertThat(StatusScreen.rate(Map.of("t/0", 1L), null, 10)).isNull();
    }

    @Test
    void aTableDroppedAndCreatedAgainOrLeftOutOfCaptureWillBeCopiedAgain() {
        TableCopy recreated = StatusReader.copy("public.t", 5, List.of(ctid(4, 4)), OID + 1);
        assertThat(StatusScreen.copy(recreated, "initial")).startsWith("to be copied again");
        TableCopy left = StatusReader.copy("public.t", 5, List.of(new SnapshotProgress("ctid", 4, 4, true, OID, true)), OID);
        assertThat(StatusScreen.copy(left, "initial")).startsWith("to be copied again");
        // Per segment and per leaf: two segments × two leaves, CTID chunks: the share is the mean of the parts'.
        List<SnapshotProgress> parts = new ArrayList<>(List.of(ctid(4, 4), ctid(4, 2), ctid(2, 2), ctid(10, 0)));
        assertThat(StatusScreen.copy(StatusReader.copy("public.p", 5, parts, OID), "initial")).isEqualTo(" 63% (2/4 parts done)");
    }

    @Test
    void aSourceReadPerSegmentShowsASlotLinePerSegmentAndWhatCouldNotBeRead() {
        Source source = new Source("gp", Map.of(), null, List.of(new Slot("segment 0", true, null, 4096L, 0L, 12L, 15L, null),
                new Slot("segment 1", false, null, null, null, null, null, "unreachable: Connection refused"),
                new Slot("segment 2", false, "lost", null, 100L, null, null, null)), "gp_slot", List.of(), "initial", null);
        StatusSample sample = new StatusSample(T0, List.of(new Connector("gps", "source", "RUNNING", "w", null,
                List.of(new Task(0, "RUNNING", "w", null), new Task(1, "RUNNING", "w", null)), source, null)), null);
        assertThat(StatusScreen.render(sample, null, "x"))
                // Without the worker's metrics the lag is the walsender's, an upper bound, and said to be one.
                .contains("SOURCE gps → topics gp.* · lag ≤ 15 ms (walsender's view, moves with the task's feedback)")
                .contains("slot gp_slot on segment 0: streaming · retained WAL 4.0 KiB · not yet in Kafka 0 B")
                .contains("slot gp_slot on segment 1: unreachable: Connection refused")
                .contains("slot gp_slot on segment 2: LOST: the server removed WAL it still needed (wal_status lost)")
                .containsPattern("gps +source +RUNNING +2/2 running");
    }

    @Test
    void theSourceLagIsReadFromTheWorkersMetricsLargestTaskPerConnector() {
        String exposition = """
                # HELP adbsync_source_streaming_millisecondsbehindsource MilliSecondsBehindSource
                # TYPE adbsync_source_streaming_millisecondsbehindsource untyped
                adbsync_source_streaming_millisecondsbehindsource{connector="src",task="0",} 12.0
                adbsync_source_streaming_millisecondsbehindsource{connector="src",task="1",} 40.0
                adbsync_source_streaming_millisecondsbehindsource{connector="idle",task="0",} -1.0
                adbsync_source_streaming_totalchangerecords{connector="src",task="0",} 99.0
                """;
        assertThat(SourceLagMetrics.parse(exposition)).containsExactly(Map.entry("src", 40L));
        assertThat(SourceLagMetrics.read(null)).isNull();
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
        assertThat(StatusReader.reason(trace)).isEqualTo("org.apache.kafka.connect.errors.ConnectException: Exiting WorkerSinkTask "
                + "due to unrecoverable exception. ← org.postgresql.util.PSQLException: ERROR: new row violates check constraint \"c\"");
        assertThat(StatusReader.reason("java.lang.IllegalStateException: one line")).isEqualTo("java.lang.IllegalStateException: one line");
        assertThat(StatusReader.reason(null)).isNull();
        assertThat(StatusScreen.bytes(1023)).isEqualTo("1023 B");
        assertThat(StatusScreen.bytes(5L * 1024 * 1024 * 1024)).isEqualTo("5.0 GiB");
        assertThat(StatusCommand.withoutUserInfo(URI.create("https://admin:secret@connect:8083"))).isEqualTo("https://connect:8083");
    }
}
