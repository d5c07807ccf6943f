package io.adbsync.source.definition;

import io.adbsync.common.contract.AvroNames;
import io.adbsync.common.contract.EventContract;
import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.DefinitionCodec;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.common.definition.SequenceShape;
import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.config.SourceConfig;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Puts the definitions of a table and of what it depends on onto the schema topic ahead of the table's data, and again
 * when they change; marks every data record with the version of its table's definition.
 * <p>
 * Every read covers all captured tables (one catalog transaction), so definitions of tables whose data comes later
 * are sent early; a table is read again when its first record comes and it was not among them (created since).
 * <p>
 * Why this order is enough: a sink whose {@code schema.sync} is {@code all} writes a record only once the definition version the
 * record names (or a later one of its table) was applied, so the definition need not reach Kafka first, only at all; it
 * is handed to Connect in the same poll as, and before, the first record that names it. Definitions are sent when this
 * task first emits a table's data (each task run sends them again: applying one twice changes nothing), when a table's
 * records change schema (a column added, dropped or retyped: the stream's relation changed), and when a periodic
 * re-read finds a change (an index, a constraint, a default: nothing in the stream announces those). Sequence positions
 * are re-read on the same interval and sent when they moved, so destination sequences follow the source's.
 * <p>
 * The records carry no source offset: losing one in a crash loses nothing, since the next run sends them again before
 * its first data.
 * <p>
 * Every definition is also sent again, changed or not, once per resend interval: the schema topic's retention deletes
 * old records like any topic's, and a sink that starts after the first definitions were deleted must still find every
 * definition its tables' records need, in dependency order (compaction would keep the latest per object, but out of
 * that order).
 */
public final class SchemaChannelGate {

    private static final Logger log = LoggerFactory.getLogger(SchemaChannelGate.class);

    /** Where definitions come from: the catalog, in production. */
    public interface Reader {

        /**
         * The definitions of every captured table and of everything they depend on, each after what it depends on (all
         * at once: a foreign key or a view is kept only where what it references is captured too).
         */
        Read definitions() throws SQLException;
    }

    /**
     * What a read found: the definitions in dependency order, what it left out with the reason, and when it read them by
     * the source server's clock ({@link #UNTIMED}: the gate's own clock stands in).
     */
    public record Read(List<Definition> definitions, List<Skipped> skipped, long readAtMs) {

        public static final long UNTIMED = Long.MIN_VALUE;

        public Read(List<Definition> definitions, List<Skipped> skipped) {
            this(definitions, skipped, UNTIMED);
        }
    }

    /** Consecutive failed reads after which one that is not a lost connection fails the task. */
    static final int READ_ATTEMPTS = 5;
    /** Failures no other read cures: privileges (42501), a function or feature the server lacks (42883, 0A000). */
    private static final Set<String> REFUSALS = Set.of("42501", "42883", "0A000");

    private final String topic;
    private final Reader reader;
    private final long refreshMs;
    private final long resendMs;
    private final LongSupplier clockMs;
    /** The version of each object last sent, and for sequences the position sent with it. */
    private final Map<ObjectRef, String> sent = new HashMap<>();
    private final Map<ObjectRef, Definition> sentSequences = new HashMap<>();
    /** The definition version each table's records name; a table is here once its definitions were sent. */
    private final Map<TableId, Version> tables = new LinkedHashMap<>();
    /** The last record schema seen per table, and every schema seen (by value): one never seen means the relation changed. */
    private final Map<TableId, Schema> lastSchema = new HashMap<>();
    private final Map<TableId, Set<Schema>> schemasSeen = new HashMap<>();
    /** Past this many record schemas of one table, those seen are forgotten (one seen again is then only a re-read). */
    private static final int SCHEMAS_PER_TABLE = 16;
    /** Tables whose first record led to a read (whether or not the reader had them): read again only on a schema change. */
    private final Set<TableId> attempted = new HashSet<>();
    private final Set<Skipped> skippedWarned = new HashSet<>();
    /** Per table, the record schemas seen again that carried columns its current version lacks and led to a read. */
    private final Map<TableId, Set<Schema>> checkedAgainst = new HashMap<>();
    private long lastRefreshMs;
    private long lastResendMs;
    /** The time of the latest read sent (see {@link #send}). */
    private long lastReadAtMs = Long.MIN_VALUE;
    private int failedReads;
    /** The source table header value decoded last, and its table. */
    private String lastTableHeader;
    private TableId lastTableId;

    /**
     * A table's definition version as read, with the record field names of its columns (null: not compared), and the
     * headers that mark its records (built once: every record of the table carries the same three).
     */
    private record Version(String version, long tsMs, Set<String> fields, List<Header> headers) {
    }

    /**
     * @param refreshMs how often the definitions are read again (changes are sent)
     * @param resendMs  how often, at a re-read, every definition is sent whether it changed or not
     */
    public SchemaChannelGate(String topicPrefix, Reader reader, long refreshMs, long resendMs, LongSupplier clockMs) {
        this.topic = SchemaChannel.topic(topicPrefix);
        this.reader = reader;
        this.refreshMs = refreshMs;
        this.resendMs = resendMs;
        this.clockMs = clockMs;
        this.lastRefreshMs = clockMs.getAsLong();
        this.lastResendMs = lastRefreshMs;
    }

