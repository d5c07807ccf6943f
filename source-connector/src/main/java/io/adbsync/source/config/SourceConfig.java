package io.adbsync.source.config;

import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.config.Validators;
import io.adbsync.common.contract.EventContract;
import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.greenplum.SourceMode;
import io.adbsync.source.reconnect.ConnectionRetry;
import io.adbsync.source.replication.SetupMode;
import io.adbsync.source.snapshot.SnapshotMode;
import io.adbsync.source.snapshot.Snapshotter;
import io.adbsync.source.catalog.RowFilterConditions;
import io.adbsync.source.stream.TopicPartitions;
import io.adbsync.common.filter.OperationFilter;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Every setting of {@code AdbPgSourceConnector}, declared once with its documentation, default and validator. */
public final class SourceConfig extends AbstractConfig {

    public static final String SOURCE_MODE = "source.mode";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TABLE_INCLUDE_LIST = "table.include.list";
    public static final String TABLE_EXCLUDE_LIST = "table.exclude.list";
    public static final String SLOT_NAME = "slot.name";
    public static final String PUBLICATION_NAME = "publication.name";
    public static final String PUBLICATION_PARTITIONS = "publication.partitions";
    public static final String SETUP_MODE = "setup.mode";
    public static final String SNAPSHOT_MODE = "snapshot.mode";
    public static final String HEARTBEAT_INTERVAL_MS = "heartbeat.interval.ms";
    public static final String HEARTBEAT_TABLE = "heartbeat.table";
    public static final String TOMBSTONES_ON_DELETE = "tombstones.on.delete";
    public static final String TABLE_OPERATIONS = "table.operations";
    public static final String REPLICA_IDENTITY_FULL = "replica.identity.full";
    public static final String RETRY_WINDOW_MS = "connection.retry.window.ms";
    public static final String MAX_BATCH_SIZE = "max.batch.size";
    public static final String POLL_INTERVAL_MS = "poll.interval.ms";
    public static final String SLOT_DROP_ON_OFFSETS_RESET = "slot.drop.on.offsets.reset";
    public static final String STREAM_IN_PROGRESS = "stream.in.progress.transactions";
    public static final String SPILL_DIRECTORY = "spill.directory";
    public static final String STATUS_UPDATE_INTERVAL_MS = "status.update.interval.ms";
    public static final String STREAM_MAX_RECORDS_PER_SECOND = "stream.max.records.per.second";
    public static final String STREAM_MAX_MEGABYTES_PER_SECOND = "stream.max.megabytes.per.second";
    public static final String SNAPSHOT_MAX_ROWS_PER_SECOND = "snapshot.max.rows.per.second";
    public static final String SNAPSHOT_MAX_MEGABYTES_PER_SECOND = "snapshot.max.megabytes.per.second";
    public static final String SNAPSHOT_MAX_QUERIES_PER_SECOND = "snapshot.max.queries.per.second";
    public static final String SNAPSHOT_MAX_THREADS = "snapshot.max.threads";
    public static final String SNAPSHOT_CHUNK_ROWS = "snapshot.chunk.rows";
    public static final String SNAPSHOT_CHUNK_BYTES = "snapshot.chunk.bytes";
    public static final String SNAPSHOT_CHUNKING = "snapshot.chunking";
    public static final String TABLE_FILTERS = "table.filters";
    public static final String TABLE_FILTERS_MODE = "table.filters.mode";
    public static final String HEARTBEAT_TOPIC_PREFIX = "__adbsync-heartbeat.";
    public static final String SCHEMA_CHANGES_ENABLED = "schema.changes.enabled";
    public static final String SCHEMA_REFRESH_INTERVAL_MS = "schema.refresh.interval.ms";
    public static final String SCHEMA_RESEND_INTERVAL_MS = "schema.resend.interval.ms";
    public static final String SEQUENCE_INCLUDE_LIST = "sequence.include.list";

    private static final String GROUP_TOPICS = "Topics";
    private static final String GROUP_TABLES = "Tables";
    private static final String GROUP_REPLICATION = "Replication";
    private static final String GROUP_EVENTS = "Events";
    private static final String GROUP_RELIABILITY = "Reliability";
    private static final String GROUP_SNAPSHOT = "Snapshot";
    private static final String GROUP_THROTTLING = "Throttling";
    private static final String GROUP_SCHEMA = "Schema";




