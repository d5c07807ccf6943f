package io.adbsync.bench;

/** One figure the benchmark measures for each system, with its unit, direction and the target we hold ourselves to. */
public record Scenario(String key, String title, String unit, boolean higherIsBetter, String target) {

    /** CPU time of every process the scenario ran on (see {@link CpuMeter}) per million records moved. */
    public static final String CPU_UNIT = "CPU-ms / M records";

    public static final Scenario SNAPSHOT_ROWS = new Scenario("snapshot.rows", "Snapshot", "rows/s", true,
            ">= 3x Debezium, >= 50% of COPY TO");
    public static final Scenario SNAPSHOT_MB = new Scenario("snapshot.mb", "Snapshot, table size over time", "MB/s", true,
            ">= 3x Debezium, >= 50% of COPY TO");
    public static final Scenario STREAMING = new Scenario("streaming", "Streaming (backlog drain)", "events/s", true,
            ">= 3x Debezium, >= 70% of pg_recvlogical");
    public static final Scenario SNAPSHOT_CPU = new Scenario("snapshot.cpu", "Snapshot CPU", CPU_UNIT, false, "");
    public static final Scenario STREAMING_CPU = new Scenario("streaming.cpu", "Streaming CPU", CPU_UNIT, false, "");
    /** A plain KafkaProducer sending the pipeline's own record bytes: what the broker takes in on this machine. */
    public static final Scenario KAFKA_INGEST = new Scenario("kafka.ingest", "Kafka ingest, plain producer", "records/s", true, "");
    public static final Scenario KAFKA_INGEST_MB = new Scenario("kafka.ingest.mb", "Kafka ingest, plain producer", "MB/s", true, "");
    public static final Scenario KAFKA_INGEST_CPU = new Scenario("kafka.ingest.cpu", "Kafka ingest CPU", CPU_UNIT, false, "");
    public static final Scenario RECORD_BYTES = new Scenario("record.bytes", "Record size, key + value (snapshot)", "bytes", false,
            "");
    public static final Scenario SINK_UPSERT = new Scenario("sink.upsert", "Sink, upsert-heavy", "rows/s", true,
            ">= 5x Debezium JDBC, >= 60% of COPY");
    public static final Scenario SINK_DELETE = new Scenario("sink.delete", "Sink, delete-heavy", "rows/s", true,
            ">= 5x Debezium JDBC, >= 60% of COPY");
    public static final Scenario SINK_UPSERT_CPU = new Scenario("sink.upsert.cpu", "Sink CPU, upsert-heavy", CPU_UNIT, false, "");
    public static final Scenario SINK_DELETE_CPU = new Scenario("sink.delete.cpu", "Sink CPU, delete-heavy", CPU_UNIT, false, "");
    /** adbsync's source with tasks.max = N (the system names N): {@link ScalingBench}. */
    public static final Scenario SCALING_SNAPSHOT = new Scenario("scaling.snapshot", "Snapshot by tasks.max", "rows/s", true, "");
    public static final Scenario SCALING_STREAMING = new Scenario("scaling.streaming", "Streaming by tasks.max", "events/s", true,
            "");
    public static final Scenario SCALING_SNAPSHOT_CPU = new Scenario("scaling.snapshot.cpu", "Snapshot CPU by tasks.max", CPU_UNIT,
            false, "");
    public static final Scenario SCALING_STREAMING_CPU = new Scenario("scaling.streaming.cpu", "Streaming CPU by tasks.max",
            CPU_UNIT, false, "");
    public static final Scenario LAG_P50 = new Scenario("lag.p50", "End-to-end lag p50", "ms", false, "");
    public static final Scenario LAG_P99 = new Scenario("lag.p99", "End-to-end lag p99", "ms", false, "< 1000 ms at 10k changes/s");
    public static final Scenario PEAK_HEAP = new Scenario("memory.heap", "Heap after GC (max), big transaction", "MB", false,
            "within a 512 MB heap");
    public static final Scenario PEAK_RSS = new Scenario("memory.rss", "Peak RSS, big transaction", "MB", false, "");
}
