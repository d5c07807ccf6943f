package io.adbsync.source.stream;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.catalog.UnchangedToastLoader;
import io.adbsync.common.Version;
import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.common.contract.EventContract;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.catalog.CapturedTable.CapturedColumn;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/** Turns decoded row changes into Kafka Connect records in the event contract's envelope. */
public final class ChangeRecordFactory {

    public static final String OFFSET_LSN = "lsn";
    public static final String OFFSET_EVENT = "event";

    private final String topicPrefix;
    private final String database;
    private final boolean tombstones;
    private final UnchangedToastLoader toastLoader;
    private final Map<String, String> partition;
    private final String version = Version.get();
    private final RecordHeaders headers;
    private final String sourceSystem;
    private Predicate<CapturedTable> laterRemovalDelivered = t -> true;

    /**
     * {@code sourceSystem}: the source server's system identifier, which streamed records' positions name (see
     * {@link BarrierHeaders.Position}).
     */
    public ChangeRecordFactory(String topicPrefix, String database, boolean tombstones, UnchangedToastLoader toastLoader,
                               TopicPartitions topicPartitions, String sourceSystem) {
        this(topicPrefix, OffsetScope.of(topicPrefix), database, tombstones, toastLoader, topicPartitions, sourceSystem);
    }

    /** As above, for records whose offsets belong to {@code scope} (one segment's stream of the source). */
    public ChangeRecordFactory(String topicPrefix, OffsetScope scope, String database, boolean tombstones,
                               UnchangedToastLoader toastLoader, TopicPartitions topicPartitions, String sourceSystem) {
        this.headers = new RecordHeaders(topicPartitions);
        this.sourceSystem = sourceSystem;
        this.topicPrefix = topicPrefix;
        this.database = database;
        this.tombstones = tombstones;
        this.toastLoader = toastLoader;
        this.partition = scope.stream();
    }

    /**
     * Which tables' later DELETEs and key-changing UPDATEs reach Kafka. A TOAST re-read that finds the row gone
     * leaves the column empty only where they do: the later removal of the key then supersedes the record.
     */
    public void laterRemovalDelivered(Predicate<CapturedTable> delivered) {
        this.laterRemovalDelivered = delivered;
    }

    public Map<String, String> partition() {
        return partition;
    }

    /** Position of a record: the commit LSN of its transaction and its index among the transaction's records. */
    public static Map<String, Object> offset(Lsn commitLsn, long event) {
        Map<String, Object> offset = new HashMap<>();
        // Stored as the signed long of the LSN's bits, as it always was.
        offset.put(OFFSET_LSN, commitLsn.value());
        offset.put(OFFSET_EVENT, event);
        return offset;
    }

    /** The source server's system identifier, or empty where no topic can have several partitions. */
    public String sourceSystem() {
        return sourceSystem;
    }

    /** Builds the records of one change; {@code nextEvent} is the index of the first of them in its transaction. */
    public List<SourceRecord> insert(CapturedTable t, TupleData row, TransactionContext tx, Lsn walLsn, long nextEvent) {
        Struct after = row(t, row, null, tx);
        return List.of(record(t, key(t, after), null, after, EventContract.OP_CREATE, tx, walLsn, nextEvent));
    }

    public List<SourceRecord> update(CapturedTable t, char oldKind, TupleData oldRow, TupleData unfilledRow,
                                     TransactionContext tx, Lsn walLsn, long nextEvent) {
        TupleData newRow = oldKind != 0 ? withUnchangedKeyFrom(t, unfilledRow, oldRow) : unfilledRow;
        Struct before = oldKind == 'O' ? row(t, oldRow, null, tx) : null;
        Struct after = row(t, newRow, oldKind == 'O' ? oldRow : null, tx);
        Struct newKey = key(t, after);
        if (oldKind != 0 && t.keySchema() != null) {
            Struct oldKey = key(t, row(t, oldRow, null, tx));
            if (!Objects.equals(oldKey, newKey)) {
                // A key change: consumers keyed by primary key need the old key deleted and the new one created.
                List<SourceRecord> records = new ArrayList<>(3);
                Struct oldRowValues = row(t, oldRow, null, tx);
                records.add(record(t, oldKey, oldRowValues, null, EventContract.OP_DELETE, tx, walLsn, nextEvent++));
                if (tombstones) {
                    records.add(tombstone(t, oldKey, tx, nextEvent++));
                }
                records.add(record(t, newKey, null, after, EventContract.OP_CREATE, tx, walLsn, nextEvent));
                return records;
            }
        }
        return List.of(record(t, newKey, before, after, EventContract.OP_UPDATE, tx, walLsn, nextEvent));
    }

    public List<SourceRecord> delete(CapturedTable t, TupleData oldRow, TransactionContext tx, Lsn walLsn, long nextEvent) {
        Struct before = row(t, oldRow, null, tx);
        Struct key = key(t, before);
        SourceRecord delete = record(t, key, before, null, EventContract.OP_DELETE, tx, walLsn, nextEvent);
        return tombstones ? List.of(delete, tombstone(t, key, tx, nextEvent + 1)) : List.of(delete);
    }

