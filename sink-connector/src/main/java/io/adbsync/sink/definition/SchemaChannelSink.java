package io.adbsync.sink.definition;

import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.DefinitionCodec;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.common.definition.TableShape;
import io.adbsync.sink.definition.DefinitionHolds.Hold;
import io.adbsync.sink.definition.DefinitionHolds.Naming;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * The sink's side of the schema channel under {@code schema.sync=all}: applies the definitions arriving on a schema
 * topic (each committed with its ledger row), and holds a partition whose next record names a
 * definition not applied yet (see {@link DefinitionHolds}) until the ledger shows it, for at most
 * {@code schema.sync.wait.ms}.
 * <p>
 * Only one task reads the schema topic's partition; the ledger in the destination is how the others learn what it
 * applied. A definition applied twice (a redelivered batch, another run of the source) changes nothing.
 */
public final class SchemaChannelSink {

    private static final Logger log = LoggerFactory.getLogger(SchemaChannelSink.class);
    /** How often held partitions ask the ledger, and after how long a hold is worth a warning. */
    private static final long CHECK_MS = 500;
    private static final long WARN_AFTER_MS = 60_000;

    private final DefinitionLedger ledger;
    private final Appliers appliers;
    private final long waitMs;
    private final LongSupplier clockMs;
    private final DefinitionHolds holds = new DefinitionHolds();
    private final Set<TopicPartition> warned = new HashSet<>();
    /** {@link #definedColumns} per object, for the version that was latest when read (the same instance while it is). */
    private final Map<String, Defined> defined = new HashMap<>();

    private record Defined(String version, Map<String, String> columns) {
    }

    /** {@link #lastAbsent} per object, read once per batch (the ledger grows meanwhile). */
    private final Map<String, Map<String, Long>> absentThisBatch = new HashMap<>();
    /** The table of each version in the ledger, by object and version (null: not a table's), decoded once. */
    private final Map<String, TableShape> versionTables = new HashMap<>();
    private long lastCheckMs;

    /** What applies the definitions of one source (schema topic {@code <topicPrefix>.schema-changes}) here. */
    public interface Appliers {

        DefinitionApplier applier(String topicPrefix);

        /**
         * Why {@code definition} may not be applied here (a table outside table.allow.list, or one the connector keeps
         * its own state in), or null where it may.
         */
        String refusal(String topicPrefix, Definition definition);
    }

    public SchemaChannelSink(DefinitionLedger ledger, Appliers appliers, long waitMs, LongSupplier clockMs) {
        this.ledger = ledger;
        this.appliers = appliers;
        this.waitMs = waitMs;
        this.clockMs = clockMs;
    }

    /** Whether {@code record} is a definition on a schema topic (by its topic's name and its value's schema). */
    public static boolean isDefinition(SinkRecord record) {
        return SchemaChannel.isSchemaTopic(record.topic()) && DefinitionCodec.isDefinition(record.valueSchema());
    }

    /**
     * Applies the definitions among {@code records}, in order, each committed with its ledger row. A value that cannot
     * be read is handed to {@code refuse} with the reason (dead-letter queue or failure, as the task's tolerance says).
     */
    public void applyDefinitions(Connection c, Collection<SinkRecord> records, BiConsumer<SinkRecord, String> refuse)
            throws SQLException {
        boolean ensured = false;
        for (SinkRecord record : records) {
            if (!isDefinition(record) || record.value() == null) {
                continue;
            }
            DefinitionCodec.Received received;
            try {
                received = DefinitionCodec.decode((Struct) record.value());
            } catch (DataException | ClassCastException e) {
                refuse.accept(record, "Schema-channel record at topic " + record.topic() + ", partition " + record.kafkaPartition()
                        + ", offset " + record.kafkaOffset() + " cannot be read: " + e.getMessage());
                continue;
            }
            if (!ensured) {
                ledger.ensure(c);
                ensured = true;
            }
            Definition definition = received.definition();
            String prefix = SchemaChannel.topicPrefix(record.topic());
            String object = DefinitionLedger.object(record.topic(), definition.ref());
            DefinitionLedger.Applied latest = ledger.applied(c, List.of(object)).getOrDefault(object, DefinitionLedger.Applied.NONE);
            if (received.tsMs() < latest.latestTsMs()) {
                // Read before what was applied already (a redelivered batch, a replay from the start): applying it would
                // undo the later definition (drop its columns, and their values).
                log.debug("Definition {} of {} is older than the one applied; not applied again", received.version(), definition.ref());
                if (definition.table() != null && appliers.refusal(prefix, definition) == null) {
                    // Kept in the ledger all the same, where it is not the latest: the columns it lacks were absent
                    // when the source read it (another source task's read, sent late), which is how records from before
                    // a column was dropped and added again are told apart (see replacedColumns).
                    ledger.applying(record.topic(), received).record(c, definition);
                    c.commit();
                }
                continue;
            }
            String refused = appliers.refusal(prefix, definition);
            if (refused != null) {
                refuse.accept(record, refused + " (definition at topic " + record.topic() + ", partition " + record.kafkaPartition()
                        + ", offset " + record.kafkaOffset() + "); nothing was applied");
                continue;
            }
            Applied applied = appliers.applier(prefix).apply(c, definition, ledger.applying(record.topic(), received));
            holds.applied(object, received.version(), received.tsMs());
            boolean positionOnly = definition.ref().kind() == ObjectKind.SEQUENCE && applied.outcome() == Applied.Outcome.CHANGED
                    && applied.skipped().isEmpty();
            if (positionOnly) {
                // A sequence moved forward: every refresh interval, for every sequence in use; not news.
                log.debug("Schema sync: {}", applied.summary());
            } else if (applied.outcome() != Applied.Outcome.UNCHANGED || !applied.skipped().isEmpty()) {
                log.info("Schema sync: {}", applied.summary());
            }
        }
    }

