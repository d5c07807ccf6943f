package io.adbsync.stack.fuzz;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What the fuzzer may generate or inject. Each known bug class has its own switch, so a run can leave out what is
 * not fixed yet and still exercise everything else.
 */
public enum Feature {
    /** The workload starts at once, while the connectors snapshot; when off it starts once the snapshot has converged. */
    CONCURRENT_SNAPSHOT,
    /** Tables with a two-column primary key (bigint, text). */
    COMPOSITE_KEYS,
    /** Tables partitioned by list, with updates that move rows across partitions. */
    PARTITIONED,
    /** Tables without a primary key (REPLICA IDENTITY FULL), compared as multisets of rows. */
    KEYLESS,
    /** Values stored out of line (STORAGE EXTERNAL text of several KB), and updates that leave them unchanged. */
    TOAST,
    /** Updates that change the primary key. */
    KEY_CHANGES,
    /** TRUNCATE of a table. */
    TRUNCATE,
    /** ALTER TABLE ADD COLUMN while the pipeline runs. */
    ADD_COLUMN,
    /** VACUUM FULL, which rewrites the table and moves every row to a new CTID. */
    VACUUM_FULL,
    /** CLUSTER, which rewrites the table in index order. */
    CLUSTER,
    /** Transactions of thousands of rows. */
    LARGE_TRANSACTIONS,
    /** DROP TABLE and CREATE TABLE again under the same name, with new rows. */
    RECREATE_TABLE,
    /** float4/float8/numeric NaN and ±Infinity values. */
    NAN_FLOATS,
    /** money columns. */
    MONEY,
    /** Fault: restart the source and sink connectors with their tasks through the REST API. */
    FAULT_CONNECTOR_RESTART,
    /** Fault: redeploy a connector with a changed harmless setting (batch sizes), which restarts its tasks. */
    FAULT_RECONFIGURE,
    /** Fault: pg_terminate_backend of the source's walsender, dropping the replication connection. */
    FAULT_WALSENDER,
    /** Fault: the destination server killed (immediate stop) and started again. */
    FAULT_DESTINATION_RESTART,
    /** Fault: the source server killed (immediate stop) and started again. */
    FAULT_SOURCE_RESTART,
    /** Fault: SIGKILL of a Connect worker process; needs workers running as child processes. */
    FAULT_WORKER_KILL,
    /**
     * Fault: redeploy the source with one table in {@code table.exclude.list}, and at the next such fault without it
     * (the table is copied again); the seed also chooses whether the publication is {@code FOR ALL TABLES}, where the
     * table's changes keep coming and the stream skips them.
     */
    FAULT_EXCLUDE_TABLE;

    /** Every feature. */
    public static Set<Feature> all() {
        return EnumSet.allOf(Feature.class);
    }

    /** Parses a comma-separated list of feature names (any case, '-' for '_'), or "all", or "none". */
    public static Set<Feature> parse(String list) {
        String trimmed = list.trim().toLowerCase(Locale.ROOT);
        if (trimmed.equals("all")) {
            return all();
        }
        Set<Feature> features = EnumSet.noneOf(Feature.class);
        if (trimmed.isEmpty() || trimmed.equals("none")) {
            return features;
        }
        for (String name : trimmed.split(",")) {
            features.add(valueOf(name.trim().replace('-', '_').toUpperCase(Locale.ROOT)));
        }
        return features;
    }

    /** The features as the comma-separated list {@link #parse} reads. */
    public static String describe(Set<Feature> features) {
        if (features.isEmpty()) {
            return "none";
        }
        return features.stream().sorted().map(f -> f.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(java.util.stream.Collectors.joining(","));
    }

    public boolean isFault() {
        return name().startsWith("FAULT_");
    }
}
