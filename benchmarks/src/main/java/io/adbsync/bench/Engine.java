package io.adbsync.bench;

import java.util.List;
import java.util.Map;

/** A pair of source and sink connectors under test, as the connector configs a user would deploy for them. */
public interface Engine {

    /** Name in the report. */
    String system();

    Role role();

    /** Short name for connector, slot and database names. */
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
}