    /**
     * The destination names of the columns of the latest definition applied for the table a record with {@code headers}
     * names, each with the value rows older than it hold at the source (a fast default; null: none), or null when it
     * names none or none was applied.
     */
    public Map<String, String> definedColumns(Connection c, Headers headers) throws SQLException {
        Naming naming = DefinitionHolds.naming(headers);
        if (naming == null) {
            return null;
        }
        ledger.ensure(c);
        String latestVersion = ledger.latestVersion(c, naming.object());
        Defined known = defined.get(naming.object());
        if (latestVersion == null) {
            return null;
        }
        if (known != null && known.version().equals(latestVersion)) {
            return known.columns();
        }
        TableShape latest = table(c, naming.object(), latestVersion);
        if (latest == null) {
            return null;
        }
        DefinitionNames names = appliers.applier(SchemaChannel.topicPrefix(naming.schemaTopic())).names();
        Map<String, String> columns = new HashMap<>();
        latest.columns().forEach(column -> columns.put(names.column(column.name()), column.missingValue()));
        defined.put(naming.object(), new Defined(latestVersion, Collections.unmodifiableMap(columns)));
        return defined.get(naming.object()).columns();
    }

    /**
     * The destination names of the columns whose values a record with {@code headers}, written at the source at
     * {@code writtenAtMs} (its commit time, by the source server's clock; 0: unknown), holds from a column since dropped
     * at the source and added again under the same name (a type changed by DROP and ADD, a table changed back): a
     * definition the source read after the record was written lacks the column, and the latest has it. Those values are
     * the dropped column's; the new one holds its own for the record's row. Empty when there are none or the record
     * names no definition. Ends the transaction.
     * <p>
     * Judged by when the record was written, not by when its definition was read: with several source tasks (key
     * shards, Greenplum segments) each reads and times definitions itself, and one that read nothing while the column
     * was absent names, on records written after it came back, a read from before the drop. The definition's time stands
     * in only for a record that says nothing of its commit.
     */
    public Set<String> replacedColumns(Connection c, Headers headers, long writtenAtMs) throws SQLException {
        Naming naming = DefinitionHolds.naming(headers);
        if (naming == null) {
            return Set.of();
        }
        long at = writtenAtMs > 0 ? writtenAtMs : naming.needed().tsMs();
        if (at == Long.MAX_VALUE) {
            return Set.of();
        }
        Map<String, Long> absent = absentThisBatch.get(naming.object());
        if (absent == null) {
            ledger.ensure(c);
            absent = lastAbsent(c, naming);
            c.commit();
            absentThisBatch.put(naming.object(), absent);
        }
        Set<String> replaced = new HashSet<>();
        absent.forEach((column, lastAbsentMs) -> {
            if (lastAbsentMs > at) {
                replaced.add(column);
            }
        });
        return replaced;
    }

