package io.adbsync.bench;

import java.util.List;
import java.util.Map;

/** A pair of source and sink connectors under test, as the connector configs a user would deploy for them. */
public interface Engine {

    /** Name in the report. */
    String system();

    Role role();

    /** The record format the engine's connectors are configured with. */
    Format format();

    /** Name in the progress log: the system and its format. */
    default String label() {
        return system() + " (" + format().title() + ")";
    }

    /**
     * Short name for connector, slot, database names and the topic prefix; it names the format too, so the engines
     * of both formats run in one stack without sharing a topic, slot or database.
     */
    String id();

    /** The topic the source writes changes of {@code public.<table>} to. */
    String topic(String table);

    /** A source connector reading {@code tables} (all in schema public) through {@code slot}. */
    Map<String, String> source(BenchStack stack, String slot, List<String> tables, boolean snapshot);

    /** A sink connector applying {@code topic} to database {@code database} of the destination server. */
    Map<String, String> sink(BenchStack stack, String database, String topic);

    /** The table (schema public) the sink writes {@code topic} to. */
    String destinationTable(String topic);

    /** Records the sink reads per poll and writes per batch, the same for every engine so none is starved. */
    int SINK_BATCH = 5000;

    /**
     * Producer settings both sources get, as config/source.json recommends: Connect's source producers keep one
     * request in flight, so with 16 KB batches of 2-3 KB JSON records they wait on the broker every few records.
     */
    Map<String, String> PRODUCER_TUNING = Map.of("producer.override.batch.size", "1048576", "producer.override.linger.ms", "20");

    /**
     * Consumer settings both sinks get, as config/sink.json recommends: the default 1 MB per partition and fetch
     * holds a few hundred 2-3 KB JSON records, far below the poll batch.
     */
    Map<String, String> CONSUMER_TUNING = Map.of("consumer.override.max.poll.records", String.valueOf(SINK_BATCH),
            "consumer.override.max.partition.fetch.bytes", String.valueOf(32 << 20),
            "consumer.override.fetch.max.bytes", String.valueOf(64 << 20),
            "consumer.override.auto.offset.reset", "earliest");

}