    /**
     * A truncate, as one copy for each partition of the table's topic (copy i to partition i, each with a record index
     * of its own, {@code event + i}): it has no key, so only a copy in every partition can be ordered with the rows of
     * all of them. Every copy names the same barrier, {@code stream:<commit LSN>:<change>@<server>}, which a re-send
     * repeats; the server's system identifier keeps a truncate of a new server at the same LSN from looking applied
     * (it is known only where some topic has several partitions, the only topics whose sinks read barrier ids).
     */
    public List<SourceRecord> truncate(CapturedTable t, TransactionContext tx, Lsn walLsn, long event) {
        Struct envelope = envelope(t, null, null, EventContract.OP_TRUNCATE, source(t, tx.commitTimeMillis(), "false", tx.xid(), walLsn.value()));
        String barrier = "stream:" + tx.commitLsn() + ":"
                + event / StreamPosition.RECORDS_PER_CHANGE + (sourceSystem.isEmpty() ? "" : "@" + sourceSystem);
        BarrierHeaders.Position position = new BarrierHeaders.Position(sourceSystem, tx.commitLsn().value(), event);
        int copies = headers.partitions(t);
        List<SourceRecord> records = new ArrayList<>(copies);
        for (int i = 0; i < copies; i++) {
            ConnectHeaders h = headers.of(t, null, null, position);
            h.addString(BarrierHeaders.BARRIER, barrier);
            records.add(new SourceRecord(partition, offset(tx.commitLsn(), event + i), t.topic(), i, null, null,
                    t.envelopeSchema(), envelope, tx.commitTimeMillis(), h));
        }
        return records;
    }

    /** How many copies a truncate of {@code t} has: the partition count of its topic. */
    public int truncateCopies(CapturedTable t) {
        return headers.partitions(t);
    }

    /**
     * Copy {@code copy} (to partition {@code copy}) of a truncate that opens a new snapshot of a table whose earlier
     * copy no longer holds (the table was re-created or not captured for a while): consumers drop rows the new copy
     * does not have. It travels in the snapshot's partition; {@code barrier} is the same on every copy and re-send.
     */
    public SourceRecord snapshotTruncate(CapturedTable t, Map<String, ?> snapshotPartition, Map<String, ?> snapshotOffset,
                                         int copy, String barrier, long snapshotTimeMs) {
        Struct envelope = envelope(t, null, null, EventContract.OP_TRUNCATE, source(t, snapshotTimeMs, "true", null, null));
        ConnectHeaders h = headers.of(t, null, null, null);
        h.addString(BarrierHeaders.BARRIER, barrier);
        return new SourceRecord(snapshotPartition, snapshotOffset, t.topic(), copy, null, null, t.envelopeSchema(), envelope,
                snapshotTimeMs, h);
    }

    /** A snapshot row: op {@code r}, {@code source.snapshot = true}, in its own partition and offset. */
    public SourceRecord read(CapturedTable t, TupleData row, Map<String, ?> snapshotPartition,
                             Map<String, ?> snapshotOffset, long snapshotTimeMs) {
        Struct after = row(t, row, null, null);
        Struct envelope = envelope(t, null, after, EventContract.OP_READ, source(t, snapshotTimeMs, "true", null, null));
        return new SourceRecord(snapshotPartition, snapshotOffset, t.topic(), null,
                t.keySchema(), key(t, after), t.envelopeSchema(), envelope, snapshotTimeMs, headers.of(t, null, after, null));
    }

    private SourceRecord record(CapturedTable t, Struct key, Struct before, Struct after, String op,
                                TransactionContext tx, Lsn walLsn, long event) {
        Struct source = source(t, tx.commitTimeMillis(), "false", tx.xid(), walLsn.value());
        return new SourceRecord(partition, offset(tx.commitLsn(), event), t.topic(), null,
                key == null ? null : t.keySchema(), key, t.envelopeSchema(), envelope(t, before, after, op, source),
                tx.commitTimeMillis(), headers.of(t, before, after, new BarrierHeaders.Position(sourceSystem, tx.commitLsn().value(), event)));
    }

    private Struct source(CapturedTable t, long tsMs, String snapshot, Long txId, Long lsn) {
        return new Struct(EventContract.SOURCE_SCHEMA)
                .put("version", version)
                .put("connector", EventContract.CONNECTOR)
                .put("name", topicPrefix)
                .put("ts_ms", tsMs)
                .put("snapshot", snapshot)
                .put("db", database)
                .put("schema", t.schema())
                .put("table", t.table())
                .put("txId", txId)
                .put("lsn", lsn);
    }

    private static Struct envelope(CapturedTable t, Struct before, Struct after, String op, Struct source) {
        return new Struct(t.envelopeSchema())
                .put(EventContract.BEFORE, before)
                .put(EventContract.AFTER, after)
                .put(EventContract.SOURCE, source)
                .put(EventContract.OP, op)
                .put(EventContract.TS_MS, System.currentTimeMillis());
    }

