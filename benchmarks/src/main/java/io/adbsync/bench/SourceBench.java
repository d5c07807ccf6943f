package io.adbsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.fixtures.kafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicReference;
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
    /** Records of a snapshot topic the broker's ingest limit sends over and over: enough to vary keys and values. */
    private static final int INGEST_SAMPLE = 1000;

    private final BenchStack stack;
    private final BenchSize size;
    private final PrintStream log;
    private final Map<Format, List<ConsumerRecord<byte[], byte[]>>> ingestSamples = new EnumMap<>(Format.class);

    SourceBench(BenchStack stack, BenchSize size, PrintStream log) {
        this.stack = stack;
        this.size = size;
        this.log = log;
    }

    /**
     * Each repetition measures the limits and then every engine in turn (so a drift of the machine touches all of
     * them alike), and after adbsync's run in a format the broker's ingest of the same records; one figure per
     * repetition, combined by {@link Runs#combine}.
     */
    List<Measurement> run(List<Engine> engines) throws Exception {
        List<Measurement> results = new ArrayList<>();
        long tableBytes;
        try (Connection c = stack.sourceConnection()) {
            log.printf("source: creating %s with %,d rows%n", TABLE, size.snapshotRows());
            Workload.createAccounts(c, TABLE, size.snapshotRows());
            tableBytes = tableBytes(c);
            RawLimits.copyTo(c, TABLE); // warms the cache the connectors will also read from
        }
        for (int run = size.firstRun(); run <= size.repeat(); run++) {
            // The warm-up (run 0) runs as any other; its figures are dropped.
            List<Measurement> recorded = run == 0 ? new ArrayList<>() : results;
            try (Connection c = stack.sourceConnection()) {
                if (run != size.firstRun()) {
                    // Each streaming run leaves a dead version of the rows it updated; the next snapshot should not read them.
                    try (Statement s = c.createStatement()) {
                        s.execute("VACUUM " + Workload.name(TABLE));
                    }
                }
                recorded.addAll(copyTo(c, tableBytes, run));
                recorded.addAll(rawStreaming(c, run));
            }
            for (Engine engine : engines) {
                recorded.addAll(engineRun(engine, tableBytes, run));
                if (engine.role() == Role.OURS) {
                    recorded.addAll(kafkaIngest(engine, run));
                }
            }
        }
        return results;
    }

    private List<Measurement> copyTo(Connection c, long tableBytes, int run) throws Exception {
        CpuMeter.Sample cpu = stack.cpu().sample();
        RawLimits.CopyOut copy = RawLimits.copyTo(c, TABLE);
        CpuMeter.Usage usage = stack.cpu().since(cpu, size.snapshotRows());
        double seconds = copy.nanos() / 1e9;
        Map<String, Object> details = Map.of("rows", size.snapshotRows(), "seconds", seconds, "table_bytes", tableBytes,
                "copy_text_bytes", copy.bytes());
        log.printf("source%s: COPY TO %,.0f rows/s, %,.0f CPU-ms per million rows%n", runLabel(run), size.snapshotRows() / seconds,
                usage.totalPerMillion());
        return List.of(Measurement.limit(Scenario.SNAPSHOT_ROWS, "COPY TO STDOUT", size.snapshotRows() / seconds, details),
                Measurement.limit(Scenario.SNAPSHOT_MB, "COPY TO STDOUT", tableBytes / MB / seconds, details),
                Measurement.limit(Scenario.SNAPSHOT_CPU, "COPY TO STDOUT", usage.totalPerMillion(), usage.details()));
    }

    /**
     * The broker's ingest limit for the pipeline's own records: a plain KafkaProducer with a Connect source producer's
     * settings and the engines' overrides sends {@code snapshotRows} records, cycling through the first records of
     * {@code engine}'s snapshot topic as they are (already serialized), to a new topic with as many partitions.
     */
    private List<Measurement> kafkaIngest(Engine engine, int run) {
        String source = engine.topic(TABLE);
        String target = "bench_kafka_ingest_" + engine.format().key() + "_" + run;
        String system = "Kafka producer";
        try {
            List<ConsumerRecord<byte[], byte[]>> sample = ingestSamples.computeIfAbsent(engine.format(),
                    f -> TopicReader.read(stack.stack().bootstrapServers(), source, INGEST_SAMPLE, Duration.ofSeconds(60)));
            if (sample.isEmpty()) {
                throw new IllegalStateException("no records in " + source + " to send");
            }
            stack.createTopicLike(target, source);
            long rows = size.snapshotRows();
            long bytes = 0;
            CpuMeter.Sample cpu;
            long nanos;
            AtomicReference<Exception> failure = new AtomicReference<>();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings(), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.partitionsFor(target); // metadata fetched before the clock starts, as a running task has it
                cpu = stack.cpu().sample();
                long start = System.nanoTime();
                for (long i = 0; i < rows; i++) {
                    ConsumerRecord<byte[], byte[]> r = sample.get((int) (i % sample.size()));
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                    producer.send(new ProducerRecord<>(target, r.key(), r.value()), (meta, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                }
                producer.flush();
                nanos = System.nanoTime() - start;
            }
            CpuMeter.Usage usage = stack.cpu().since(cpu, rows);
            if (failure.get() != null) {
                throw new IllegalStateException("a send failed: " + failure.get().getMessage(), failure.get());
            }
            double seconds = nanos / 1e9;
            Map<String, Object> details = Map.of("records", rows, "seconds", seconds, "bytes", bytes,
                    "sampled_from", source, "records_sampled", sample.size());
            log.printf("source%s: Kafka ingest of %s records %,.0f records/s, %.1f MB/s, %,.0f CPU-ms per million records%n",
                    runLabel(run), engine.format().title(), rows / seconds, bytes / MB / seconds, usage.totalPerMillion());
            return List.of(Measurement.limit(Scenario.KAFKA_INGEST, system, engine.format(), rows / seconds, details),
                    Measurement.limit(Scenario.KAFKA_INGEST_MB, system, engine.format(), bytes / MB / seconds, details),
                    Measurement.limit(Scenario.KAFKA_INGEST_CPU, system, engine.format(), usage.totalPerMillion(), usage.details()));
        } catch (RuntimeException e) {
            log.printf("source%s: Kafka ingest of %s records failed: %s%n", runLabel(run), engine.format().title(), e.getMessage());
            return List.of(new Measurement(Scenario.KAFKA_INGEST, system, Role.LIMIT, engine.format(), Double.NaN,
                    Map.of("error", firstLine(e))));
        } finally {
            stack.deleteTopic(target);
        }
    }

    /** What Kafka Connect gives a source task's producer (Worker.baseProducerConfigs), with the engines' overrides. */
    private Map<String, Object> producerSettings() {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.stack().bootstrapServers());
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Integer.MAX_VALUE));
        Engine.PRODUCER_TUNING.forEach((k, v) -> settings.put(k.substring("producer.override.".length()), v));
        return settings;
    }

    private String runLabel(int run) {
        return label(size, run);
    }

    /** How logs name run {@code run}: nothing for a lone run, the warm-up, or "(run 2/3)". */
    static String label(BenchSize size, int run) {
        return run == 0 ? " (warm-up, not recorded)" : size.repeat() == 1 ? "" : " (run " + run + "/" + size.repeat() + ")";
    }

    /** Names of a repetition's connector, slot and database: the first run keeps the plain names. */
    static String suffix(int run) {
        return run == 1 ? "" : "_r" + run;
    }

    private List<Measurement> rawStreaming(Connection c, int run) throws Exception {
        String slot = "bench_raw" + suffix(run);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE PUBLICATION " + SqlIdentifiers.quote(slot) + " FOR TABLE " + Workload.name(TABLE));
            s.execute("SELECT pg_create_logical_replication_slot(" + SqlIdentifiers.literal(slot) + ", 'pgoutput')");
        }
        try {
            Workload.updateBacklog(c, TABLE, size.snapshotRows(), size.streamChanges());
            String end = RawLimits.currentLsn(c);
            CpuMeter.Sample cpu = stack.cpu().sample();
            long nanos = RawLimits.recvlogical(stack, slot, slot, end);
            CpuMeter.Usage usage = stack.cpu().since(cpu, size.streamChanges());
            double rate = size.streamChanges() / (nanos / 1e9);
            log.printf("source%s: pg_recvlogical %,.0f events/s, %,.0f CPU-ms per million events%n", runLabel(run), rate,
                    usage.totalPerMillion());
            return List.of(Measurement.limit(Scenario.STREAMING, "pg_recvlogical", rate,
                    Map.of("events", size.streamChanges(), "seconds", nanos / 1e9, "txn_rows", Workload.TXN_ROWS)),
                    Measurement.limit(Scenario.STREAMING_CPU, "pg_recvlogical", usage.totalPerMillion(), usage.details()));
        } finally {
            stack.dropSlot(slot);
            try (Statement s = c.createStatement()) {
                s.execute("DROP PUBLICATION " + SqlIdentifiers.quote(slot));
            }
        }
    }

    private List<Measurement> engineRun(Engine engine, long tableBytes, int run) {
        // A connector of its own per repetition: the worker keeps a removed connector's source offsets, under which
        // a connector of the same name would skip its snapshot. Its records go to the same topic, counted from its end.
        String name = engine.id() + "-source" + suffix(run);
        String slot = "bench_" + engine.id() + suffix(run);
        String topic = engine.topic(TABLE);
        List<Measurement> results = new ArrayList<>();
        try {
            long base = stack.topicCount(topic);
            long deployed = System.nanoTime();
            stack.rest().deploy(name, engine.source(stack, slot, List.of(TABLE), true));
            // Timed from the first record on: task start and slot creation are a fixed cost, not throughput.
            stack.await(engine.label() + " first snapshot record", () -> stack.topicCount(topic) > base, deployed, size.timeout(), name);
            CpuMeter.Sample cpu = stack.cpu().sample();
            long start = System.nanoTime();
            long nanos = stack.await(engine.label() + " snapshot of " + size.snapshotRows() + " rows",
                    () -> stack.topicCount(topic) >= base + size.snapshotRows(), start, size.timeout(), name);
            CpuMeter.Usage usage = stack.cpu().since(cpu, size.snapshotRows());
            double seconds = nanos / 1e9;
            Map<String, Object> details = Map.of("rows", size.snapshotRows(), "seconds", seconds, "table_bytes", tableBytes,
                    "seconds_from_deploy", (System.nanoTime() - deployed) / 1e9);
            results.add(Measurement.of(engine, Scenario.SNAPSHOT_ROWS, size.snapshotRows() / seconds, details));
            results.add(Measurement.of(engine, Scenario.SNAPSHOT_MB, tableBytes / MB / seconds, details));
            results.add(Measurement.of(engine, Scenario.SNAPSHOT_CPU, usage.totalPerMillion(), usage.details()));
            if (run == 1) {
                // What the format changes most: the bytes the broker stores and every consumer reads per change.
                long recordBytes = recordBytes(topic);
                results.add(Measurement.of(engine, Scenario.RECORD_BYTES, recordBytes, Map.of("records_sampled", RECORD_SAMPLE)));
            }
            log.printf("source%s: %s snapshot %,.0f rows/s, %,.0f CPU-ms per million rows%n", runLabel(run), engine.label(),
                    size.snapshotRows() / seconds, usage.totalPerMillion());
        } catch (RuntimeException e) {
            log.printf("source%s: %s snapshot failed: %s%n", runLabel(run), engine.label(), e.getMessage());
            results.add(Measurement.failed(engine, Scenario.SNAPSHOT_ROWS, firstLine(e)));
            cleanUp(name, slot);
            return results;
        }
        try {
            results.addAll(streaming(engine, name, topic, run));
        } catch (Exception e) {
            log.printf("source%s: %s streaming failed: %s%n", runLabel(run), engine.label(), e.getMessage());
            results.add(Measurement.failed(engine, Scenario.STREAMING, firstLine(e)));
        } finally {
            cleanUp(name, slot);
        }
        return results;
    }

    private List<Measurement> streaming(Engine engine, String name, String topic, int run) throws Exception {
        stack.rest().pause(name);
        stack.await(name + " paused", () -> allInState(stack, name, "PAUSED"), System.nanoTime(), Duration.ofSeconds(60), name);
        BenchStack.sleep(Duration.ofSeconds(2)); // lets a batch that was in flight at the pause land
        long base = stack.topicCount(topic);
        try (Connection c = stack.sourceConnection()) {
            Workload.updateBacklog(c, TABLE, size.snapshotRows(), size.streamChanges());
        }
        CpuMeter.Sample cpu = stack.cpu().sample();
        long start = System.nanoTime();
        stack.rest().resume(name);
        long nanos = stack.await(engine.label() + " streaming of " + size.streamChanges() + " changes",
                () -> stack.topicCount(topic) >= base + size.streamChanges(), start, size.timeout(), name);
        CpuMeter.Usage usage = stack.cpu().since(cpu, size.streamChanges());
        double rate = size.streamChanges() / (nanos / 1e9);
        log.printf("source%s: %s streaming %,.0f events/s, %,.0f CPU-ms per million events%n", runLabel(run), engine.label(), rate,
                usage.totalPerMillion());
        return List.of(Measurement.of(engine, Scenario.STREAMING, rate,
                Map.of("events", size.streamChanges(), "seconds", nanos / 1e9, "txn_rows", Workload.TXN_ROWS)),
                Measurement.of(engine, Scenario.STREAMING_CPU, usage.totalPerMillion(), usage.details()));
    }

    /** Average key plus value size of the first records of {@code topic}: what the converter and the broker carry. */
    private long recordBytes(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.read(stack.stack().bootstrapServers(), topic, RECORD_SAMPLE, Duration.ofSeconds(30));
        return records.stream().mapToLong(r -> (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length))
                .sum() / Math.max(1, records.size());
    }

    /** Whether connector {@code name} and every one of its tasks are in {@code state}. */
    static boolean allInState(BenchStack stack, String name, String state) {
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