    public static final ConfigDef CONFIG_DEF = configDef();

    private final TopicPartitions topicPartitions;

    public SourceConfig(Map<String, String> originals) {
        super(CONFIG_DEF, originals);
        // Kafka Connect's own settings, not this connector's: read from the raw config the worker passes on.
        topicPartitions = TopicPartitions.from(originals);
    }

    private static ConfigDef configDef() {
        ConfigDef def = ConnectionConfig.define(new ConfigDef(), "source");
        def.define(SOURCE_MODE, Type.STRING, SourceMode.AUTO.configValue(),
                Validators.oneOf(SourceMode.AUTO.configValue(), SourceMode.POSTGRES.configValue(),
                        SourceMode.GREENPLUM_SEGMENTS.configValue(), SourceMode.COORDINATOR.configValue()),
                Importance.MEDIUM,
                "Which servers the changes are decoded on. postgres: the server of connection.url, as one PostgreSQL "
                        + "server. greenplum_segments: connection.url names a Greenplum coordinator, whose own decoding "
                        + "cannot read changes of distributed tables (Greenplum 7); each primary segment "
                        + "(gp_segment_configuration: content >= 0, role p, status u) is read on connections of its own in "
                        + "utility mode (-c gp_role=utility, read-only), at the address and port that catalog lists, with "
                        + "connection.url's other parameters, the same credentials and the same TLS settings, so every "
                        + "Connect worker needs a route to every segment and sslmode=verify-full needs segment "
                        + "certificates valid for those addresses. coordinator: a Greenplum-family coordinator that "
                        + "decodes changes itself (AnalyticDB for PostgreSQL 7.2.1.4+, whose managed service does not "
                        + "expose segments). auto: postgres unless version() names Greenplum, Cloudberry or AnalyticDB; "
                        + "then coordinator for AnalyticDB or a coordinator listing no primary segment, else "
                        + "greenplum_segments. validate() names the mode it would use as this key's recommended value, "
                        + "and why in each message about it. greenplum_segments runs one task per primary segment "
                        + "(tasks.max must be at least their number), each with its own slot on its segment and its own "
                        + "offsets; validate() checks every segment (reachable in utility mode, logical WAL, replication, "
                        + "slots, a replicated heartbeat table).",
                ConnectionConfig.GROUP, 5, Width.SHORT, "Source mode");
        int order = 0;
        def.define(TOPIC_PREFIX, Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                Validators.matching(Pattern.compile("[a-zA-Z0-9._-]{1,200}"),
                        "1 to 200 characters of letters, digits, '.', '_' or '-' (legal in a Kafka topic name)"),
                Importance.HIGH,
                "Prefix of every topic this connector writes: changes of table s.t go to <topic.prefix>.s.t. "
                        + "It also names the record schemas, so keep it stable once data has been written.",
                GROUP_TOPICS, ++order, Width.MEDIUM, "Topic prefix");
        order = 0;
        def.define(SCHEMA_CHANGES_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                "Send the definitions of the captured tables and of what they depend on (schemas, enum, composite, "
                        + "domain and range types, sequences with their positions, functions used by defaults and "
                        + "checks, indexes, constraints, views and rules over captured tables; on a Greenplum-family "
                        + "source the distribution policy and storage) to the topic <topic.prefix>." + SchemaChannel.TOPIC_SUFFIX
                        + ", each object after what it depends on, before the first data of a table and again when "
                        + "a definition changes. Data records then name their table's definition version in the "
                        + "header " + SchemaChannel.VERSION_HEADER + "; an adbsync sink whose schema.sync is all, subscribed to "
                        + "that topic (its topics.regex matching <topic.prefix>\\..*), creates and alters the destination "
                        + "from them before it writes the data. Other consumers subscribed to all of <topic.prefix>\\..* must "
                        + "exclude that topic, or set this to false.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Send definitions");
        def.define(SCHEMA_REFRESH_INTERVAL_MS, Type.LONG, 30_000L, ConfigDef.Range.atLeast(1_000L), Importance.LOW,
                "How often the definitions of the captured tables are read again (an index, constraint or default "
                        + "changed at the source reaches the schema topic within this time; a column change goes "
                        + "before the table's next record at once) and the positions of their sequences, which are sent "
                        + "when they moved, so destination sequences are never far behind the source's.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Definition re-read interval");
        def.define(SCHEMA_RESEND_INTERVAL_MS, Type.LONG, 86_400_000L, ConfigDef.Range.atLeast(60_000L), Importance.LOW,
                "How often every definition is sent to the schema topic again, changed or not (at the next re-read "
                        + "after this time). The schema topic is an ordinary topic whose retention deletes old "
                        + "definitions; a sink started later, or reset to the earliest offsets, still finds a complete, "
                        + "ordered set as long as the topic's retention.ms is longer than twice this (a day by default, "
                        + "Kafka's default retention is 7 days). A sink applies a definition it already has as a no-op.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Definition resend interval");
        def.define(SEQUENCE_INCLUDE_LIST, Type.LIST, "", Validators.regexList(), Importance.LOW,
                "Sequences (regexes on schema.sequence, whole name) kept in step besides those the captured tables use "
                        + "(serial and identity columns, nextval defaults). Empty (the default): every sequence of the "
                        + "schemas that hold captured tables, since sequences a function or the application calls "
                        + "nextval on are tied to no column.",
                GROUP_SCHEMA, ++order, Width.LONG, "Sequences");
        order = 0;
        def.define(TABLE_INCLUDE_LIST, Type.LIST, "", Validators.regexList(), Importance.HIGH,
                "Comma-separated regular expressions matched against schema.table (whole name). Only matching "
                        + "tables are captured; empty captures every table except the system schemas.",
                GROUP_TABLES, ++order, Width.LONG, "Tables to include");
        def.define(TABLE_FILTERS, Type.STRING, "", Validators.parsedBy(RowFilterConditions::parse, "schema.table: condition; ..."), Importance.MEDIUM,
                "Per-table row filters as schema.table:SQL condition entries separated by ';', e.g. "
                        + "public.orders: status <> 'draft'; public.items: qty > 0. They apply to the snapshot (WHERE of "
                        + "the copy) and to the stream (see table.filters.mode). An update that moves a row out of the "
                        + "filter becomes a delete, into it an insert. The condition is SQL of the source written by "
                        + "you, not data, and is put between parentheses: one that closes a parenthesis it did not "
                        + "open, leaves one open, leaves a quote open or holds a comment is refused (a ';' inside "
                        + "quotes belongs to the condition), and validate() has the source check it as a condition "
                        + "on its table. A filtered table must have REPLICA IDENTITY FULL (or set "
                        + "replica.identity.full=true) so updates and deletes can be filtered. A table whose condition's "
                        + "text changes (or is set or removed, spaces included) is copied again under the new one, "
                        + "starting with a truncate of its earlier copy (applied where the sink applies truncates); "
                        + "under several tasks or per segment that stops the tasks, as any copy made again does. A copy "
                        + "finished by a version before this check is taken to be under the current condition.",
                GROUP_TABLES, 3, Width.LONG, "Row filters");
        def.define(TABLE_FILTERS_MODE, Type.STRING, "auto", Validators.oneOf("auto", "publication", "connector"),
                Importance.LOW,
                "Where the stream applies table.filters: publication (row filters of the publication, PostgreSQL 15+), "
                        + "connector (the connector asks the source to evaluate the condition for each change of a "
                        + "filtered table: one round trip per change, for older servers such as AnalyticDB 7), or auto "
                        + "(publication where the server has it, else connector).",
                GROUP_TABLES, 4, Width.SHORT, "Row filter mode");
        def.define(TABLE_EXCLUDE_LIST, Type.LIST, "", Validators.regexList(), Importance.MEDIUM,
                "Comma-separated regular expressions matched against schema.table; matching tables are not captured "
                        + "even when table.include.list matches them.",
                GROUP_TABLES, ++order, Width.LONG, "Tables to exclude");
        order = 0;
        Pattern slotName = Pattern.compile("[a-z0-9_]{1,63}");
        def.define(SLOT_NAME, Type.STRING, "adbsync",
                Validators.matching(slotName, "1 to 63 lower-case letters, digits or underscores (a replication slot name)"),
                Importance.HIGH,
                "Name of the logical replication slot (pgoutput) the connector reads from; created if absent (in either "
                        + SETUP_MODE + ": that takes only the REPLICATION attribute streaming needs anyway). Each connector "
                        + "needs its own slot.",
                GROUP_REPLICATION, ++order, Width.MEDIUM, "Replication slot");
        def.define(PUBLICATION_NAME, Type.STRING, "adbsync_publication",
                Validators.matching(Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}"),
                        "1 to 63 letters, digits, '_' or '$', not starting with a digit (a publication name)"),
                Importance.MEDIUM,
                "Name of the publication that lists the captured tables; created if absent, and its table list kept "
                        + "in step with the include list (" + SETUP_MODE + "=create).",
                GROUP_REPLICATION, ++order, Width.MEDIUM, "Publication");
        def.define(SETUP_MODE, Type.STRING, SetupMode.CREATE.configValue(),
                Validators.oneOf(SetupMode.CREATE.configValue(), SetupMode.CHECK.configValue()), Importance.MEDIUM,
                "create: at each start the connector makes what it streams through at the source: it creates the "
                        + "publication or brings its table list in step, creates the heartbeat table, sets REPLICA "
                        + "IDENTITY FULL (with " + REPLICA_IDENTITY_FULL + "), and publishes tables and partitions that "
                        + "appear while it streams; that needs a role owning the captured tables. check: the connector "
                        + "runs no DDL at the source. The publication (listing every captured table and the heartbeat "
                        + "table), the heartbeat table and the replica identities must already be there: validation and "
                        + "the task check them and name the SQL an administrator has to run. A table or partition that "
                        + "appears while streaming is captured (and copied) once an administrator has published it; "
                        + "until then a warning names the SQL. The replication slot is created when absent in both "
                        + "modes. See docs/security.md for the grants of each mode.",
                GROUP_REPLICATION, ++order, Width.SHORT, "Setup at the source");
        def.define(PUBLICATION_PARTITIONS, Type.STRING, "auto", Validators.oneOf("auto", "root", "leaves"), Importance.LOW,
                "How partitioned tables are published. Either way a partitioned table is captured as one table under "
                        + "its root's name, topic and schema (name the root in table.include.list, not its partitions), and "
                        + "its snapshot is read partition by partition. root: the publication lists the root with "
                        + "publish_via_partition_root = true (PostgreSQL 13+; an existing publication without it is "
                        + "altered). leaves: the publication lists the leaf partitions and the connector maps their changes "
                        + "to the root by OID; partitions attached later are added to the publication within seconds; needed on PostgreSQL 12 and AnalyticDB 7, which refuse a partitioned table in a "
                        + "publication. auto: root on 13+, else leaves.",
                GROUP_REPLICATION, ++order, Width.SHORT, "Partitioned tables");
        def.define(SNAPSHOT_MODE, Type.STRING, SnapshotMode.INITIAL.configValue(),
                Validators.oneOf(
                        SnapshotMode.INITIAL.configValue(), SnapshotMode.NEVER.configValue(), SnapshotMode.INITIAL_ONLY.configValue()),
                Importance.HIGH,
                "initial: copy the captured tables while streaming changes (tables added to the include list later "
                        + "are copied at the next start); never: stream changes only, from the slot's position; "
                        + "initial_only: copy the tables and stream nothing.",
                GROUP_REPLICATION, ++order, Width.SHORT, "Snapshot mode");
        def.define(HEARTBEAT_INTERVAL_MS, Type.LONG, 10_000L, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                "How often, in milliseconds, the connector writes a heartbeat so an idle or filtered database still "
                        + "lets the slot advance and release WAL; 0 turns heartbeats off.",
                GROUP_REPLICATION, ++order, Width.SHORT, "Heartbeat interval");
        def.define(HEARTBEAT_TABLE, Type.STRING, EventContract.DEFAULT_HEARTBEAT_TABLE,
                Validators.matching(Validators.SCHEMA_TABLE, "schema.table"),
                Importance.LOW,
                "Table (schema.table) the heartbeat upserts one row per slot into; created if absent and added to the "
                        + "publication (" + SETUP_MODE + "=create). Its changes go to the topic " + HEARTBEAT_TOPIC_PREFIX + "<topic.prefix>, "
                        + "never to a table topic.",
                GROUP_REPLICATION, ++order, Width.MEDIUM, "Heartbeat table");
        def.define(REPLICA_IDENTITY_FULL, Type.BOOLEAN, false, Importance.MEDIUM,
                "Set REPLICA IDENTITY FULL on every captured table at start (as the managed service does), so updates "
                        + "and deletes carry the whole old row and unchanged TOASTed values never need a re-read. When "
                        + "false, such values are re-read from the table by primary key. Either way a captured table needs "
                        + "a primary key (or REPLICA IDENTITY USING INDEX), since records are keyed by it: validation "
                        + "refuses tables without one, and a task leaves out any created since, with a warning.",
                GROUP_REPLICATION, ++order, Width.SHORT, "REPLICA IDENTITY FULL");
        def.define(SLOT_DROP_ON_OFFSETS_RESET, Type.BOOLEAN, false, Importance.MEDIUM,
                "Drop the replication slot and the publication (only the slot with " + SETUP_MODE + "=check, where the "
                        + "publication is the administrator's) when the connector's offsets are reset "
                        + "(DELETE /connectors/<name>/offsets on a stopped connector). That is the way to remove the "
                        + "connector for good without leaving a slot that keeps WAL on the source: PUT "
                        + "/connectors/<name>/stop, DELETE /connectors/<name>/offsets, DELETE /connectors/<name>. A "
                        + "restart, rebalance or plain delete never drops anything, nor does a reset that leaves some "
                        + "stream position stored (a table's copy alone, or some Greenplum segments' streams).",
                GROUP_REPLICATION, ++order, Width.SHORT, "Drop slot on offsets reset");
        def.define(STREAM_IN_PROGRESS, Type.BOOLEAN, false, Importance.MEDIUM,
                "Ask the server (PostgreSQL 14+) to send transactions larger than its logical_decoding_work_mem while "
                        + "they are still in progress (pgoutput protocol 2, streaming=on). The connector spills them to "
                        + "files under spill.directory and emits them only at commit; aborted ones are dropped. When "
                        + "false (protocol 1) the server keeps large transactions on its own disk until they commit. "
                        + "Either way the connector's memory does not grow with transaction size.",
                GROUP_REPLICATION, ++order, Width.SHORT, "Stream in-progress transactions");
        def.define(SPILL_DIRECTORY, Type.STRING, "", Importance.LOW,
                "Directory for spilled in-progress transactions and for the rows of snapshot chunks past what "
                        + "snapshot.chunk.bytes lets them hold in memory; empty means the JVM's temporary directory "
                        + "(mind a tmpfs there: it is memory). Transactions' files are named "
                        + "adbsync-<slot.name>-<digest>-xid-*.spill; when a task starts streaming it removes those an "
                        + "earlier run of it left behind (a crashed worker), and no other file. A snapshot chunk's file "
                        + "(adbsync-snapshot-*.spill, the rows of the chunk this task converts, as COPY text) is removed "
                        + "from the directory as soon as it is open where the system allows it (Linux, macOS), so a dead "
                        + "worker leaves nothing, and ls and du do not show it while in use (df and lsof +L1 do); it "
                        + "can be as big as the rest of a table copied whole (no key before PostgreSQL 14, Greenplum's "
                        + "append-optimized tables), one such file per snapshot thread. The task fails, naming the "
                        + "directory and the error, when it cannot write there.",
                GROUP_REPLICATION, ++order, Width.LONG, "Spill directory");
        def.define(STATUS_UPDATE_INTERVAL_MS, Type.LONG, 10_000L, ConfigDef.Range.between(100, 3_600_000), Importance.LOW,
                "How often, in milliseconds, the task reports to the server the position Kafka has acknowledged, which "
                        + "lets the slot release WAL up to it: the slot's confirmed_flush_lsn moves at this pace. Shorter "
                        + "shows progress sooner, for a few more messages to the server.",
                GROUP_REPLICATION, ++order, Width.SHORT, "Status update interval");
        order = 0;
        def.define(TOMBSTONES_ON_DELETE, Type.BOOLEAN, true, Importance.MEDIUM,
                "Follow each delete event with a tombstone (same key, null value) so compacted topics drop the key.",
                GROUP_EVENTS, ++order, Width.SHORT, "Tombstones");
        def.define(TABLE_OPERATIONS, Type.LIST, "", Validators.parsedBy(OperationFilter::parse, "entries regex=insert|update|delete|truncate"), Importance.MEDIUM,
                "Per-table choice of the operations to capture, as entries regex=op|op, e.g. "
                        + "public\\.audit=insert,public\\..*=insert|update|delete. The first entry whose regex matches "
                        + "schema.table decides; tables no entry matches get insert, update, delete and truncate.",
                GROUP_EVENTS, ++order, Width.LONG, "Operations per table");
        def.define(MAX_BATCH_SIZE, Type.INT, 2048, ConfigDef.Range.between(1, 1_000_000), Importance.LOW,
                "Most records one poll hands to Kafka Connect.",
                GROUP_EVENTS, ++order, Width.SHORT, "Batch size");
        def.define(POLL_INTERVAL_MS, Type.LONG, 500L, ConfigDef.Range.between(1, 60_000), Importance.LOW,
                "Longest a poll waits for changes when the stream is idle.",
                GROUP_EVENTS, ++order, Width.SHORT, "Poll interval");
        order = 0;
        def.define(SNAPSHOT_MAX_THREADS, Type.INT, 2, ConfigDef.Range.between(1, 64), Importance.MEDIUM,
                "How many chunks the snapshot copies at once, each on its own connection.",
                GROUP_SNAPSHOT, ++order, Width.SHORT, "Snapshot threads");
        def.define(SNAPSHOT_CHUNK_ROWS, Type.LONG, 20_000L, ConfigDef.Range.between(100, 10_000_000), Importance.LOW,
                "Rows per snapshot chunk (for CTID ranges estimated from table statistics), fewer for wide rows (see "
                        + "snapshot.chunk.bytes). A chunk is the unit of resumption: a restart reads the chunk it stopped in again.",
                GROUP_SNAPSHOT, ++order, Width.SHORT, "Snapshot chunk size");
        def.define(SNAPSHOT_CHUNK_BYTES, Type.LONG, 32L << 20, ConfigDef.Range.between(64L << 10, 1L << 32), Importance.LOW,
                "Most bytes of row text a snapshot chunk is planned to hold: a table whose rows are wider than this "
                        + "over snapshot.chunk.rows gets chunks of fewer rows. The width is the average of 20 to 200 of "
                        + "the table's rows (picked at random from a sample of its blocks, its row filter not applied) "
                        + "taken when its copy is planned; a copy by key range then goes by the width of the chunks it "
                        + "read, while a copy by CTID range keeps its planned size. A CTID range is at least one heap "
                        + "block, which with values stored out of line (TOAST) holds a few hundred rows: such a table is "
                        + "split by key instead under snapshot.chunking=auto. Not measured: tables other than heap ones, "
                        + "such as Greenplum's append-optimized tables (TABLESAMPLE cannot read them), tables without a "
                        + "key before PostgreSQL 14 (copied whole) and a copy resumed by CTID (it keeps the size it "
                        + "started with). Memory: a chunk holds at most twice this much row text (as records several "
                        + "times that size) and a few rows, snapshot.max.threads chunks at a time; the rest of a bigger "
                        + "chunk goes to a file in spill.directory while its COPY runs, and is converted from there "
                        + "after the chunk's transaction ended, as the task hands the rows out. Size the worker's heap "
                        + "for snapshot.max.threads x 2 x this much text per source task (128 MiB with the defaults) "
                        + "as records; lower it where several source tasks share a small heap.",
                GROUP_SNAPSHOT, ++order, Width.SHORT, "Snapshot chunk bytes");
        def.define(SNAPSHOT_CHUNKING, Type.STRING, "auto", Validators.oneOf("auto", "ctid", "key"), Importance.LOW,
                "How tables are split: ctid (ranges of heap blocks, scanned directly on PostgreSQL 14+), key (ranges "
                        + "of the key, in the order of its index, one index scan per boundary; for older servers such as "
                        + "AnalyticDB 7), or "
                        + "auto (ctid on 14+, else key; key on 14+ too for a table whose rows are so wide that a heap "
                        + "block holds more of them than snapshot.chunk.bytes allows a chunk; tables without a key on "
                        + "older servers are copied whole).",
                GROUP_SNAPSHOT, ++order, Width.SHORT, "Snapshot chunking");
        order = 0;
        def.define(STREAM_MAX_RECORDS_PER_SECOND, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.LOW,
                "Most change records per second the stream hands to Kafka; 0 means no limit. Changes wait in the "
                        + "server's WAL meanwhile.",
                GROUP_THROTTLING, ++order, Width.SHORT, "Stream records/s");
        def.define(STREAM_MAX_MEGABYTES_PER_SECOND, Type.DOUBLE, 0.0, ConfigDef.Range.atLeast(0), Importance.LOW,
                "Most megabytes of decoded change data per second the stream reads; 0 means no limit.",
                GROUP_THROTTLING, ++order, Width.SHORT, "Stream MB/s");
        def.define(SNAPSHOT_MAX_ROWS_PER_SECOND, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.LOW,
                "Most rows per second the snapshot copies from the source; 0 means no limit.",
                GROUP_THROTTLING, ++order, Width.SHORT, "Snapshot rows/s");
        def.define(SNAPSHOT_MAX_MEGABYTES_PER_SECOND, Type.DOUBLE, 0.0, ConfigDef.Range.atLeast(0), Importance.LOW,
                "Most megabytes per second the snapshot copies from the source; 0 means no limit.",
                GROUP_THROTTLING, ++order, Width.SHORT, "Snapshot MB/s");
        def.define(SNAPSHOT_MAX_QUERIES_PER_SECOND, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.LOW,
                "Most snapshot queries (chunk copies and key-boundary lookups) per second against the source; 0 means "
                        + "no limit.",
                GROUP_THROTTLING, ++order, Width.SHORT, "Snapshot queries/s");
        order = 0;
        def.define(RETRY_WINDOW_MS, Type.LONG, 720L * 60_000, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                "How long the task keeps trying to connect at start (source down, or the replication slot still held "
                        + "by the previous task) and to reconnect after losing the source connection, before it fails "
                        + "(default 720 minutes). A lost connection is tried again at once; after a failed attempt the task "
                        + "waits " + ConnectionRetry.INITIAL_BACKOFF_MS + " ms, a wait that doubles up to "
                        + ConnectionRetry.MAX_BACKOFF_MS + " ms.",
                GROUP_RELIABILITY, ++order, Width.SHORT, "Retry window for lost connections");
        return def;
    }

    public SourceMode sourceMode() {
        return SourceMode.valueOf(getString(SOURCE_MODE).trim().toUpperCase(Locale.ROOT));
    }

    public ConnectionConfig connection() {
        return ConnectionConfig.from(this);
    }

    /** The partition count of each table topic, from the connector's topic-creation settings. */
    public TopicPartitions topicPartitions() {
        return topicPartitions;
    }

    public boolean schemaChangesEnabled() {
        return getBoolean(SCHEMA_CHANGES_ENABLED);
    }

    public long schemaRefreshIntervalMs() {
        return getLong(SCHEMA_REFRESH_INTERVAL_MS);
    }

    public long schemaResendIntervalMs() {
        return getLong(SCHEMA_RESEND_INTERVAL_MS);
    }

    public List<String> sequenceIncludeList() {
        return getList(SEQUENCE_INCLUDE_LIST);
    }

    public String topicPrefix() {
        return getString(TOPIC_PREFIX);
    }

    public List<String> tableIncludeList() {
        return getList(TABLE_INCLUDE_LIST);
    }

    public List<String> tableExcludeList() {
        return getList(TABLE_EXCLUDE_LIST);
    }

    public String slotName() {
        return getString(SLOT_NAME);
    }

    public String publicationName() {
        return getString(PUBLICATION_NAME);
    }

    /** The {@code publication.partitions} setting: auto, root or leaves. */
    public String publicationPartitions() {
        return getString(PUBLICATION_PARTITIONS).trim().toLowerCase(Locale.ROOT);
    }

    public SetupMode setupMode() {
        return SetupMode.valueOf(getString(SETUP_MODE).trim().toUpperCase(Locale.ROOT));
    }

    public SnapshotMode snapshotMode() {
        return SnapshotMode.valueOf(getString(SNAPSHOT_MODE).trim().toUpperCase(Locale.ROOT));
    }

    public long heartbeatIntervalMs() {
        return getLong(HEARTBEAT_INTERVAL_MS);
    }

    /** The heartbeat table ({@code heartbeat.table}, validated as schema.table). */
    public TableId heartbeatTable() {
        return TableId.parse(getString(HEARTBEAT_TABLE));
    }

    public String heartbeatTopic() {
        return HEARTBEAT_TOPIC_PREFIX + topicPrefix();
    }

    public boolean tombstonesOnDelete() {
        return getBoolean(TOMBSTONES_ON_DELETE);
    }

    public OperationFilter operationFilter() {
        return OperationFilter.parse(getList(TABLE_OPERATIONS));
    }

    public boolean replicaIdentityFull() {
        return getBoolean(REPLICA_IDENTITY_FULL);
    }

    public long retryWindowMs() {
        return getLong(RETRY_WINDOW_MS);
    }

    public int maxBatchSize() {
        return getInt(MAX_BATCH_SIZE);
    }

    public long pollIntervalMs() {
        return getLong(POLL_INTERVAL_MS);
    }

    public long statusUpdateIntervalMs() {
        return getLong(STATUS_UPDATE_INTERVAL_MS);
    }

    public boolean slotDropOnOffsetsReset() {
        return getBoolean(SLOT_DROP_ON_OFFSETS_RESET);
    }

    public boolean streamInProgressTransactions() {
        return getBoolean(STREAM_IN_PROGRESS);
    }

    public java.nio.file.Path spillDirectory() {
        String dir = getString(SPILL_DIRECTORY);
        return java.nio.file.Path.of(dir == null || dir.isBlank() ? System.getProperty("java.io.tmpdir") : dir);
    }

    public io.adbsync.common.throttle.Throttle streamThrottle() {
        return new io.adbsync.common.throttle.Throttle(getLong(STREAM_MAX_RECORDS_PER_SECOND),
                getDouble(STREAM_MAX_MEGABYTES_PER_SECOND) * 1_000_000);
    }

    public io.adbsync.common.throttle.Throttle snapshotThrottle() {
        return new io.adbsync.common.throttle.Throttle(getLong(SNAPSHOT_MAX_ROWS_PER_SECOND),
                getDouble(SNAPSHOT_MAX_MEGABYTES_PER_SECOND) * 1_000_000);
    }

    public io.adbsync.common.throttle.Throttle snapshotQueryThrottle() {
        return new io.adbsync.common.throttle.Throttle(getLong(SNAPSHOT_MAX_QUERIES_PER_SECOND), 0);
    }

    public int snapshotMaxThreads() {
        return getInt(SNAPSHOT_MAX_THREADS);
    }

    public long snapshotChunkRows() {
        return getLong(SNAPSHOT_CHUNK_ROWS);
    }

    public long snapshotChunkBytes() {
        return getLong(SNAPSHOT_CHUNK_BYTES);
    }

    public Snapshotter.Chunking snapshotChunking() {
        return Snapshotter.Chunking.valueOf(getString(SNAPSHOT_CHUNKING).trim().toUpperCase(Locale.ROOT));
    }

    /** Whether the stream's row filters are evaluated by the connector rather than by the publication of {@code server}. */
    public boolean filtersInConnector(ServerCapabilities server) {
        String mode = getString(TABLE_FILTERS_MODE).trim().toLowerCase(Locale.ROOT);
        return mode.equals("connector") || (mode.equals("auto") && !server.publicationRowFilters());
    }

    /** Row filters by schema.table. */
    public Map<String, String> tableFilters() {
        return RowFilterConditions.parse(getString(TABLE_FILTERS));
    }
}
