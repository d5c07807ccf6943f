package io.adbsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.fixtures.kafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Snapshot and streaming throughput of each source beside raw COPY TO and pg_recvlogical, on one pgbench-style table.
 * Streaming is measured as the drain of a backlog written while the connector was paused, so the figure is the
 * connector's ceiling rather than the speed of the load generator sharing the machine's two cores.
 */
final class SourceBench {

    static final String TABLE = "accounts";
    private static final double MB = 1024.0 * 1024.0;
    /** Records read from the start of a topic to average their size. */
    private static final int RECORD_SAMPLE = 100;

    private final BenchStack stack;
    private final BenchSize size;
    private final PrintStream log;

    SourceBench(BenchStack stack, BenchSize size, PrintStream log) {
        this.stack = stack;
        this.size = size;
        this.log = log;
    }

    List<Measurement> run(List<Engine> engines) throws Exception {
        List<Measurement> results = new ArrayList<>();
        long tableBytes;
        try (Connection c = stack.sourceConnection()) {
            log.printf("source: creating %s with %,d rows%n", TABLE, size.snapshotRows());
            Workload.createAccounts(c, TABLE, size.snapshotRows());
            tableBytes = tableBytes(c);
            RawLimits.copyTo(c, TABLE); // warms the cache the connectors will also read from
            RawLimits.CopyOut copy = RawLimits.copyTo(c, TABLE);
            double seconds = copy.nanos() / 1e9;
            Map<String, Object> details = Map.of("rows", size.snapshotRows(), "seconds", seconds, "table_bytes", tableBytes,
                    "copy_text_bytes", copy.bytes());
            results.add(Measurement.limit(Scenario.SNAPSHOT_ROWS, "COPY TO STDOUT", size.snapshotRows() / seconds, details));
            results.add(Measurement.limit(Scenario.SNAPSHOT_MB, "COPY TO STDOUT", tableBytes / MB / seconds, details));
            log.printf("source: COPY TO %,.0f rows/s%n", size.snapshotRows() / seconds);
            results.add(rawStreaming(c));
        }
        for (Engine engine : engines) {
            results.addAll(engineRun(engine, tableBytes));
        }
        return results;
    }

    private Measurement rawStreaming(Connection c) throws Exception {
        String slot = "bench_raw";
        try (Statement s = c.createStatement()) {
            s.execute("CREATE PUBLICATION " + SqlIdentifiers.quote(slot) + " FOR TABLE " + Workload.name(TABLE));
            s.execute("SELECT pg_create_logical_replication_slot(" + SqlIdentifiers.literal(slot) + ", 'pgoutput')");
        }
        try {
            Workload.updateBacklog(c, TABLE, size.snapshotRows(), size.streamChanges());
            String end = RawLimits.currentLsn(c);
            long nanos = RawLimits.recvlogical(stack, slot, slot, end);
            double rate = size.streamChanges() / (nanos / 1e9);
            log.printf("source: pg_recvlogical %,.0f events/s%n", rate);
            return Measurement.limit(Scenario.STREAMING, "pg_recvlogical", rate,
                    Map.of("events", size.streamChanges(), "seconds", nanos / 1e9, "txn_rows", Workload.TXN_ROWS));
        } finally {
            stack.dropSlot(slot);
            try (Statement s = c.createStatement()) {
                s.execute("DROP PUBLICATION " + SqlIdentifiers.quote(slot));
            }
        }
    }

