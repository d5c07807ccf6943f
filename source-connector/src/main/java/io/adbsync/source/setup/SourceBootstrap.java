package io.adbsync.source.setup;

import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.ReplicaIdentity;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.TableFilter;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.source.heartbeat.Heartbeat;
import io.adbsync.source.partition.PartitionMode;
import io.adbsync.source.partition.Partitions;
import io.adbsync.source.precheck.SetupCheck;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.replication.SetupMode;
import io.adbsync.source.replication.SetupProblem;
import io.adbsync.source.stream.TopicNames;
import org.apache.kafka.connect.errors.ConnectException;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings the source objects a task captures through in step, under the set-up lock: the heartbeat table, replica
 * identity, the publication and the slot; under setup.mode=check it only checks they are there. One instance serves
 * the attempts of one task start, since what the first attempt saw of the publication is what counts.
 */
final class SourceBootstrap {

    /**
     * What the set-up found and decided.
     *
     * @param capturedNow        the captured tables with their OIDs, read once for the publication, the plan and the watch
     * @param captured           their names
     * @param partitions         how partitioned tables are published
     * @param rowFilters         the row filters by schema.table
     * @param filtersInConnector whether the task applies the row filters itself, not the publication
     * @param publishedBefore    the tables the publication held before this task start brought it in step; null when
     *                           not streaming (no publication to have held them)
     */
    record Result(List<SourceCatalog.CapturedName> capturedNow, List<TableId> captured, PartitionMode partitions,
                  Map<String, String> rowFilters, boolean filtersInConnector, Set<String> publishedBefore) {

        /** The row filters the publication carries. */
        Map<String, String> publicationFilters() {
            return filtersInConnector ? Map.of() : rowFilters;
        }
    }

    private final SourceConfig config;
    private final String connector;
    private final ReadSite.StoredStreams stored;
    /** The tables the publication held when this task first looked, before it brought the publication in step. */
    private Set<String> publishedBefore;

    /**
     * @param connector the connector's name
     * @param stored    the stream positions in the connector's offsets, which a slot about to be made must not have
     */
    SourceBootstrap(SourceConfig config, String connector, ReadSite.StoredStreams stored) {
        this.config = config;
        this.connector = connector;
        this.stored = stored;
    }

    /**
     * @param heartbeatTable whether the task writes the heartbeat table (heartbeats, or per segment the truncate
     *                       meeting), so that it must exist
     */
    Result run(SourceCatalog catalog, ReadSite site, TableFilter filter, Heartbeat heartbeat, boolean heartbeatTable,
               boolean streaming) throws SQLException {
        // Under setup.mode=check nothing below makes or alters anything at the source: it is all there, or the task stops here.
        boolean create = config.setupMode() == SetupMode.CREATE;
        // The tasks of a per-segment or key-sharded source start together and would each look, then create: one at a time. A failed
        // attempt closes the catalog's session, which releases the lock.
        site.lockSetup(catalog.connection(), config.publicationName());
        if (!create) {
            List<SetupProblem> problems = SetupCheck.problems(catalog.connection(), config, filter, site.shared());
            if (!problems.isEmpty()) {
                throw new ConnectException(SetupProblem.failure(problems));
            }
        }
        if (heartbeatTable && create) {
            heartbeat.createTable(catalog.connection(), site.perSegment());
        }
        List<TableId> extra = heartbeat.enabled() ? List.of(heartbeat.tableName()) : List.of();
        // One reading of the captured tables serves the publication, the snapshot plan and the watch for new tables:
        // a table created after it is found by that watch and copied, not taken as known.
        List<SourceCatalog.CapturedName> capturedNow = SourceCatalog.capturedTableOids(catalog.connection(), filter);
        List<TableId> captured = new ArrayList<>(capturedNow.stream().map(SourceCatalog.CapturedName::name).toList());
        TopicNames.requireDistinct(config.topicPrefix(), captured);
        if (config.replicaIdentityFull() && create) {
            ReplicaIdentity.makeFull(catalog.connection(), captured);
        }
        Map<String, String> rowFilters = config.tableFilters();
        requireFullIdentityForFilters(catalog, rowFilters);
        ServerCapabilities server = catalog.capabilities();
        boolean filtersInConnector = !rowFilters.isEmpty() && config.filtersInConnector(server);
        PartitionMode partitions = PartitionMode.resolve(config.publicationPartitions(), server);
        Partitions.requireRootsNamed(catalog.connection(), filter);
        Result result = new Result(capturedNow, captured, partitions, rowFilters, filtersInConnector,
                streaming ? publishedBefore(catalog) : null);
        if (streaming) {
            if (create) {
                ReplicationSetup.ensurePublication(catalog, config.publicationName(), filter, extra,
                        result.publicationFilters(), partitions);
            }
            site.ensureSlot(config.slotName(), config.connection(), captured, heartbeat.tableName(), stored, connector);
        }
        site.unlockSetup(catalog.connection(), config.publicationName());
        return result;
    }

    /**
     * Read before the publication is brought in step: a table added now was not published, and lost changes. Only
     * the first attempt's reading counts: a retried set-up finds the publication already brought in step.
     */
    private Set<String> publishedBefore(SourceCatalog catalog) throws SQLException {
        if (publishedBefore == null) {
            publishedBefore = catalog.publishedTables(config.publicationName());
        }
        return publishedBefore;
    }

    private void requireFullIdentityForFilters(SourceCatalog catalog, Map<String, String> rowFilters) throws SQLException {
        for (String table : rowFilters.keySet()) {
            TableId t = TableId.parse(table);
            char identity = catalog.relation(t.schema(), t.table()).replicaIdentity();
            for (Partitions.Member leaf : Partitions.leaves(catalog.connection(), t.schema(), t.table())) {
                identity = identity == 'f' ? catalog.relation(leaf.schema(), leaf.table()).replicaIdentity() : identity;
            }
            if (identity != 'f') {
                throw new ConnectException("Table " + table + " has a row filter in " + SourceConfig.TABLE_FILTERS
                        + " but not REPLICA IDENTITY FULL, so PostgreSQL would reject its updates and deletes; run "
                        + ReplicaIdentity.fullStatement(t.quoted()) + " or set "
                        + SourceConfig.REPLICA_IDENTITY_FULL + "=true");
            }
        }
    }
}