    private SourceRecord tombstone(CapturedTable t, Struct key, TransactionContext tx, long event) {
        return new SourceRecord(partition, offset(tx.commitLsn(), event), t.topic(), null,
                key == null ? null : t.keySchema(), key, null, null, tx.commitTimeMillis(),
                headers.of(t, null, null, new BarrierHeaders.Position(sourceSystem, tx.commitLsn().value(), event)));
    }

    private static Struct key(CapturedTable t, Struct row) {
        if (t.keySchema() == null) {
            return null;
        }
        Struct key = new Struct(t.keySchema());
        for (var field : t.keySchema().fields()) {
            Object value = row.get(field.name());
            if (value == null) {
                throw new DataException("Key column " + field.name() + " of " + t.qualifiedName() + " is null in a change event");
            }
            key.put(field.name(), value);
        }
        return key;
    }

    /**
     * Converts a tuple of transaction {@code tx} (null for a snapshot row); an unchanged TOAST value comes from
     * {@code oldRow} when it has it, else from the table.
     */
    private Struct row(CapturedTable t, TupleData tuple, TupleData oldRow, TransactionContext tx) {
        if (tuple.size() != t.columns().size()) {
            throw new DataException("A change of " + t.qualifiedName() + " has " + tuple.size() + " values but the table has "
                    + t.columns().size() + " columns");
        }
        Struct row = new Struct(t.rowSchema());
        for (int i = 0; i < tuple.size(); i++) {
            CapturedColumn column = t.columns().get(i);
            TupleData.Value value = tuple.get(i);
            if (value.isUnchangedToast() && oldRow != null && !oldRow.get(i).isUnchangedToast()) {
                value = oldRow.get(i);
            }
            String text;
            if (value.isNull()) {
                continue;
            } else if (value.isUnchangedToast()) {
                if (tx == null) {
                    throw new DataException("A snapshot row of " + t.qualifiedName() + " has no value for column " + column.name());
                }
                text = toastLoader.load(t, column, keyTexts(t, tuple), tx.xid());
                if (text == null) {
                    if (!laterRemovalDelivered.test(t)) {
                        throw new DataException("Cannot re-read unchanged TOASTed column " + column.name() + " of "
                                + t.qualifiedName() + ": the row no longer exists at the source, and the later DELETE "
                                + "or key change that removed it is not delivered for this table (table.operations), "
                                + "so the column would keep a wrong value; set REPLICA IDENTITY FULL on the table");
                    }
                    continue;
                }
            } else {
                try {
                    text = value.text();
                } catch (TupleData.NotUtf8 e) {
                    throw new DataException("Column " + column.name() + " of " + t.qualifiedName() + " holds a value whose "
                            + "bytes are not UTF-8 (a \"char\" above 0x7F, as PostgreSQL before 15 sends it?): it cannot be "
                            + "sent without changing it. Change the value at the source (for a \"char\", to a byte below 0x80), "
                            + "or leave the table out with table.exclude.list", e);
                }
            }
            row.put(column.fieldName(), convert(t, column, text));
        }
        return row;
    }

    /**
     * {@code newRow} with its key values the update left alone and TOASTed taken from {@code oldRow}: the server sends
     * the old key whenever a key value is stored out of line, and in full. Only the key's: the other columns of an old
     * key are nulls, not values.
     */
    private static TupleData withUnchangedKeyFrom(CapturedTable t, TupleData newRow, TupleData oldRow) {
        if (oldRow == null || oldRow.size() != newRow.size() || newRow.size() != t.columns().size()) {
            return newRow;
        }
        List<TupleData.Value> values = null;
        for (int i = 0; i < newRow.size(); i++) {
            if (t.columns().get(i).key() && newRow.get(i).isUnchangedToast() && !oldRow.get(i).isUnchangedToast()
                    && !oldRow.get(i).isNull()) {
                if (values == null) {
                    values = new ArrayList<>(newRow.values());
                }
                values.set(i, oldRow.get(i));
            }
        }
        return values == null ? newRow : new TupleData(values);
    }

    private static List<UnchangedToastLoader.KeyValue> keyTexts(CapturedTable t, TupleData tuple) {
        List<UnchangedToastLoader.KeyValue> key = new ArrayList<>();
        for (int i = 0; i < t.columns().size(); i++) {
            CapturedColumn c = t.columns().get(i);
            if (c.key()) {
                key.add(new UnchangedToastLoader.KeyValue(c, tuple.get(i).text()));
            }
        }
        if (key.isEmpty()) {
            throw new DataException("Table " + t.qualifiedName() + " has no primary key, so an unchanged TOASTed value cannot "
                    + "be looked up; set REPLICA IDENTITY FULL on it (or replica.identity.full=true)");
        }
        return key;
    }

    private static Object convert(CapturedTable t, CapturedColumn column, String text) {
        try {
            return column.mapping().fromText(text);
        } catch (RuntimeException e) {
            throw new DataException("Cannot convert column " + column.name() + " of " + t.qualifiedName() + " (type "
                    + column.mapping().sourceType() + ") from its text form '" + abbreviate(text) + "': " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }
}
