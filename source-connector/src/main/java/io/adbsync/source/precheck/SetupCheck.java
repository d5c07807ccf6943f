package io.adbsync.source.precheck;

import io.adbsync.common.sql.TableId;
import io.adbsync.source.snapshot.SnapshotMode;
import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.heartbeat.Heartbeat;
import io.adbsync.source.partition.PartitionMode;
import io.adbsync.source.catalog.ReplicaIdentity;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.replication.SetupProblem;
import io.adbsync.source.catalog.TableFilter;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code setup.mode=check}: everything the connector would make at the source under {@code create}, looked for and
 * never made. validate() reports each problem on its config key; a task that finds any does not start.
 */
public final class SetupCheck {

    private SetupCheck() {
    }

    /**
     * What is missing or wrong for a connector of {@code config} capturing the tables of {@code filter} (the tables
     * that cannot be captured already left out), each with the SQL that puts it right; empty when nothing is.
     * {@code perSegment}: the source is read per Greenplum segment.
     */
    public static List<SetupProblem> problems(Connection c, SourceConfig config, TableFilter filter, boolean perSegment)
            throws SQLException {
        List<SetupProblem> problems = new ArrayList<>();
        boolean streaming = config.snapshotMode() != SnapshotMode.INITIAL_ONLY;
        TableId heartbeat = config.heartbeatTable();
        List<TableId> extra = new ArrayList<>();
        if (streaming && (config.heartbeatIntervalMs() > 0 || perSegment)) {
            // Per segment the table is also where the segments' tasks meet at truncates, heartbeats or not.
            add(problems, Heartbeat.check(c, heartbeat));
        }
        if (streaming && config.heartbeatIntervalMs() > 0) {
            extra.add(heartbeat);
        }
        List<TableId> captured = SourceCatalog.capturedTables(c, filter);
        Map<String, String> rowFilters = config.tableFilters();
        // Without replica.identity.full only the filtered tables need FULL: their updates and deletes are filtered.
        List<TableId> needFull = captured.stream()
                .filter(t -> !t.equals(heartbeat))
                .filter(t -> config.replicaIdentityFull() || rowFilters.containsKey(t.toString()))
                .toList();
        List<String> notFull = ReplicaIdentity.notFull(c, needFull);
        if (!notFull.isEmpty()) {
            problems.add(new SetupProblem(config.replicaIdentityFull() ? SourceConfig.REPLICA_IDENTITY_FULL : SourceConfig.TABLE_FILTERS,
                    "Table(s) " + String.join(", ", notFull) + " lack REPLICA IDENTITY FULL"
                            + (config.replicaIdentityFull() ? "" : ", which their row filters need"),
                    ReplicaIdentity.fullStatements(notFull)));
        }
        if (streaming) {
            ServerCapabilities server = ServerCapabilities.of(c);
            boolean filtersInConnector = !rowFilters.isEmpty() && config.filtersInConnector(server);
            PartitionMode partitions = PartitionMode.resolve(config.publicationPartitions(), server);
            add(problems, ReplicationSetup.checkPublication(c, config.publicationName(), captured, extra,
                    filtersInConnector ? Map.of() : rowFilters, partitions));
        }
        return problems;
    }

    private static void add(List<SetupProblem> problems, SetupProblem problem) {
        if (problem != null) {
            problems.add(problem);
        }
    }
}