    /**
     * For each column of the latest definition of the object {@code naming} names that an earlier-applied one lacks,
     * by its destination name: the latest time the source read a definition without it. One short query per object
     * and batch; each version's columns are decoded once.
     */
    private Map<String, Long> lastAbsent(Connection c, Naming naming) throws SQLException {
        List<DefinitionLedger.Needed> versions = ledger.versionsRead(c, naming.object());
        List<List<String>> columns = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        for (DefinitionLedger.Needed v : versions) {
            TableShape of = table(c, naming.object(), v.version());
            if (of != null) {
                columns.add(of.columns().stream().map(ColumnShape::name).toList());
                times.add(v.tsMs());
            }
        }
        if (columns.size() < 2) {
            return Map.of();
        }
        DefinitionNames names = appliers.applier(SchemaChannel.topicPrefix(naming.schemaTopic())).names();
        Map<String, Long> out = new HashMap<>();
        for (String column : columns.get(columns.size() - 1)) {
            for (int i = 0; i < columns.size() - 1; i++) {
                if (!columns.get(i).contains(column)) {
                    out.merge(names.column(column), times.get(i), Math::max);
                }
            }
        }
        return Map.copyOf(out);
    }

    /** The table of version {@code version} of {@code object} in the ledger (null: none), read and decoded once per task. */
    private TableShape table(Connection c, String object, String version) throws SQLException {
        String key = object + " " + version;
        if (!versionTables.containsKey(key)) {
            versionTables.put(key, ledger.tableOf(c, object, version));
        }
        return versionTables.get(key);
    }

    /** A new batch: each object's ledger rows may be read once more. */
    public void startBatch() {
        holds.startBatch();
        absentThisBatch.clear();
    }

    public boolean isHeld(TopicPartition tp) {
        return holds.isHeld(tp);
    }

    /**
     * Whether the record at {@code offset} of {@code tp}, naming {@code naming} ({@link DefinitionHolds#naming}), may be
     * written now; when not, its partition is held from it.
     */
    public boolean mayWrite(Connection c, Naming naming, TopicPartition tp, long offset) throws SQLException {
        ledger.ensure(c);
        return holds.mayWrite(ledger, c, tp, offset, naming, clockMs.getAsLong());
    }

    /** The partitions this batch held, now that it was written: each to be rewound to its offset and paused. */
    public Map<TopicPartition, Hold> takeNewHolds() {
        Map<TopicPartition, Hold> taken = holds.takeNewHolds();
        taken.forEach((tp, h) -> log.info("Partition {} waits at offset {} for definition {} of {} from {} (not applied yet)",
                tp, h.offset(), h.needed().version(), h.table(), h.schemaTopic()));
        return taken;
    }

    public void dropNewHolds() {
        holds.dropNewHolds();
    }

    public boolean holding() {
        return holds.holding();
    }

    /**
     * At most every {@value #CHECK_MS} ms: the held partitions whose definitions are applied now, released. Fails the task
     * when a partition has waited longer than {@code schema.sync.wait.ms}.
     */
    public List<TopicPartition> releaseApplied(Connection c) throws SQLException {
        long now = clockMs.getAsLong();
        if (!holds.holding() || now - lastCheckMs < CHECK_MS) {
            return List.of();
        }
        lastCheckMs = now;
        List<TopicPartition> released = holds.releaseApplied(ledger, c);
        released.forEach(tp -> {
            warned.remove(tp);
            log.info("Definition for partition {} applied; it goes on", tp);
        });
        for (Map.Entry<TopicPartition, Hold> e : holds.held().entrySet()) {
            Hold h = e.getValue();
            long waited = now - h.sinceMs();
            if (waited > waitMs) {
                throw new ConnectException("Records of source table " + h.table() + " at " + e.getKey() + ", offset " + h.offset()
                        + " name definition version " + h.needed().version() + ", which this connector has not applied in "
                        + waited / 1000 + " s. It comes on " + h.schemaTopic() + ": make that topic one of this connector's "
                        + "topics (topics.regex=<topic.prefix>\\\\..* includes it), or set schema.sync=tables to write "
                        + "such records without waiting (tables are then created from the records alone). Nothing after "
                        + "that offset was written.");
            }
            if (waited > WARN_AFTER_MS && warned.add(e.getKey())) {
                log.warn("Partition {} has waited {} s for definition {} of {} from {}; is that topic among this connector's "
                        + "topics?", e.getKey(), waited / 1000, h.needed().version(), h.table(), h.schemaTopic());
            }
        }
        return released;
    }

    /** The partitions given up: their holds are dropped; returns those that were held (to be resumed). */
    public List<TopicPartition> forget(Collection<TopicPartition> partitions) {
        List<TopicPartition> dropped = holds.forget(partitions);
        dropped.forEach(warned::remove);
        return dropped;
    }

    /** A new connection: the ledger's existence and what was applied are read again. */
    public void newConnection() {
        ledger.forget();
        holds.forgetApplied();
    }
}