    private List<Measurement> engineRun(Engine engine, long tableBytes) {
        String name = engine.id() + "-source";
        String slot = "bench_" + engine.id();
        String topic = engine.topic(TABLE);
        List<Measurement> results = new ArrayList<>();
        try {
            long deployed = System.nanoTime();
            stack.rest().deploy(name, engine.source(stack, slot, List.of(TABLE), true));
            // Timed from the first record on: task start and slot creation are a fixed cost, not throughput.
            stack.await(engine.label() + " first snapshot record", () -> stack.topicCount(topic) > 0, deployed, size.timeout(), name);
            long start = System.nanoTime();
            long nanos = stack.await(engine.label() + " snapshot of " + size.snapshotRows() + " rows",
                    () -> stack.topicCount(topic) >= size.snapshotRows(), start, size.timeout(), name);
            double seconds = nanos / 1e9;
            long recordBytes = recordBytes(topic);
            Map<String, Object> details = Map.of("rows", size.snapshotRows(), "seconds", seconds, "table_bytes", tableBytes,
                    "record_bytes", recordBytes, "seconds_from_deploy", (System.nanoTime() - deployed) / 1e9);
            results.add(Measurement.of(engine, Scenario.SNAPSHOT_ROWS, size.snapshotRows() / seconds, details));
            results.add(Measurement.of(engine, Scenario.SNAPSHOT_MB, tableBytes / MB / seconds, details));
            // What the format changes most: the bytes the broker stores and every consumer reads per change.
            results.add(Measurement.of(engine, Scenario.RECORD_BYTES, recordBytes,
                    Map.of("records_sampled", RECORD_SAMPLE)));
            log.printf("source: %s snapshot %,.0f rows/s, %d bytes per record%n", engine.label(), size.snapshotRows() / seconds,
                    recordBytes);
        } catch (RuntimeException e) {
            log.printf("source: %s snapshot failed: %s%n", engine.label(), e.getMessage());
            results.add(Measurement.failed(engine, Scenario.SNAPSHOT_ROWS, firstLine(e)));
            cleanUp(name, slot);
            return results;
        }
        try {
            results.add(streaming(engine, name, topic));
        } catch (Exception e) {
            log.printf("source: %s streaming failed: %s%n", engine.label(), e.getMessage());
            results.add(Measurement.failed(engine, Scenario.STREAMING, firstLine(e)));
        } finally {
            cleanUp(name, slot);
        }
        return results;
    }

    private Measurement streaming(Engine engine, String name, String topic) throws Exception {
        stack.rest().pause(name);
        stack.await(name + " paused", () -> allInState(name, "PAUSED"), System.nanoTime(), Duration.ofSeconds(60), name);
        BenchStack.sleep(Duration.ofSeconds(2)); // lets a batch that was in flight at the pause land
        long base = stack.topicCount(topic);
        try (Connection c = stack.sourceConnection()) {
            Workload.updateBacklog(c, TABLE, size.snapshotRows(), size.streamChanges());
        }
        long start = System.nanoTime();
        stack.rest().resume(name);
        long nanos = stack.await(engine.label() + " streaming of " + size.streamChanges() + " changes",
                () -> stack.topicCount(topic) >= base + size.streamChanges(), start, size.timeout(), name);
        double rate = size.streamChanges() / (nanos / 1e9);
        log.printf("source: %s streaming %,.0f events/s%n", engine.label(), rate);
        return Measurement.of(engine, Scenario.STREAMING, rate,
                Map.of("events", size.streamChanges(), "seconds", nanos / 1e9, "txn_rows", Workload.TXN_ROWS));
    }

    /** Average key plus value size of the first records of {@code topic}: what the converter and the broker carry. */
    private long recordBytes(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.read(stack.stack().bootstrapServers(), topic, RECORD_SAMPLE, Duration.ofSeconds(30));
        return records.stream().mapToLong(r -> (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length))
                .sum() / Math.max(1, records.size());
    }

    private boolean allInState(String name, String state) {
        JsonNode status = stack.rest().status(name);
        if (!state.equals(status.path("connector").path("state").asText())) {
            return false;
        }
        for (JsonNode task : status.path("tasks")) {
            if (!state.equals(task.path("state").asText())) {
                return false;
            }
        }
        return true;
    }

    private void cleanUp(String name, String slot) {
        stack.removeConnector(name);
        stack.dropSlot(slot);
        stack.executeSource("DROP PUBLICATION IF EXISTS " + SqlIdentifiers.quote(slot));
    }

    private static long tableBytes(Connection c) throws java.sql.SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_table_size(" + SqlIdentifiers.literal(Workload.name(TABLE)) + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String firstLine(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
