package io.adbsync.sink;

import io.adbsync.common.Version;
import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.retry.RetryPolicy;
import io.adbsync.sink.barrier.BarrierCopy;
import io.adbsync.sink.barrier.BarrierKey;
import io.adbsync.sink.barrier.BarrierStore;
import io.adbsync.sink.barrier.Barriers;
import io.adbsync.sink.barrier.Completion;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.sink.definition.DefinitionApplier;
import io.adbsync.sink.definition.DefinitionHolds;
import io.adbsync.sink.definition.DefinitionNames;
import io.adbsync.sink.definition.DestinationSettings;
import io.adbsync.sink.definition.SchemaChannelSink;
import io.adbsync.sink.ddl.RecordSchemaException;
import io.adbsync.sink.ddl.TableState;
import io.adbsync.sink.error.RecordFailure;
import io.adbsync.sink.naming.TableAllowList;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.naming.TableNamer;
import io.adbsync.sink.record.BatchReducer;
import io.adbsync.sink.record.ChangeEvent;
import io.adbsync.sink.record.Column;
import io.adbsync.common.filter.Operation;
import io.adbsync.common.filter.OperationFilter;
import io.adbsync.sink.record.RecordParser;
import io.adbsync.sink.record.TableChanges;
import io.adbsync.sink.session.ReplicationRoleSession;
import io.adbsync.common.throttle.Throttle;
import io.adbsync.sink.writer.OffsetStore;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.postgresql.PGProperty;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Applies each {@code put()} batch to the destination in one transaction: parse, filter, reduce per key, then
 * staging COPY + merge per table. Transient failures are retried (the runtime redelivers the batch); a record the
 * destination refuses goes to the dead-letter queue under {@code errors.tolerance=all}, or fails the task naming it.
 */
