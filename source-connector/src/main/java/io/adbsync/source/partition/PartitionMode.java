package io.adbsync.source.partition;

import io.adbsync.common.jdbc.ServerCapabilities;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * How partitioned tables are published: through their root ({@code publish_via_partition_root}, PostgreSQL 13+), or
 * leaf by leaf with the connector mapping each leaf's changes back to its root (PostgreSQL 12, AnalyticDB 7).
 */
public enum PartitionMode {
    ROOT, LEAVES;

    /** The mode for a {@code publication.partitions} setting on {@code server}. */
    public static PartitionMode resolve(String setting, ServerCapabilities server) {
        switch (setting) {
            case "root":
                if (!server.publishViaPartitionRoot()) {
                    throw new ConnectException("publication.partitions=root needs PostgreSQL 13 or later at "
                            + "the source (publish_via_partition_root); this server is " + server.versionNum()
                            + ": use leaves or auto");
                }
                return ROOT;
            case "leaves":
                return LEAVES;
            default:
                return server.publishViaPartitionRoot() ? ROOT : LEAVES;
        }
    }
}