    /**
     * The records to hand to Connect: definitions due, then {@code records} (possibly null) with their version headers.
     * When a read fails, the gate forgets everything it sent and throws: the caller hands the same records in again,
     * and they then go after all the definitions once more, never marked with a version that was not handed out.
     */
    public List<SourceRecord> gate(List<SourceRecord> records) throws SQLException {
        try {
            List<SourceRecord> out = pass(records);
            failedReads = 0;
            return out;
        } catch (SQLException e) {
            reset();
            if (SqlErrors.classify(e) == SqlErrors.Kind.TRANSIENT) {
                throw e;
            }
            // pg_get_*def and format_type read the live catalog, not the read's snapshot: an object dropped meanwhile
            // fails them. Reading again on the same connection cures that; a privilege or a missing feature does not.
            if (!REFUSALS.contains(e.getSQLState()) && !e.getSQLState().startsWith("28") && ++failedReads < READ_ATTEMPTS) {
                throw new ReadAgain(e);
            }
            failedReads = 0;
            throw new ConnectException("Cannot read the definitions of the captured tables for " + topic
                    + (REFUSALS.contains(e.getSQLState()) ? "" : " (" + READ_ATTEMPTS + " attempts)") + ": "
                    + e.getMessage() + " (SQLState " + e.getSQLState() + "). Grant the connector's user what it "
                    + "lacks, or set " + SourceConfig.SCHEMA_CHANGES_ENABLED + "=false to run without the schema channel.", e);
        } catch (RuntimeException e) {
            reset();
            throw e;
        }
    }