public class AdbPgSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(AdbPgSinkTask.class);
    /** The most a retried batch waits, as retry.backoff.ms's doc says: the backoff doubles up to one minute. */
    private static final long MAX_RETRY_BACKOFF_MS = 60_000;

    private SinkConfig config;
    private RecordParser parser;
    private OperationFilter operations;
    private TableAllowList allowList;
    private BatchReducer reducer;
    private RetryPolicy retry;
    /** Records reported as errant during the current put(), which may apply its batch more than once. */
    private final Set<TopicPartitionOffset> reportedThisPut = new HashSet<>();
    private Throttle throttle;
    private ErrantRecordReporter reporter;
    private boolean tolerateAll;
    private String connectorName;

    private Connection connection;
    /** Built on the first connection, once the product is known; the same for every connection after it. */
    private Destination destination;
    /** Exactly-once mode: the next offset the destination has applied, per partition; older records are skipped. */
    private final Map<TopicPartition, Long> appliedOffsets = new HashMap<>();
    private final Set<TopicPartition> partitionsToResume = new HashSet<>();
    /**
     * Exactly-once mode: partitions this task has seen a stored offset of (read or written), kept across rebalances.
     * Such a row that vanished cannot be started afresh: the records since the offset it held would be lost.
     */
    private final Set<TopicPartition> partitionsWithStoredOffset = new HashSet<>();
    /**
     * Exactly-once mode: partitions the consumer is asked to seek to their stored offset. Until a put() returns
     * normally, the seek has not happened yet, so their records are from the old position and are not applied.
     */
    private final Map<TopicPartition, Long> pendingSeeks = new HashMap<>();
    private boolean warnedSnapshotInInsertMode;
    /** Tables whose truncates truncate.enabled=false left out, already warned about. */
    private final Set<TableId> truncatesSkipped = new HashSet<>();
    private TableNamer namer;
    /** schema.sync=all: what applies the definitions of each source (by topic prefix) through this sink's settings. */
    private final Map<String, DefinitionApplier> appliers = new HashMap<>();
    /** Columns whose values in records from before they were dropped and added again were left out, said once each. */
    private final Set<String> replacedSaid = new HashSet<>();
    /** Schema topics whose definitions this task skips (schema.sync is not all), said once each. */
    private final Set<String> schemaTopicsSkipped = new HashSet<>();
    /** Topics with records beyond the partitions the source sends truncates to, where truncates are not applied: warned. */
    private final Set<String> beyondPartitionsWarned = new HashSet<>();
    /** The tables this connector keeps its own state in, by the setting that names them: never a record's destination. */
    private final Map<TableId, String> bookkeeping = new HashMap<>();

    /** How often a task holding partitions at a truncate barrier asks whether the barrier was applied. */
    private static final long HOLD_CHECK_MS = 500;
    /** After how long a hold is worth a warning, and how often it is repeated. */
    private static final long HOLD_WARN_AFTER_MS = 60_000;
    private static final long HOLD_WARN_EVERY_MS = 5 * 60_000;
    private final Barriers barriers = new Barriers();
    /**
     * Partitions this task asked the runtime to rewind to a barrier's copy, not yet done: the runtime rewinds before
     * it fetches the next batch, but may commit offsets before that, which must then not pass the copy.
     */
    private final Map<TopicPartition, Long> rewinds = new HashMap<>();
    /** Partitions this task paused (held at a barrier) that a failed resume may have left paused in the runtime. */
    private final Set<TopicPartition> pausedByUs = new HashSet<>();
    private long lastHoldCheckMs;
    /** Whether the barrier table is known to exist on the current connection's destination. */
    private boolean barrierTableReady;
    private final Map<BarrierKey, Long> holdWarnedAtMs = new HashMap<>();

    @Override
    public void start(Map<String, String> props) {
        config = new SinkConfig(props);
        namer = new TableNamer(config.tableNameFormat(), config.tableNameMap(), config.nameCase());
        appliers.clear();
        boolean append = config.insertMode() == SinkConfig.InsertMode.INSERT;
        parser = new RecordParser(namer, !append);
        operations = OperationFilter.parse(config.tableOperations());
        allowList = new TableAllowList(config.tableAllowList());
        reducer = new BatchReducer(append, config.conflictMode() == SinkConfig.ConflictMode.IGNORE);
        retry = new RetryPolicy(new RetryPolicy.Window(SinkConfig.RETRY_WINDOW_CONNECTION_MS, config.retryWindowConnectionMs()),
                new RetryPolicy.Window(SinkConfig.RETRY_WINDOW_OTHER_MS, config.retryWindowOtherMs()), config.retryBackoffMs(),
                MAX_RETRY_BACKOFF_MS, System::currentTimeMillis);
        throttle = new Throttle(config.maxRowsPerSecond(), config.maxBytesPerSecond());
        connectorName = props.getOrDefault("name", "adbsync-sink");
        bookkeeping.clear();
        bookkeeping.put(config.truncateBarrierTable(), SinkConfig.TRUNCATE_BARRIER_TABLE);
        bookkeeping.put(config.schemaSyncTable(), SinkConfig.SCHEMA_SYNC_TABLE);
        config.offsetsTable().ifPresent(table -> bookkeeping.put(table, SinkConfig.OFFSETS_TABLE));
        tolerateAll = "all".equalsIgnoreCase(props.getOrDefault("errors.tolerance", "none").trim());
        try {
            reporter = context.errantRecordReporter();
        } catch (NoSuchMethodError | NoClassDefFoundError e) {
            reporter = null;
        }
        log.info("Sink task started for {} (dialect detected on first connect, tolerance {})", config.connection().redactedUrl(),
                tolerateAll ? "all" : "none");
    }

    @Override
    public void open(Collection<TopicPartition> partitions) {
        // Another task may have applied barriers of these topics meanwhile: read them again before any record.
        barriers.forget(partitions);
        for (TopicPartition tp : partitions) {
            if (pausedByUs.remove(tp)) {
                // Held here before and given back: the new owner starts at the barrier's copy and decides afresh.
                context.resume(tp);
            }
        }
        if (config.offsetsTable().isPresent()) {
            // Read lazily in put(): a destination that is down now must lead to a retry, not a failed rebalance.
            partitionsToResume.addAll(partitions);
        }
    }

    /** Exactly-once mode: skips what the destination already has and moves the consumer past it. */
    private void resumeFromStoredOffsets() throws SQLException {
        if (partitionsToResume.isEmpty()) {
            return;
        }
        Connection c = connection();
        // Only partitions of a task with an offsets table are ever to resume.
        OffsetStore offsetStore = destination.offsetStore().orElseThrow();
        Map<TopicPartition, Long> stored = offsetStore.load(c, partitionsToResume);
        List<TopicPartition> vanished = partitionsToResume.stream()
                .filter(tp -> partitionsWithStoredOffset.contains(tp) && !stored.containsKey(tp)).sorted(
                        java.util.Comparator.comparing(TopicPartition::toString)).toList();
        if (!vanished.isEmpty()) {
            throw new ConnectException(offsetStore.vanishedMessage(vanished));
        }
        // Only a partition that never had a stored row starts one afresh, from where the consumer stands.
        partitionsToResume.forEach(appliedOffsets::remove);
        partitionsWithStoredOffset.addAll(stored.keySet());
        appliedOffsets.putAll(stored);
        pendingSeeks.putAll(stored);
        partitionsToResume.clear();
        if (!stored.isEmpty()) {
            log.info("Resuming from offsets stored in the destination: {}", stored);
        }
    }

    @Override
    public void close(Collection<TopicPartition> partitions) {
        partitions.forEach(appliedOffsets::remove);
        partitions.forEach(pendingSeeks::remove);
        partitionsToResume.removeAll(partitions);
        if (destination != null) {
            destination.definitions().ifPresent(d -> d.forget(partitions).forEach(this::resume));
        }
        for (TopicPartition tp : partitions) {
            rewinds.remove(tp);
            if (barriers.release(tp) != null) {
                // Its committed offset is the barrier's copy (see preCommit): whoever gets it next reaches the copy.
                resume(tp);
            }
        }
    }

    /**
     * Offsets are committed only up to a barrier's copy on partitions held at it or being rewound to it: records after
     * the copy were delivered but not applied, and a task that gets the partition next must reach the copy.
     */
    @Override
    public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
        return barriers.notPastCopies(super.preCommit(currentOffsets), rewinds);
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        reportedThisPut.clear();
        try {
            try {
                putBatch(records);
            } catch (ArrivalRecordedElsewhere e) {
                // Nothing was written; read the barriers again, which makes the records before that arrival stale.
                log.warn("Another task (one that lost {} while its put ran past max.poll.interval.ms) recorded an arrival at "
                        + "a truncate barrier after this task read them; the batch is applied again without the records "
                        + "before it", e.partitions);
                barriers.forget(e.partitions);
                // As the other attempts again do: a hold of the first attempt would skip its partition's records.
                destination.definitions().ifPresent(SchemaChannelSink::dropNewHolds);
                putBatch(records);
            } catch (ColumnsChangedMeanwhile e) {
                applyAgainWithColumnsReadAgain(records, e);
            }
        } catch (RuntimeException e) {
            // The failure may have come after the commit (its reply lost): the batch is redelivered, and whether its
            // arrivals at barriers were recorded is read again from the destination before it is applied.
            barriers.forget(context.assignment());
            if (destination != null) {
                destination.definitions().ifPresent(SchemaChannelSink::dropNewHolds);
            }
            throw e;
        }
    }

    /**
     * Another task applied a definition of a table after this one had read its columns: read them again and apply the
     * batch again. Several definitions applied one after the other (two columns dropped by two statements) can each
     * meet one attempt, so a few are made; what fails every one of them is the task's failure.
     */
    private void applyAgainWithColumnsReadAgain(Collection<SinkRecord> records, ColumnsChangedMeanwhile first) {
        ColumnsChangedMeanwhile last = first;
        for (int attempt = 2; attempt <= COLUMNS_CHANGED_ATTEMPTS; attempt++) {
            log.info("{}; the batch is applied again with the table's columns read again", last.getMessage());
            destination.schemaSync().forget();
            destination.definitions().ifPresent(SchemaChannelSink::dropNewHolds);
            try {
                putBatch(records);
                return;
            } catch (ColumnsChangedMeanwhile again) {
                last = again;
            }
        }
        throw failure((SQLException) last.getCause(), last.tables);
    }

    private void putBatch(Collection<SinkRecord> records) {
        // The runtime made the rewinds the last put asked for before it fetched this batch.
        rewinds.clear();
        // Resume even on an empty put: a consumer already at the end must still be sent back to the stored offset.
        try {
            resumeFromStoredOffsets();
            releaseAppliedBarriers();
            releaseAppliedDefinitions();
        } catch (SQLException e) {
            throw failure(e, List.of());
        }
        // Asked again on every put until one returns normally: after a failed put the runtime redelivers its batch.
        pendingSeeks.forEach(context::offset);
        if (records.isEmpty()) {
            pendingSeeks.clear();
            keepPollingWhileHolding();
            return;
        }
        Map<TopicPartition, Long> nextOffsets = new HashMap<>();
        List<ChangeEvent> events = new ArrayList<>(records.size());
        // Partitions whose records stop at a barrier's copy in this batch: later records of them are not applied now.
        Map<TopicPartition, BarrierCopy> reached = new LinkedHashMap<>();
        // Copies of truncates this sink does not apply: their partitions go on, and only note that they passed them.
        List<BarrierCopy> passed = new ArrayList<>();
        // Per partition where a truncate can apply, the first offset of a record written: checked against arrivals.
        Map<TopicPartition, Long> fenced = new HashMap<>();
        try {
            applyDefinitions(records);
            for (SinkRecord record : records) {
                TopicPartition tp = new TopicPartition(record.topic(), record.kafkaPartition());
                Long applied = appliedOffsets.get(tp);
                if (pendingSeeks.containsKey(tp) || applied != null && record.kafkaOffset() < applied) {
                    // Before the seek, records past the stored offset would leave a gap behind them (the stored offset
                    // is behind Kafka's position after a restore); the consumer redelivers them from there in order.
                    continue;
                }
                if (barriers.isHeld(tp) || reached.containsKey(tp)) {
                    // Not consumed: the partition is rewound to its barrier's copy and delivered again from there.
                    continue;
                }
                if (SchemaChannelSink.isDefinition(record)) {
                    // Applied before the loop (schema.sync=all) or not wanted here: consumed either way.
                    nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
                    continue;
                }
                if (!definitionAllows(record, tp, nextOffsets)) {
                    continue;
                }
                accept(record, tp, events, nextOffsets, reached, passed, fenced);
            }
        } catch (SQLException e) {
            throw failure(e, List.of());
        }
        Outcome outcome;
        try {
            outcome = apply(events, nextOffsets, new ArrayList<>(reached.values()), passed, fenced);
            retry.succeeded();
        } catch (OffsetStore.OffsetsMovedException e) {
            // Nothing of the batch was committed: read the destination's offsets again and rewind to them.
            log.warn("{}; rewinding to the offsets the destination holds", e.getMessage());
            partitionsToResume.addAll(e.partitions());
            throw new RetriableException(e.getMessage(), e);
        } catch (SQLException e) {
            if (config.schemaSync() == SinkConfig.SchemaSyncMode.ALL && UNDEFINED_COLUMN.equals(e.getSQLState())) {
                throw new ColumnsChangedMeanwhile(e, reducer.reduce(events));
            }
            throw failure(e, reducer.reduce(events));
        }
        appliedOffsets.putAll(nextOffsets);
        if (destination.offsetStore().isPresent()) {
            partitionsWithStoredOffset.addAll(nextOffsets.keySet());
        }
        pendingSeeks.clear();
        afterBarriers(reached.values(), outcome.applied());
        afterDefinitionHolds();
        pace(outcome.tables());
        keepPollingWhileHolding();
    }

    /** What a batch wrote, and the barriers applied when it was written (by it or before). */
    private record Outcome(List<TableChanges> tables, Map<BarrierKey, Completion> applied) {
    }

    /**
     * Takes one record into the batch: into {@code events} if it is to be applied, into {@code reached} if it is the
     * copy of a truncate barrier not applied yet, into {@code passed} if it is a copy consumed without being applied,
     * and into {@code nextOffsets} if it is consumed now. A record applied where a truncate barrier can apply goes into
     * {@code fenced} too.
     */
    private void accept(SinkRecord record, TopicPartition tp, List<ChangeEvent> events, Map<TopicPartition, Long> nextOffsets,
                        Map<TopicPartition, BarrierCopy> reached, List<BarrierCopy> passed, Map<TopicPartition, Long> fenced)
            throws SQLException {
        int partitions = 0;
        BarrierHeaders.Position position = null;
        String barrier = null;
        String malformed = null;
        try {
            partitions = BarrierHeaders.partitions(record.headers());
            if (partitions > 1 && record.kafkaPartition() < partitions) {
                barrier = BarrierHeaders.barrier(record.headers());
                // Read only where it can matter: on a barrier's copy, and where a barrier with a position was applied.
                if (barrier != null || comparesPositions(tp.topic())) {
                    position = BarrierHeaders.position(record.headers());
                }
            }
        } catch (IllegalArgumentException e) {
            // The record's own fault: refused like any unreadable record, unless it is a truncate that would be applied.
            malformed = e.getMessage() + " (record at topic " + record.topic() + ", partition " + record.kafkaPartition()
                    + ", offset " + record.kafkaOffset() + ")";
            partitions = 0;
            barrier = null;
            position = null;
        }
        if (partitions > 1 && record.kafkaPartition() < partitions) {
            if (stale(tp, record.kafkaOffset(), position)) {
                // Older than a truncate already applied: written, it would bring back what the truncate removed.
                nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
                return;
            }
            if (barrier == null) {
                barriers.saw(tp, record.headers());
            }
        }
        ChangeEvent event;
        try {
            event = parser.parse(record);
        } catch (RuntimeException e) {
            if (barrier != null) {
                throw new ConnectException("The copy of truncate barrier " + barrier + " at topic " + record.topic() + ", partition "
                        + record.kafkaPartition() + ", offset " + record.kafkaOffset() + " cannot be read (" + e.getMessage()
                        + "); it is not sent to the dead-letter queue, since the other partitions of the topic would wait "
                        + "for it forever", e);
            }
            nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
            refuse(record, e.getMessage(), e);
            return;
        }
        if (!allowList.allows(event.table())) {
            // Every copy of a barrier of this topic is refused alike, so none of its partitions is held; a partition that
            // reached its copy before the setting changed does not wait for this one, which is passed.
            passIfCopy(record, tp, event, barrier, partitions, passed);
            nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
            refuse(record, "Destination table " + event.table() + " is not in " + SinkConfig.TABLE_ALLOW_LIST
                    + " (record at " + event.coordinates() + "); nothing was written. Map the topic to an allowed "
                    + "table (table.name.format, table.name.map) or widen " + SinkConfig.TABLE_ALLOW_LIST, null);
            return;
        }
        String own = bookkeeping.get(event.table());
        if (own != null) {
            // Written by a record, it would forge or erase what this connector knows (applied truncates, offsets).
            passIfCopy(record, tp, event, barrier, partitions, passed);
            nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
            refuse(record, "Destination table " + event.table() + " is one this connector keeps its own state in (" + own
                    + "; record at " + event.coordinates() + "): nothing was written. Map the topic to another table "
                    + "(table.name.format, table.name.map) or set " + own + " to another one", null);
            return;
        }
        if (malformed != null) {
            if (event.kind() == ChangeEvent.Kind.TRUNCATE && truncatesApplied(event)) {
                // Whether it is a copy of a barrier cannot be told: neither applied alone nor dropped.
                throw new ConnectException(malformed + ": a TRUNCATE whose barrier headers cannot be read is neither applied "
                        + "nor sent to the dead-letter queue, since the other partitions of the topic may wait for it; "
                        + "nothing of the batch was written");
            }
            nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
            refuse(record, malformed + "; nothing was written", null);
            return;
        }
        if (partitions > 0 && record.kafkaPartition() >= partitions) {
            beyondSentPartitions(record, event, partitions);
        }
        if (!wanted(event)) {
            // Noted, so that a barrier other partitions reached while truncates were applied still completes.
            passIfCopy(record, tp, event, barrier, partitions, passed);
            nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
            return;
        }
        if (event.kind() == ChangeEvent.Kind.TRUNCATE) {
            if (barrier != null) {
                BarrierKey key = new BarrierKey(record.topic(), barrier);
                if (appliedBarrier(key)) {
                    // A copy delivered again (after the barrier was applied, or sent again by the source): never twice.
                    nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
                    return;
                }
                reached.put(tp, new BarrierCopy(tp, record.kafkaOffset(), key, partitions, position, event.table(),
                        barriers.seenBefore(tp)));
                return;
            }
            requireSinglePartition(record, event);
        }
        nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
        warnOnSnapshotRowInInsertMode(event);
        events.add(withoutReplacedColumns(event));
        if (partitions > 1 && record.kafkaPartition() < partitions && truncatesApplied(event)) {
            fenced.merge(tp, record.kafkaOffset(), Math::min);
        }
    }

    /**
     * schema.sync=all: the event without its values of columns dropped at the source after its record was written and
     * added again under the same name since (they belong to the dropped column, not to the one of that name now).
     */
    private ChangeEvent withoutReplacedColumns(ChangeEvent event) throws SQLException {
        if (config.schemaSync() != SinkConfig.SchemaSyncMode.ALL || event.kind() != ChangeEvent.Kind.UPSERT) {
            return event;
        }
        Set<String> replaced = destination.definitions().orElseThrow().replacedColumns(connection(), event.record().headers(),
                RecordParser.committedAtMs(event.record()));
        ChangeEvent kept = event.without(replaced);
        if (kept != event) {
            for (Column column : event.columns()) {
                if (!kept.columns().contains(column) && replacedSaid.add(event.table() + "." + column.name())) {
                    log.info("Column {} of {} was dropped at the source and added again after records at {} were written: "
                            + "their values of it, which are the dropped column's, are not written (said once per column)",
                            column.name(), event.table(), event.coordinates());
                }
            }
        }
        return kept;
    }

    /** Notes a copy of a truncate barrier that this sink consumes without applying it (see {@link BarrierStore}). */
    private static void passIfCopy(SinkRecord record, TopicPartition tp, ChangeEvent event, String barrier, int partitions,
                                   List<BarrierCopy> passed) {
        if (event.kind() == ChangeEvent.Kind.TRUNCATE && barrier != null) {
            passed.add(new BarrierCopy(tp, record.kafkaOffset(), new BarrierKey(record.topic(), barrier), partitions, null,
                    event.table(), null, false));
        }
    }

    /**
     * A record on partition {@code partition >= partitions}, the count its source states (header adbsync.partitions):
     * the topic has more partitions than the source sends each TRUNCATE to, so a truncate could not be ordered with
     * this partition's rows. Where this sink would apply the table's truncates that stops the task before anything of
     * the batch is written; elsewhere it only matters to truncates that are not applied anyway, so it is said once
     * per topic and the record is applied as one of a topic without barriers.
     */
    private void beyondSentPartitions(SinkRecord record, ChangeEvent event, int partitions) {
        String fix = "topic.creation.default.partitions (or the topic.creation group that matches this topic) in the "
                + "source connector to the topic's partition count";
        if (truncatesApplied(event)) {
            throw new ConnectException("The record at topic " + record.topic() + ", partition " + record.kafkaPartition()
                    + ", offset " + record.kafkaOffset() + " says its topic has " + partitions + " partition"
                    + (partitions == 1 ? "" : "s") + " (header " + BarrierHeaders.PARTITIONS + "), but it is on partition "
                    + record.kafkaPartition() + ": the topic has more partitions than the source connector sends each "
                    + "TRUNCATE to, so a truncate could not be ordered with the rows of this partition. Nothing of the "
                    + "batch was written. Set " + fix + " and restart it; records already "
                    + "in the topic keep their header, so also reset this connector's offsets past them or re-create the "
                    + "topic with " + partitions + " partition" + (partitions == 1 ? "" : "s"));
        }
        if (beyondPartitionsWarned.add(record.topic())) {
            log.warn("Topic {} has more partitions than the source connector sends each TRUNCATE to (a record on partition {} "
                            + "says {}, header {}). Truncates of {} are not applied by this sink, so its rows are applied as "
                            + "usual (said once per topic); before truncates are applied, set {}", record.topic(),
                    record.kafkaPartition(), partitions, BarrierHeaders.PARTITIONS, event.source().qualifiedName(), fix);
        }
    }

    private boolean stale(TopicPartition tp, long offset, BarrierHeaders.Position position) throws SQLException {
        load(tp.topic());
        return barriers.stale(tp, offset, position);
    }

    private boolean comparesPositions(String topic) throws SQLException {
        load(topic);
        return barriers.comparesPositions(topic);
    }

    /** Reads what was applied for {@code topic} once after the task got its partitions. */
    private void load(String topic) throws SQLException {
        if (!barriers.loaded(topic)) {
            Connection c = connection();
            BarrierStore.Applied applied = destination.barrierStore().applied(c, topic);
            barriers.load(topic, applied.offsets(), applied.arrivals(), applied.position(), applied.caps());
        }
    }

    /** Whether {@code barrier} was applied, by this task or another; asks the destination when this task does not know. */
    private boolean appliedBarrier(BarrierKey barrier) throws SQLException {
        if (barriers.isApplied(barrier)) {
            return true;
        }
        Connection c = connection();
        BarrierStore store = destination.barrierStore();
        if (!store.exists(c)) {
            return false;
        }
        BarrierStore.State state = store.states(c, List.of(barrier)).get(barrier);
        if (state.applied()) {
            barriers.applied(state.completion(barrier));
        }
        return state.applied();
    }

    /**
     * After the batch committed: each partition that reached a barrier's copy is rewound to it. Where the barrier was
     * applied (by this batch or before) the copy is then skipped and the records after it follow; otherwise the
     * partition is paused (held) until it is. Partitions held earlier at a barrier this batch applied go on too.
     */
    private void afterBarriers(Collection<BarrierCopy> reached, Map<BarrierKey, Completion> applied) {
        applied.values().forEach(barriers::applied);
        long now = System.currentTimeMillis();
        for (BarrierCopy copy : reached) {
            barriers.arrived(copy);
            rewind(copy.partition(), copy.offset());
            if (applied.containsKey(copy.barrier())) {
                continue;
            }
            barriers.hold(copy.partition(), copy.barrier(), copy.offset(), now);
            pause(copy.partition());
            log.info("Partition {} holds at truncate barrier {} (offset {}) until every one of the topic's {} partitions "
                    + "has reached it", copy.partition(), copy.barrier(), copy.offset(), copy.partitions());
        }
        for (Map.Entry<BarrierKey, List<TopicPartition>> e : barriers.heldByBarrier().entrySet()) {
            if (applied.containsKey(e.getKey())) {
                e.getValue().forEach(this::release);
            }
        }
    }

    /** Asks the destination, at most every {@value #HOLD_CHECK_MS} ms, whether the barriers held at were applied. */
    private void releaseAppliedBarriers() throws SQLException {
        long now = System.currentTimeMillis();
        if (!barriers.holding() || now - lastHoldCheckMs < HOLD_CHECK_MS) {
            return;
        }
        lastHoldCheckMs = now;
        Connection c = connection();
        Map<BarrierKey, List<TopicPartition>> held = barriers.heldByBarrier();
        Map<BarrierKey, BarrierStore.State> states = destination.barrierStore().states(c, held.keySet());
        for (Map.Entry<BarrierKey, List<TopicPartition>> e : held.entrySet()) {
            BarrierStore.State state = states.get(e.getKey());
            if (state.applied()) {
                barriers.applied(state.completion(e.getKey()));
                holdWarnedAtMs.remove(e.getKey());
                e.getValue().forEach(this::release);
                log.info("Truncate barrier {} applied; partitions {} go on", e.getKey(), e.getValue());
            } else {
                warnIfHeldLong(e.getKey(), e.getValue(), state, now);
            }
        }
    }

    private void warnIfHeldLong(BarrierKey barrier, List<TopicPartition> partitions, BarrierStore.State state, long now) {
        long since = partitions.stream().mapToLong(tp -> barriers.holdOf(tp).sinceMs()).min().orElse(now);
        Long warned = holdWarnedAtMs.get(barrier);
        if (now - since < HOLD_WARN_AFTER_MS || warned != null && now - warned < HOLD_WARN_EVERY_MS) {
            return;
        }
        holdWarnedAtMs.put(barrier, now);
        log.warn("Partitions {} have been held for {} s at truncate barrier {}: {} of its {} partitions have reached it "
                        + "(arrivals by partition and offset: {}). The others have not reached their copy yet: a task of this "
                        + "connector behind or stopped, or a copy that will never come (the source connector reconfigured "
                        + "while the truncate was on its way). In that last case only, release the barrier without "
                        + "truncating with: {}", partitions, (now - since) / 1000, barrier, state.arrivals().size(),
                state.partitions(), state.arrivals(), destination.barrierStore().releaseStatement(barrier));
    }

    /** The runtime calls put() again within {@value #HOLD_CHECK_MS} ms while partitions are held, even with every partition paused. */
    private void keepPollingWhileHolding() {
        if (barriers.holding() || destination != null && destination.definitions().map(SchemaChannelSink::holding).orElse(false)) {
            context.timeout(HOLD_CHECK_MS);
        }
    }

    /** Definitions applied through this task's naming, dialect and settings, only to tables it may write. */
    private final class DefinitionAppliers implements SchemaChannelSink.Appliers {

        @Override
        public DefinitionApplier applier(String topicPrefix) {
            return appliers.computeIfAbsent(topicPrefix, p -> new DefinitionApplier(destination.dialect(),
                    new DefinitionNames(namer, p), DestinationSettings.of(config)));
        }

        @Override
        public String refusal(String topicPrefix, Definition definition) {
            ObjectRef table = switch (definition.ref().kind()) {
                case TABLE -> definition.ref();
                case INDEX -> definition.index() == null ? null : definition.index().table();
                default -> null;
            };
            return table == null ? null : tableRefusal(topicPrefix, table, definition.ref());
        }

        /** Why definitions and records of source table {@code table} are not for this sink, or null. */
        String tableRefusal(String topicPrefix, ObjectRef table, ObjectRef of) {
            TableId destinationTable = new DefinitionNames(namer, topicPrefix).table(table);
            String own = bookkeeping.get(destinationTable);
            if (own != null) {
                return "Destination table " + destinationTable + " of " + of + " is one this connector keeps its own "
                        + "state in (" + own + ")";
            }
            if (!allowList.allows(destinationTable)) {
                return "Destination table " + destinationTable + " of " + of + " is not in " + SinkConfig.TABLE_ALLOW_LIST;
            }
            return null;
        }
    }

    /** schema.sync=all: applies the batch's definitions first, so its records that name them are written now. */
    private void applyDefinitions(Collection<SinkRecord> records) throws SQLException {
        if (destination != null) {
            destination.definitions().ifPresent(SchemaChannelSink::startBatch);
        }
        if (records.stream().noneMatch(SchemaChannelSink::isDefinition)) {
            return;
        }
        if (config.schemaSync() != SinkConfig.SchemaSyncMode.ALL) {
            for (SinkRecord record : records) {
                if (SchemaChannelSink.isDefinition(record) && schemaTopicsSkipped.add(record.topic())) {
                    log.info("Definitions on {} are not applied ({}={}); they are consumed and skipped", record.topic(),
                            SinkConfig.SCHEMA_SYNC, config.schemaSync().name().toLowerCase(java.util.Locale.ROOT));
                }
            }
            return;
        }
        Connection c = connection();
        destination.definitions().orElseThrow().applyDefinitions(c, records, (record, message) -> refuse(record, message, null));
        // What the writer knows of the tables' columns is from before the definitions changed them.
        destination.schemaSync().forget();
    }

    /**
     * schema.sync=all: whether the record may be written now, or its partition waits for the definition it names
     * (held from it once the batch is written). A malformed header refuses the record.
     */
    private boolean definitionAllows(SinkRecord record, TopicPartition tp, Map<TopicPartition, Long> nextOffsets) throws SQLException {
        if (config.schemaSync() != SinkConfig.SchemaSyncMode.ALL) {
            return true;
        }
        // connection() first: the destination (and what holds records for it) is known once connected.
        Connection c = connection();
        Optional<SchemaChannelSink> definitions = destination.definitions();
        if (definitions.get().isHeld(tp)) {
            return false;
        }
        try {
            DefinitionHolds.Naming naming = DefinitionHolds.naming(record.headers());
            if (naming == null) {
                return true;
            }
            String prefix = SchemaChannel.topicPrefix(naming.schemaTopic());
            if (new DefinitionAppliers().tableRefusal(prefix, naming.ref(), naming.ref()) != null) {
                // Never waited for: the record is refused as one for a table this sink may not write (its definition was).
                return true;
            }
            return definitions.get().mayWrite(c, naming, tp, record.kafkaOffset());
        } catch (IllegalArgumentException e) {
            nextOffsets.merge(tp, record.kafkaOffset() + 1, Math::max);
            refuse(record, "Malformed " + e.getMessage() + " (record at topic " + record.topic() + ", partition "
                    + record.kafkaPartition() + ", offset " + record.kafkaOffset() + "); nothing was written", e);
            return false;
        }
    }

    /** After the batch committed: partitions that reached a record whose definition is not applied wait there. */
    private void afterDefinitionHolds() {
        if (destination == null || destination.definitions().isEmpty()) {
            return;
        }
        destination.definitions().get().takeNewHolds().forEach((tp, hold) -> {
            rewind(tp, hold.offset());
            pause(tp);
        });
    }

    /** Releases partitions whose definitions were applied meanwhile (by this task or the one reading the schema topic). */
    private void releaseAppliedDefinitions() throws SQLException {
        if (destination == null || destination.definitions().isEmpty() || !destination.definitions().get().holding()) {
            return;
        }
        destination.definitions().get().releaseApplied(connection()).forEach(this::resume);
    }

    private void rewind(TopicPartition tp, long offset) {
        context.offset(tp, offset);
        rewinds.put(tp, offset);
    }

    private void pause(TopicPartition tp) {
        context.pause(tp);
        pausedByUs.add(tp);
    }

    /** Stops holding {@code tp}: it is delivered again from its barrier's copy, now skipped, and the records after it. */
    private void release(TopicPartition tp) {
        Barriers.Hold hold = barriers.release(tp);
        if (hold != null) {
            rewind(tp, hold.offset());
        }
        resume(tp);
    }

    private void resume(TopicPartition tp) {
        try {
            context.resume(tp);
            pausedByUs.remove(tp);
        } catch (RuntimeException e) {
            // Revoked already (partitions lost): open() resumes it if this task gets it back.
            log.debug("Cannot resume {} now ({}); it is resumed when assigned again", tp, e.getMessage());
        }
    }

    /**
     * A truncate has no key, so it is ordered with the row events only within its partition: on a topic of several
     * partitions rows written before it may be applied after it (and survive) and rows written after it before it (and
     * be lost). The adbsync source sends a copy to every partition, applied as a barrier; a truncate without those
     * headers (Debezium's, or of an older adbsync source) on a topic of several partitions is refused, where this task
     * can tell: the truncate is in a partition other than 0, or the task reads several of the topic's.
     */
    private void requireSinglePartition(SinkRecord record, ChangeEvent event) {
        long partitionsRead = context.assignment().stream().filter(tp -> tp.topic().equals(record.topic())).count();
        if (record.kafkaPartition() > 0 || partitionsRead > 1) {
            throw new ConnectException("A TRUNCATE of " + event.source().qualifiedName() + " arrived on topic " + record.topic()
                    + ", which has several partitions (this one is partition " + record.kafkaPartition() + ", offset "
                    + record.kafkaOffset() + "), without a copy on every partition (header " + BarrierHeaders.BARRIER
                    + "): a truncate has no key, so rows written before it in other partitions may be applied after it and "
                    + "rows written after it before it. The adbsync source sends such copies when "
                    + "topic.creation.default.partitions states the topic's partition count; otherwise give the topic one "
                    + "partition, or leave truncates out (table.operations at the source, or " + SinkConfig.TRUNCATE_ENABLED
                    + "=false here) knowing the destination then keeps the truncated rows");
        }
    }

    private void warnOnSnapshotRowInInsertMode(ChangeEvent e) {
        if (e.snapshot() && !warnedSnapshotInInsertMode && config.insertMode() == SinkConfig.InsertMode.INSERT) {
            warnedSnapshotInInsertMode = true;
            log.warn("insert.mode=insert appends snapshot rows (first: {}, table {}): rows changed while the snapshot "
                    + "ran also arrive as changes and end up twice; use insert.mode=upsert for tables with a key",
                    e.coordinates(), e.table());
        }
    }

    /** Whether this sink applies the truncates of {@code e}'s source table. */
    private boolean truncatesApplied(ChangeEvent e) {
        return config.truncateEnabled() && operations.applies(e.source().qualifiedName(), Operation.TRUNCATE);
    }

    private boolean wanted(ChangeEvent e) {
        String source = e.source().qualifiedName();
        return switch (e.kind()) {
            case TRUNCATE -> {
                if (!config.truncateEnabled() && truncatesSkipped.add(e.table())) {
                    // Off by default (a topic writer could empty any table), but never without a word.
                    log.warn("A TRUNCATE of {} ({}) is not applied to {} because {}=false: the destination keeps the rows "
                            + "the source truncated (said once per table). Set {}=true when the topics carry only the "
                            + "source connector's events", source, e.coordinates(), e.table(), SinkConfig.TRUNCATE_ENABLED,
                            SinkConfig.TRUNCATE_ENABLED);
                }
                yield truncatesApplied(e);
            }
            case DELETE -> config.deleteEnabled() && operations.applies(source, Operation.DELETE);
            case UPSERT -> e.plain()
                    ? operations.applies(source, Operation.INSERT) || operations.applies(source, Operation.UPDATE)
                    : operations.applies(source, e.operation());
        };
    }

    /**
     * One transaction for the whole batch; when the destination refuses a record, the batch is redone record by
     * record. The arrivals at the barriers {@code reached} are recorded in the same transaction, after the records
     * before them, and the one that completes a barrier truncates its table there too. Copies {@code passed} unapplied
     * are noted as arrivals too, where the barrier table exists (a sink that never applied a truncate has none to
     * complete). Before any row, the partitions {@code fenced} are checked for arrivals recorded by another task (see
     * {@link Barriers}). Returns what was written.
     */
    private Outcome apply(List<ChangeEvent> events, Map<TopicPartition, Long> nextOffsets, List<BarrierCopy> applying,
                          List<BarrierCopy> passed, Map<TopicPartition, Long> fenced) throws SQLException {
        Connection c = connection();
        List<BarrierCopy> reached = new ArrayList<>(applying);
        if (!applying.isEmpty() || !fenced.isEmpty() && !barrierTableReady) {
            // Created for rows too: a task that lost the partition may create it and record an arrival meanwhile.
            destination.barrierStore().ensureTable(c);
            barrierTableReady = true;
        }
        if (!applying.isEmpty()) {
            reached.addAll(passed);
        } else if (!passed.isEmpty() && destination.barrierStore().exists(c)) {
            reached.addAll(passed);
        }
        List<ChangeEvent> admitted = admit(c, events);
        List<TableChanges> tables = reducer.reduce(admitted);
        Map<TableId, TableState> states = destination.writer().prepare(c, tables);
        try {
            lockBarriers(c, reached, fenced);
            destination.writer().write(c, tables, states);
            if (!reached.isEmpty()) {
                // A barrier's truncate is refused while checks of deferred constraints are pending (SQLState 55006, which
                // would be retried for ever): they are made now, a violation sending the batch record by record.
                checkConstraintsAtOnce(c);
            }
            Map<BarrierKey, Completion> applied = arrive(c, reached);
            saveOffsets(c, nextOffsets);
            c.commit();
            return new Outcome(tables, applied);
        } catch (SQLException e) {
            rollbackQuietly(c);
            if (SqlErrors.classify(e) != SqlErrors.Kind.DATA) {
                throw e;
            }
            log.warn("The destination refused a record of a batch of {} events ({}); applying them one by one to find it",
                    events.size(), e.getMessage());
        }
        // What this task saw of the tables may be from before another task changed them (a column added with a fast
        // default, whose value rows from before it need): read again before any record is refused.
        destination.schemaSync().forget();
        states = destination.writer().prepare(c, tables);
        return new Outcome(tables, applyOneByOne(c, admitted, states, nextOffsets, reached, fenced));
    }

    /**
     * Before any row of the batch: arrivals of one barrier wait for each other, and a truncate never waits on a row lock
     * of a waiting arrival. Then the arrivals of the partitions this batch records ({@code reached}) or writes rows of
     * ({@code fenced}) are locked, and the latter read: an arrival above a row of the batch was recorded by a task that
     * lost the partition after this one read the barriers (a zombie, its put past max.poll.interval.ms), and the rows
     * before it may have been truncated already. The lock makes the read see every such arrival committed, and holds
     * off any other until this batch is committed, before its truncate.
     */
    private void lockBarriers(Connection c, List<BarrierCopy> reached, Map<TopicPartition, Long> fenced) throws SQLException {
        if (!reached.isEmpty()) {
            destination.barrierStore().lock(c, reached.stream().map(BarrierCopy::barrier).toList());
        }
        if (fenced.isEmpty() && reached.isEmpty()) {
            return;
        }
        Set<TopicPartition> arriving = new HashSet<>();
        reached.forEach(copy -> arriving.add(copy.partition()));
        destination.barrierStore().lockArrivals(c, arriving, fenced.keySet());
        if (fenced.isEmpty()) {
            return;
        }
        List<TopicPartition> moved = new ArrayList<>();
        destination.barrierStore().arrivals(c, fenced.keySet()).forEach((tp, arrival) -> {
            if (arrival > fenced.get(tp)) {
                moved.add(tp);
            }
        });
        if (!moved.isEmpty()) {
            rollbackQuietly(c);
            throw new ArrivalRecordedElsewhere(moved);
        }
    }

    /** A record's place in its topic. */
    private record TopicPartitionOffset(String topic, int partition, long offset) {
    }

    /** SQLState of a column the statement names and the table does not have. */
    private static final String UNDEFINED_COLUMN = "42703";
    /** Attempts at a batch that meets columns dropped by another task meanwhile (see {@link ColumnsChangedMeanwhile}). */
    private static final int COLUMNS_CHANGED_ATTEMPTS = 5;

    /**
     * schema.sync=all: a column this task knew is gone, dropped by a definition another task (the schema topic's
     * reader) applied since this one read the table's columns; the batch was rolled back. Written again a few times (see
     * {@link #applyAgainWithColumnsReadAgain}; then the task fails with the destination's message).
     */
    private static final class ColumnsChangedMeanwhile extends RetriableException {
        private final List<TableChanges> tables;

        ColumnsChangedMeanwhile(SQLException cause, List<TableChanges> tables) {
            super("A column of the destination is gone since this task read the table's columns (" + cause.getMessage()
                    + "); another task applied a definition of the schema channel meanwhile", cause);
            this.tables = tables;
        }
    }

    /** Another task recorded an arrival above records of the batch, which is rolled back; retried, they are stale. */
    private static final class ArrivalRecordedElsewhere extends RetriableException {
        private final List<TopicPartition> partitions;

        ArrivalRecordedElsewhere(List<TopicPartition> partitions) {
            super("Arrivals at truncate barriers of " + partitions + " were recorded by another task after this one read them");
            this.partitions = partitions;
        }
    }

    private Map<BarrierKey, Completion> arrive(Connection c, List<BarrierCopy> reached) throws SQLException {
        return reached.isEmpty() ? Map.of() : destination.barrierStore().arrive(c, reached);
    }

    /**
     * Makes each table fit its records (DDL, committed on its own) and checks the records' keys against it, before
     * any data is written. A record at fault (a type the destination lacks, a name no column can have, a key that is
     * not a unique key of the table) is refused alone; the others are returned in order.
     */
    private List<ChangeEvent> admit(Connection c, List<ChangeEvent> events) throws SQLException {
        Map<TableId, List<ChangeEvent>> byTable = new LinkedHashMap<>();
        for (ChangeEvent e : events) {
            byTable.computeIfAbsent(e.table(), t -> new ArrayList<>()).add(e);
        }
        Set<ChangeEvent> refused = Collections.newSetFromMap(new IdentityHashMap<>());
        for (List<ChangeEvent> tableEvents : byTable.values()) {
            if (!ensureSchema(c, tableEvents)) {
                if (tableEvents.size() == 1) {
                    // Reported as the record at fault already.
                    refused.add(tableEvents.get(0));
                } else {
                    // Find the records at fault: each one's DDL alone.
                    for (ChangeEvent e : tableEvents) {
                        if (!ensureSchema(c, List.of(e))) {
                            refused.add(e);
                        }
                    }
                }
            }
            List<ChangeEvent> remaining = tableEvents.stream().filter(e -> !refused.contains(e)).toList();
            TableState state = remaining.isEmpty() ? null
                    : destination.writer().prepare(c, reducer.reduce(remaining)).get(remaining.get(0).table());
            if (state == null || !state.exists()) {
                continue;
            }
            boolean readAgain = false;
            // Records of one key schema share their key column list: judged once per run of them, not per record.
            List<Column> judged = null;
            for (ChangeEvent e : remaining) {
                if (!matchedByKey(e) || e.keyColumns() == judged) {
                    continue;
                }
                if (state.identifiesOneRow(columnNames(e.keyColumns()))) {
                    judged = e.keyColumns();
                    continue;
                }
                if (!readAgain) {
                    // What this task saw of the table may be from before a unique key was added (by a definition another
                    // task applied, or by hand): judged on the table as it is now before a record is refused.
                    readAgain = true;
                    destination.schemaSync().forget(e.table());
                    state = destination.writer().prepare(c, reducer.reduce(remaining)).get(e.table());
                    judged = null;
                    if (state.identifiesOneRow(columnNames(e.keyColumns()))) {
                        judged = e.keyColumns();
                        continue;
                    }
                }
                refuse(e.record(), notAUniqueKey(e, state), null);
                refused.add(e);
            }
        }
        return refused.isEmpty() ? events : events.stream().filter(e -> !refused.contains(e)).toList();
    }

    /**
     * Runs the DDL {@code events} need; false when it fails because of what a record asks for, reported for the
     * single record when {@code events} is one. Other failures (privileges, connection) are thrown.
     */
    private boolean ensureSchema(Connection c, List<ChangeEvent> events) throws SQLException {
        try {
            destination.writer().prepare(c, reducer.reduce(events));
            return true;
        } catch (RecordSchemaException e) {
            rollbackQuietly(c);
            if (events.size() == 1) {
                refuse(events.get(0).record(), "The record at " + events.get(0).coordinates() + " cannot be written: "
                        + e.getMessage(), e);
            }
            return false;
        } catch (SQLException e) {
            // A failed type lookup leaves the transaction aborted; nothing of the batch is written yet.
            rollbackQuietly(c);
            if (!RecordFailure.schemaCaused(e)) {
                throw e;
            }
            if (events.size() == 1) {
                ChangeEvent event = events.get(0);
                refuse(event.record(), RecordFailure.message(event.coordinates(), event.table().toString(), e), e);
            }
            return false;
        }
    }

    /** Whether {@code e} is applied by matching rows on its key columns (DELETE … USING, ON CONFLICT, UPDATE … FROM). */
    private boolean matchedByKey(ChangeEvent e) {
        if (e.keyColumns().isEmpty()) {
            return false;
        }
        return e.kind() == ChangeEvent.Kind.DELETE
                || e.kind() == ChangeEvent.Kind.UPSERT && config.insertMode() == SinkConfig.InsertMode.UPSERT;
    }

    private static List<String> columnNames(List<Column> columns) {
        return columns.stream().map(Column::name).toList();
    }

    private static String notAUniqueKey(ChangeEvent e, TableState state) {
        List<String> keys = state.uniqueKeys().stream().map(k -> "(" + String.join(", ", k.stream().sorted().toList()) + ")")
                .sorted().toList();
        return "The record at " + e.coordinates() + " has key columns (" + String.join(", ", columnNames(e.keyColumns()))
                + "), which are not a unique key of destination table " + e.table()
                + (keys.isEmpty() ? " (it has no unique key)" : " (its unique keys: " + String.join(", ", keys) + ")")
                + ": a delete or update by them could change many rows. Give the record a key that contains the "
                + "table's primary key, or map the topic to another table";
    }

    /**
     * The slow path after a data error: each event under a savepoint, still one transaction; refused records alone are
     * reported. Barrier arrivals are never refused: their failure fails the batch like any other. A constraint checked
     * at commit (DEFERRABLE INITIALLY DEFERRED, as schema.sync=all makes UNIQUE ones) cannot tell which record violates
     * it, and failing the commit it would fail the task whatever errors.tolerance says: the first pass checks such
     * constraints after the last event, and where they refuse, the batch is applied once more with every constraint
     * checked at each statement. Only then, since two records swapping a unique value (or a child before its parent
     * under a deferred foreign key) hold only at commit.
     */
    private Map<BarrierKey, Completion> applyOneByOne(Connection c, List<ChangeEvent> events, Map<TableId, TableState> states,
                                                      Map<TopicPartition, Long> nextOffsets, List<BarrierCopy> reached,
                                                      Map<TopicPartition, Long> fenced) throws SQLException {
        Map<BarrierKey, Completion> applied = applyOneByOne(c, events, states, nextOffsets, reached, fenced, false);
        if (applied != null) {
            return applied;
        }
        log.warn("A constraint of the destination checked at commit refused the batch of {} events; applying them one by "
                + "one again, each checked at once, to find the record", events.size());
        return applyOneByOne(c, events, states, nextOffsets, reached, fenced, true);
    }

    /** SQLState of a TRUNCATE refused while checks of deferred constraints are pending in the transaction. */
    private static final String PENDING_TRIGGER_EVENTS = "55006";

    /**
     * {@link #applyOneByOne}: with {@code immediate}, every constraint is checked at its statement and refused records
     * are reported as found; without, constraints checked at commit stay so, and null says they refused (or a truncate
     * met their pending checks): the transaction is rolled back and nothing reported, since the next pass decides.
     */
    private Map<BarrierKey, Completion> applyOneByOne(Connection c, List<ChangeEvent> events, Map<TableId, TableState> states,
                                                      Map<TopicPartition, Long> nextOffsets, List<BarrierCopy> reached,
                                                      Map<TopicPartition, Long> fenced, boolean immediate) throws SQLException {
        List<Refusal> refused = new ArrayList<>();
        try {
            if (immediate) {
                checkConstraintsAtOnce(c);
            }
            lockBarriers(c, reached, fenced);
            for (ChangeEvent e : events) {
                Savepoint savepoint = c.setSavepoint();
                try {
                    destination.writer().write(c, reducer.reduce(List.of(e)), states);
                    c.releaseSavepoint(savepoint);
                } catch (SQLException failure) {
                    if (!immediate && PENDING_TRIGGER_EVENTS.equals(failure.getSQLState())) {
                        rollbackQuietly(c);
                        return null;
                    }
                    if (SqlErrors.classify(failure) != SqlErrors.Kind.DATA) {
                        throw failure;
                    }
                    c.rollback(savepoint);
                    Refusal refusal = new Refusal(e.record(), RecordFailure.message(e.coordinates(), e.table().toString(),
                            failure), failure);
                    if (immediate) {
                        refuse(refusal.record(), refusal.message(), refusal.cause());
                    } else {
                        refused.add(refusal);
                    }
                }
            }
            if (!immediate) {
                // Checked now, before the barriers' truncates (which pending checks would refuse) and the commit.
                try {
                    checkConstraintsAtOnce(c);
                } catch (SQLException failure) {
                    if (SqlErrors.classify(failure) != SqlErrors.Kind.DATA) {
                        throw failure;
                    }
                    rollbackQuietly(c);
                    return null;
                }
            }
            // Before the barriers' truncates: reporting waits for Kafka, and the table's readers would wait with it
            // (the barriers' advisory locks, taken first, are held meanwhile).
            for (Refusal refusal : refused) {
                refuse(refusal.record(), refusal.message(), refusal.cause());
            }
            Map<BarrierKey, Completion> applied = arrive(c, reached);
            saveOffsets(c, nextOffsets);
            c.commit();
            return applied;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        }
    }

    /** A record the destination refused, with why. */
    private record Refusal(SinkRecord record, String message, SQLException cause) {
    }

    /** Checks pending deferred constraints now, and every constraint at its statement for the rest of the transaction. */
    private static void checkConstraintsAtOnce(Connection c) throws SQLException {
        try (Statement constraints = c.createStatement()) {
            constraints.execute("SET CONSTRAINTS ALL IMMEDIATE");
        }
    }

    private void saveOffsets(Connection c, Map<TopicPartition, Long> nextOffsets) throws SQLException {
        Optional<OffsetStore> offsetStore = destination.offsetStore();
        if (offsetStore.isPresent()) {
            offsetStore.get().save(c, nextOffsets, appliedOffsets);
        }
    }

    /** A record that cannot be applied: to the dead-letter queue when tolerated, else the task fails naming it. */
    private void refuse(SinkRecord record, String message, Exception cause) {
        if (tolerateAll && reporter != null) {
            if (!reportedThisPut.add(new TopicPartitionOffset(record.topic(), record.kafkaPartition(), record.kafkaOffset()))) {
                // The batch is applied again within this put (see put()): reported in the first attempt.
                return;
            }
            log.warn("Sending a record to the errant-record reporter: {}", message);
            try {
                reporter.report(record, new ConnectException(message, cause)).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectException("Interrupted while reporting an errant record", e);
            } catch (ExecutionException e) {
                throw new ConnectException("Cannot report an errant record (" + message + "): " + e.getCause(), e.getCause());
            }
            return;
        }
        throw new ConnectException(message + " (set errors.tolerance=all and errors.deadletterqueue.topic.name to "
                + "route such records to a dead-letter queue)", cause);
    }

    private RuntimeException failure(SQLException e, List<TableChanges> tables) {
        String what = tables.stream().map(t -> t.table().toString()).distinct().toList().toString();
        SqlErrors.Kind kind = SqlErrors.classify(e);
        if (kind == SqlErrors.Kind.TRANSIENT) {
            closeConnection();
            Long backoff = retry.nextBackoff(e);
            if (backoff != null) {
                log.warn("Transient failure writing to {} ({}, SQLState {}); retrying the batch in {} ms", what,
                        e.getMessage(), e.getSQLState(), backoff);
                context.timeout(backoff);
                return new RetriableException("Transient failure writing to " + what + ": " + e.getMessage(), e);
            }
            return new ConnectException("Giving up writing to " + what + " after the retry window ("
                    + retry.windowKey(e) + "): " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
        closeConnection();
        return new ConnectException("Cannot write to " + what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
    }

    private void pace(List<TableChanges> tables) {
        if (!throttle.enabled()) {
            return;
        }
        long rows = 0;
        long bytes = 0;
        for (TableChanges t : tables) {
            rows += t.rowCount();
            for (ChangeEvent e : t.rowEvents()) {
                bytes += e.textBytes();
            }
        }
        long waitNanos = throttle.afterBatch(rows, bytes, System.nanoTime());
        if (waitNanos > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(waitNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Connection connection() throws SQLException {
        if (connection != null && !connection.isClosed()) {
            return connection;
        }
        // money arrives as a plain decimal ("-1234.56"); under the database's own lc_monetary (e.g. de_DE, where '.'
        // groups thousands) it would be read as another amount.
        Properties session = new Properties();
        PGProperty.OPTIONS.set(session, "-c lc_monetary=C");
        Connection c = Jdbc.open(config.connection(), session);
        try {
            // Before the first transaction: a SET inside one would end with its rollback.
            String refused = ReplicationRoleSession.apply(c, config.replicationRole());
            if (refused != null) {
                throw new ConnectException(refused);
            }
            // Whatever the destination's default: a barrier arrival, and a batch fenced against a zombie's, read what the
            // transaction they waited for (an advisory lock) committed, which a snapshot taken before the wait misses.
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            c.setAutoCommit(false);
            if (destination == null) {
                // Only once the connection that detected the product held: a connection lost before (the detection's
                // commit fails) leaves the task to detect again.
                destination = Destination.detect(c, config, connectorName, new DefinitionAppliers());
                log.info("Destination dialect: {}", destination.dialect().name());
            }
            Optional<OffsetStore> offsetStore = destination.offsetStore();
            if (offsetStore.isPresent()) {
                offsetStore.get().ensureTable(c);
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        destination.schemaSync().forget();
        destination.definitions().ifPresent(SchemaChannelSink::newConnection);
        connection = c;
        return c;
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            log.debug("Rollback failed (the connection is probably gone): {}", e.getMessage());
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("Closing the destination connection failed: {}", e.getMessage());
            }
            connection = null;
        }
        barrierTableReady = false;
        if (destination != null) {
            destination.schemaSync().forget();
        }
    }

    @Override
    public void stop() {
        closeConnection();
    }

    @Override
    public String version() {
        return Version.get();
    }
}