    /**
     * A definition read that failed in a way another read may not (a table dropped while it was read): the caller
     * hands the same records in again after a pause, without reconnecting.
     */
    public static final class ReadAgain extends SQLException {
        ReadAgain(SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause);
        }
    }

    private List<SourceRecord> pass(List<SourceRecord> records) throws SQLException {
        List<SourceRecord> out = new ArrayList<>((records == null ? 0 : records.size()) + 4);
        long now = clockMs.getAsLong();
        // One read covers every captured table: at most one per call, however many tables or schemas it meets.
        boolean read = false;
        if (now - lastRefreshMs >= refreshMs) {
            lastRefreshMs = now;
            if (now - lastResendMs >= resendMs) {
                lastResendMs = now;
                sent.clear();
                sentSequences.clear();
                log.info("Sending every definition to {} again (schema.resend.interval.ms), for sinks that start after "
                        + "the topic's retention deleted the first ones", topic);
            }
            out.addAll(refresh(now));
            read = true;
        }
        if (records != null) {
            for (SourceRecord record : records) {
                TableId table = tableOf(record);
                if (table != null) {
                    // Unknown: created since the last read. Changed: a record schema that differs from the last one.
                    boolean unknown = !tables.containsKey(table) && attempted.add(table);
                    boolean changed = newSchema(table, record.valueSchema());
                    if ((unknown || changed) && !read) {
                        out.addAll(send(reader.definitions(), now));
                        read = true;
                    }
                    mark(record, table);
                }
                out.add(record);
            }
        }
        return out.isEmpty() && records == null ? null : out;
    }

    /** Forgets what was sent: the next records go after every definition again. */
    private void reset() {
        sent.clear();
        sentSequences.clear();
        tables.clear();
        attempted.clear();
        lastSchema.clear();
        schemasSeen.clear();
        checkedAgainst.clear();
        lastRefreshMs = clockMs.getAsLong();
        lastResendMs = lastRefreshMs;
    }

    private List<SourceRecord> refresh(long now) throws SQLException {
        // Also before any table's data: a task started after the last change (moved by a rebalance) sees none, and the
        // sequences' last moves must still reach the destination. The read carries every sequence's position; send()
        // sends those that moved (all of them, the first time).
        return send(reader.definitions(), now);
    }

    private static boolean moved(SequenceShape before, SequenceShape at) {
        return !Objects.equals(before.lastValue(), at.lastValue()) || before.isCalled() != at.isCalled();
    }

    private List<SourceRecord> send(Read read, long now) {
        // The definition's time, which a sink ranks definitions and records by: the source server's, since tasks on
        // other workers (key shards, Greenplum segments) read the same tables and their clocks differ. Never back.
        long at = Math.max(read.readAtMs() == Read.UNTIMED ? now : read.readAtMs(), lastReadAtMs);
        lastReadAtMs = at;
        List<SourceRecord> out = new ArrayList<>();
        for (Definition d : read.definitions()) {
            String version = d.version();
            boolean changed = !version.equals(sent.get(d.ref()));
            if (d.ref().kind() == ObjectKind.SEQUENCE && d.sequence() != null) {
                Definition before = sentSequences.get(d.ref());
                changed |= before == null || moved(before.sequence(), d.sequence());
                sentSequences.put(d.ref(), d);
            }
            if (changed) {
                out.add(record(d, at));
                if (sent.put(d.ref(), version) != null && d.ref().kind() != ObjectKind.SEQUENCE) {
                    log.info("Definition of {} changed (version {}); sent to {}", d.ref(), version, topic);
                }
            }
            if (d.ref().kind() == ObjectKind.TABLE) {
                TableId table = new TableId(d.ref().schema(), d.ref().name());
                Version current = tables.get(table);
                if (current == null || !current.version().equals(version)) {
                    checkedAgainst.remove(table);
                    tables.put(table, new Version(version, at, d.table() == null ? null : d.table().columns().stream()
                            .map(c -> AvroNames.name(c.name())).collect(Collectors.toSet()), markOf(version, at)));
                }
            }
        }
        for (Skipped skipped : read.skipped()) {
            if (skippedWarned.add(skipped)) {
                log.warn("Not sent to {}: {}", topic, skipped);
            }
        }
        return out;
    }

    private SourceRecord record(Definition d, long readAtMs) {
        // Partition 0 whatever the topic's partition count: the sink applies definitions in the order they were sent.
        return new SourceRecord(null, null, topic, 0, DefinitionCodec.KEY_SCHEMA, d.ref().key(),
                DefinitionCodec.VALUE_SCHEMA, DefinitionCodec.encode(d, null, readAtMs), readAtMs);
    }

    /**
     * Notes the schema of a record of {@code table}; true when it is one not seen before for that table (after another).
     * Compared by value where the instance is new: pgoutput sends a table's relation again after every reconnect and
     * cache invalidation, which makes an equal schema of a new instance.
     */
    private boolean newSchema(TableId table, Schema schema) {
        if (schema == null || lastSchema.get(table) == schema) {
            return false;
        }
        Schema last = lastSchema.put(table, schema);
        Set<Schema> seen = schemasSeen.computeIfAbsent(table, t -> new HashSet<>());
        if (seen.size() >= SCHEMAS_PER_TABLE) {
            seen.clear();
        }
        // By value, and only when the instance changed: records of one relation share their schema instance.
        if (seen.add(schema)) {
            return last != null;
        }
        // Seen before: the relation sent again (a reconnect), records from before a change after a snapshot's, or the
        // table changed back to it (a column dropped and added again as it was). The last needs a read: its records
        // carry a column the definition they would name lacks (read at the drop), and a sink would leave their values
        // out. Once per schema and version, so records of both sides of a change interleaved do not read each time.
        Version current = tables.get(table);
        if (last == null || last.equals(schema) || current == null || current.fields() == null
                || current.fields().containsAll(fieldsOf(schema))) {
            return false;
        }
        return checkedAgainst.computeIfAbsent(table, t -> new HashSet<>()).add(schema);
    }

    /** The field names of the row a record with envelope {@code schema} carries (its {@code after}, else its own). */
    private static Set<String> fieldsOf(Schema schema) {
        Field after = schema.type() == Schema.Type.STRUCT ? schema.field(EventContract.AFTER) : null;
        Schema row = after != null && after.schema().type() == Schema.Type.STRUCT ? after.schema() : schema;
        if (row.type() != Schema.Type.STRUCT) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        row.fields().forEach(f -> out.add(f.name()));
        return out;
    }

    /** The headers that mark a record with definition {@code version} read at {@code readAtMs}. */
    private List<Header> markOf(String version, long readAtMs) {
        List<Header> headers = new ArrayList<>(3);
        new ConnectHeaders().addString(SchemaChannel.VERSION_HEADER, version).addLong(SchemaChannel.TIME_HEADER, readAtMs)
                .addString(SchemaChannel.TOPIC_HEADER, topic).forEach(headers::add);
        return List.copyOf(headers);
    }

    private void mark(SourceRecord record, TableId table) {
        Version version = tables.get(table);
        if (version == null) {
            // Skipped by the reader (it says why, once): the record goes without a version, and a sink writes it as
            // records of a source without the schema channel.
            return;
        }
        Headers headers = record.headers();
        // Only records handed in again (after a failed read) carry marks already; the topic header is added last.
        if (headers.lastWithName(SchemaChannel.TOPIC_HEADER) != null) {
            headers.remove(SchemaChannel.VERSION_HEADER).remove(SchemaChannel.TIME_HEADER).remove(SchemaChannel.TOPIC_HEADER);
        }
        version.headers().forEach(headers::add);
    }

    private TableId tableOf(SourceRecord record) {
        if (topic.equals(record.topic())) {
            return null;
        }
        Header header = record.headers().lastWithName(SourceTableHeader.HEADER);
        if (header == null || !(header.value() instanceof String value)) {
            return null;
        }
        // Records of a table share one header value instance (see RecordHeaders): decoded once per run of them.
        if (value != lastTableHeader) {
            SourceTableHeader.Name name = SourceTableHeader.decode(value);
            lastTableId = new TableId(name.schema(), name.table());
            lastTableHeader = value;
        }
        return lastTableId;
    }
}
