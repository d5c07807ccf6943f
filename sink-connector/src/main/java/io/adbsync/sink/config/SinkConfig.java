package io.adbsync.sink.config;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.config.Validators;
import io.adbsync.common.filter.OperationFilter;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.sink.naming.NameCase;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.naming.TableNamer;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Every setting of {@link AdbPgSinkConnector}, declared once with its documentation, default and validator. */
public final class SinkConfig extends AbstractConfig {

    private final SchemaSyncMode schemaSync;

    public static final String INSERT_MODE = "insert.mode";
    public static final String DELETE_ENABLED = "delete.enabled";
    public static final String AUTO_CREATE = "auto.create";
    public static final String AUTO_EVOLVE = "auto.evolve";
    public static final String SCHEMA_SYNC = "schema.sync";
    public static final String SCHEMA_SYNC_TABLE = "schema.sync.table";
    public static final String SCHEMA_SYNC_WAIT_MS = "schema.sync.wait.ms";
    public static final String TABLE_NAME_FORMAT = "table.name.format";
    public static final String DISTRIBUTION_KEY = "distribution.key";
    public static final String STORAGE_ENGINE = "storage.engine";
    public static final String TABLE_NAME_MAP = "table.name.map";
    public static final String NAME_CASE = "name.case";
    public static final String TABLE_CONFLICT_MODE = "table.conflict.mode";
    public static final String TABLE_OPERATIONS = "table.operations";
    public static final String TRUNCATE_ENABLED = "truncate.enabled";
    public static final String TRUNCATE_BARRIER_TABLE = "truncate.barrier.table";
    public static final String TABLE_ALLOW_LIST = "table.allow.list";
    public static final String RETRY_WINDOW_CONNECTION_MS = "retry.window.connection.ms";
    public static final String RETRY_WINDOW_OTHER_MS = "retry.window.other.ms";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    public static final String OFFSETS_TABLE = "exactly.once.offsets.table";
    public static final String MAX_ROWS_PER_SECOND = "max.rows.per.second";
    public static final String MAX_MEGABYTES_PER_SECOND = "max.megabytes.per.second";
    public static final String SESSION_REPLICATION_ROLE = "session.replication.role";

    private static final String GROUP_WRITES = "Writes";
    private static final String GROUP_SCHEMA = "Schema";
    private static final String GROUP_ERRORS = "Errors and delivery";
    private static final String GROUP_THROTTLE = "Throttling";

    /** How a change is written. */
    public enum InsertMode {
        UPSERT, INSERT
    }

    /**
     * The {@code session_replication_role} the sink's sessions run under: whether the destination's foreign keys and
     * ordinary triggers act on the rows it writes ({@code ORIGIN}) or not ({@code REPLICA}).
     */
    public enum ReplicationRole {
        REPLICA, ORIGIN;

        /** The server's name of the value. */
        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What the sink creates and alters at the destination. */
    public enum SchemaSyncMode {
        /** No DDL at all: the destination's tables must exist and fit. */
        NONE,
        /** Tables from the records' schemas, as auto.create and auto.evolve say. */
        TABLES,
        /** Everything the source sends on its schema topic, before the data that needs it; tables from records otherwise. */
        ALL
    }

    /** What to do when a destination table already exists before the connector first writes to it. */
    public enum ConflictMode {
        FAIL, IGNORE
    }

    public static final ConfigDef CONFIG_DEF = configDef();

    public SinkConfig(Map<String, String> originals) {
        super(CONFIG_DEF, originals);
        // Read for every record: parsed once.
        schemaSync = SchemaSyncMode.valueOf(getString(SCHEMA_SYNC).trim().toUpperCase(Locale.ROOT));
    }

    private static ConfigDef configDef() {
        ConfigDef def = ConnectionConfig.define(new ConfigDef(), "destination");
        int order = 0;
        def.define(INSERT_MODE, Type.STRING, "upsert", Validators.oneOf("upsert", "insert"),
                Importance.HIGH,
                "upsert: insert a row or overwrite the row with the same primary key (replays are harmless); "
                        + "insert: plain inserts, for tables without a key (replays duplicate rows). In insert mode "
                        + "every record becomes a new row: a row changed while the source snapshot ran arrives both "
                        + "as a snapshot row and as a change, and ends up twice (the task logs a warning at the "
                        + "first snapshot row); updates are appended as rows too. Deletes remove the rows of their key, "
                        + "in their place among the appended rows, where the destination table has a unique key on it "
                        + "(or is append-optimized), and are refused naming the table otherwise.",
                GROUP_WRITES, ++order, Width.SHORT, "Insert mode");
        def.define(DELETE_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                "Apply delete events and tombstones as deletes by primary key; when false they are skipped.",
                GROUP_WRITES, ++order, Width.SHORT, "Apply deletes");
        def.define(TRUNCATE_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
                "Apply truncate events (op t) by truncating the destination table; when false (the default) they "
                        + "are skipped and the destination keeps the truncated rows. Off by default because whoever "
                        + "may write to a consumed topic could otherwise empty a destination table with one record; "
                        + "turn it on when the topics carry only the source connector's events.",
                GROUP_WRITES, ++order, Width.SHORT, "Apply truncates");
        def.define(TRUNCATE_BARRIER_TABLE, Type.STRING, "public.adbsync_truncate_barriers",
                Validators.matching(Validators.SCHEMA_TABLE, "schema.table"), Importance.LOW,
                "Destination table (schema.table) where the tasks of this connector meet at a truncate on a topic of "
                        + "several partitions. The adbsync source sends such a truncate to every partition; a task that "
                        + "reaches it on a partition writes everything before it, records its arrival here and holds the "
                        + "partition; the arrival from the last partition truncates the destination table in the same "
                        + "transaction, and then every partition goes on. Completed truncates stay recorded (one row per "
                        + "partition) so that records replayed from before one are skipped instead of bringing truncated "
                        + "rows back. Created on first need; its schema must exist or be creatable.",
                GROUP_WRITES, ++order, Width.LONG, "Truncate barrier table");
        def.define(TABLE_ALLOW_LIST, Type.LIST, "", Validators.regexList(), Importance.HIGH,
                "Destination tables the sink may create, alter or write: regexes on the destination schema.table "
                        + "(as named after table.name.format, table.name.map and name.case, unquoted), each "
                        + "matching the whole name. A record for any other table is refused before any DDL or "
                        + "write, with its table, topic, partition and offset (to the dead-letter queue under "
                        + "errors.tolerance=all). Empty (the default) allows every table the database user can reach: "
                        + "whoever may write to a consumed topic then may write to all of them.",
                GROUP_WRITES, ++order, Width.LONG, "Allowed destination tables");
        def.define(TABLE_OPERATIONS, Type.LIST, "", Validators.parsedBy(OperationFilter::parse, "entries schema\\.table=insert|update|delete|truncate"), Importance.MEDIUM,
                "Per-table choice of the operations to apply: entries like public\\.orders=insert|update (a regex on "
                        + "the source schema.table as routing names it (see table.name.format), then the operations among insert, update, delete, truncate). The "
                        + "first matching entry decides; tables matching none get every operation. Plain records "
                        + "(no envelope) count as an insert or update.",
                GROUP_WRITES, ++order, Width.LONG, "Operations per table");
        def.define(SESSION_REPLICATION_ROLE, Type.STRING, "replica", Validators.oneOf("replica", "origin"), Importance.HIGH,
                "replica: the sink's sessions run with session_replication_role = replica, the way PostgreSQL's own "
                        + "logical replication applies changes: foreign keys, ordinary triggers and rules of the "
                        + "destination tables do not act on the rows the sink writes (a batch writes its tables in any "
                        + "order, so a child row may come before its parent; and the source's triggers already made the "
                        + "values). Primary key, unique, CHECK and NOT NULL constraints still apply (but for unique and exclusion "
                        + "constraints made DEFERRABLE, whose checks are constraint triggers), and triggers enabled "
                        + "with ALTER TABLE ... ENABLE ALWAYS TRIGGER (or ENABLE REPLICA TRIGGER) still fire. Setting it "
                        + "takes a superuser, or on PostgreSQL 15 and later GRANT SET ON PARAMETER "
                        + "session_replication_role; or an administrator makes it the role's own with ALTER ROLE ... SET "
                        + "session_replication_role = replica, which the sink then finds set. The precheck and the task "
                        + "say which when the user may not. origin: the destination's foreign keys and triggers act on "
                        + "every row the sink writes, so a foreign key between replicated tables fails a batch whenever "
                        + "a child comes before its parent, and a trigger that changes values rewrites what the sink "
                        + "copies: drop or disable them until switchover (docs/operations.md, \"Foreign keys and "
                        + "triggers at the destination\").",
                GROUP_WRITES, ++order, Width.SHORT, "Session replication role");
        order = 0;
        def.define(AUTO_CREATE, Type.BOOLEAN, true, Importance.HIGH,
                "Create a missing destination table from the record schema (columns, types, primary key, and on "
                        + "Greenplum/AnalyticDB the distribution key and storage engine).",
                GROUP_SCHEMA, ++order, Width.SHORT, "Create tables");
        def.define(AUTO_EVOLVE, Type.BOOLEAN, true, Importance.MEDIUM,
                "Add columns to the destination table when records carry columns it lacks.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Add columns");
        def.define(SCHEMA_SYNC, Type.STRING, "tables", Validators.oneOf("none", "tables", "all"), Importance.HIGH,
                "none: no DDL at the destination, whatever auto.create and auto.evolve say. tables: create and "
                        + "evolve tables from the records' schemas as auto.create and auto.evolve say. all: also apply "
                        + "what an adbsync source sends on its schema topic <topic.prefix>.schema-changes (schemas, "
                        + "types, sequences kept in step, functions, tables with their constraints, defaults and "
                        + "indexes, views, rules; see docs/schema-sync.md), through this sink's naming, distribution "
                        + "and storage settings, before the data that needs it. The topic must be among this "
                        + "connector's topics (topics.regex=<topic.prefix>\\..* includes it); a record naming a "
                        + "definition this connector has not applied waits for it (" + SCHEMA_SYNC_WAIT_MS + ").",
                GROUP_SCHEMA, ++order, Width.SHORT, "Schema sync");
        def.define(SCHEMA_SYNC_TABLE, Type.STRING, "public.adbsync_schema_sync",
                Validators.matching(Validators.SCHEMA_TABLE, "schema.table"), Importance.LOW,
                "Destination table (schema.table) where schema.sync=all records each definition it applied (object, "
                        + "version, when the source read it), in the same transaction as its DDL: the tasks of this "
                        + "connector read it to know that a table's definition is in place before they write its "
                        + "records. Created on first need; its schema must exist or be creatable.",
                GROUP_SCHEMA, ++order, Width.LONG, "Schema sync table");
        def.define(SCHEMA_SYNC_WAIT_MS, Type.LONG, 10L * 60_000, ConfigDef.Range.atLeast(1_000L), Importance.LOW,
                "With schema.sync=all, how long a record waits for the definition version it names (header "
                        + "adbsync.definition) to be applied before the task fails with a message naming the table "
                        + "and the schema topic. Its partition is paused meanwhile; other partitions go on.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Wait for definitions");
        def.define(TABLE_NAME_FORMAT, Type.STRING, "${schema}.${table}",
                Validators.matching(Pattern.compile("(?s).*\\S.*"), "a non-blank name template"),
                Importance.MEDIUM,
                "Destination table for a record: ${schema} and ${table} are the exact source names the record "
                        + "carries (an envelope's source.schema/source.table; on tombstones and other records the "
                        + "adbsync.source.table header of the adbsync source) when they map to its prefix.schema.table "
                        + "topic; else the last two dot-separated parts of its topic name (a topic without a dot is a "
                        + "table in schema public), where characters a topic cannot hold are '_'. ${topic} is the "
                        + "topic. An envelope whose source names do not map to its prefix.schema.table topic is "
                        + "refused. The format's own dot separates schema and table (a format without one names a "
                        + "table in schema public; only dots that ${topic} brings separate there), dots inside source "
                        + "names stay in their part, and each part is quoted as written.",
                GROUP_SCHEMA, ++order, Width.LONG, "Table name format");
        def.define(DISTRIBUTION_KEY, Type.LIST, "", Importance.MEDIUM,
                "Greenplum/AnalyticDB only: columns of DISTRIBUTED BY for created tables; empty means the primary key. "
                        + "They must be part of the primary key.",
                GROUP_SCHEMA, ++order, Width.LONG, "Distribution key");
        def.define(STORAGE_ENGINE, Type.STRING, "heap",
                Validators.oneOf(Arrays.stream(StorageEngine.values()).map(StorageEngine::accessMethod).toArray(String[]::new)),
                Importance.MEDIUM,
                "Greenplum/AnalyticDB only: storage of created tables. heap and beam support upserts with "
                        + "ON CONFLICT; ao_row and ao_column (append-optimized) are merged with DELETE + INSERT.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Storage engine");
        def.define(TABLE_NAME_MAP, Type.LIST, "", Validators.parsedBy(TableNamer::parseMap, "entries source_schema.source_table=dest_schema.dest_table"), Importance.MEDIUM,
                "Per-table rename: entries source_schema.source_table=dest_schema.dest_table, the source named "
                        + "as table.name.format's ${schema}.${table} (e.g. public.Order Items). A mapped table takes "
                        + "this name as written; other tables follow table.name.format.",
                GROUP_SCHEMA, ++order, Width.LONG, "Table name map");
        def.define(NAME_CASE, Type.STRING, "keep", Validators.oneOf("keep", "lower", "upper"), Importance.MEDIUM,
                "Capitalization of table and column names derived from the source: keep them as they are, or "
                        + "fold them to lower or upper case. Names from table.name.map are used as written.",
                GROUP_SCHEMA, ++order, Width.SHORT, "Name case");
        def.define(TABLE_CONFLICT_MODE, Type.STRING, "ignore", Validators.oneOf("fail", "ignore"), Importance.MEDIUM,
                "fail: the precheck (config validation) reports an error when a destination table of the listed "
                        + "topics already exists. ignore: proceed; snapshot rows (op r) then never overwrite existing "
                        + "rows, streamed changes do (also within one batch: a snapshot row never undoes a streamed "
                        + "change of its key).",
                GROUP_SCHEMA, ++order, Width.SHORT, "Conflicting tables");
        order = 0;
        def.define(RETRY_WINDOW_CONNECTION_MS, Type.LONG, 720L * 60_000, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                "How long the task keeps retrying while the destination cannot be reached (connection lost, server "
                        + "restarting) before it fails.",
                GROUP_ERRORS, ++order, Width.SHORT, "Retry window, connection");
        def.define(RETRY_WINDOW_OTHER_MS, Type.LONG, 10L * 60_000, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                "How long the task keeps retrying other transient failures (deadlocks, serialization failures, lock "
                        + "and statement timeouts, out of resources) before it fails.",
                GROUP_ERRORS, ++order, Width.SHORT, "Retry window, other");
        def.define(RETRY_BACKOFF_MS, Type.LONG, 1000L, ConfigDef.Range.between(1, 600_000), Importance.LOW,
                "First wait before a retried batch is redelivered; it doubles on each retry up to one minute.",
                GROUP_ERRORS, ++order, Width.SHORT, "Retry backoff");
        def.define(OFFSETS_TABLE, Type.STRING, "",
                Validators.matching(Pattern.compile("|" + Validators.SCHEMA_TABLE.pattern()), "empty or schema.table"),
                Importance.MEDIUM,
                "Exactly-once effect: when set (schema.table), consumed offsets are stored in this destination table "
                        + "in the same transaction as the changes, and the task resumes from them, so a replay after a "
                        + "crash changes nothing. When a stored offset is not where the task expects it (the "
                        + "destination restored from a backup or failed over to a lagging replica), the task rewinds "
                        + "there and replays the missing records in order. The table is created if missing. Empty: off (replays are harmless "
                        + "upserts anyway, but a replayed older change could briefly reappear).",
                GROUP_ERRORS, ++order, Width.LONG, "Offsets table");
        order = 0;
        def.define(MAX_ROWS_PER_SECOND, Type.LONG, 0L, ConfigDef.Range.atLeast(0), Importance.LOW,
                "Upper bound of rows written per second by each task; 0 means unlimited.",
                GROUP_THROTTLE, ++order, Width.SHORT, "Max rows/s");
        def.define(MAX_MEGABYTES_PER_SECOND, Type.DOUBLE, 0.0, ConfigDef.Range.atLeast(0), Importance.LOW,
                "Upper bound of data written per second by each task, in MB (10^6 bytes of COPY text); 0 means unlimited.",
                GROUP_THROTTLE, ++order, Width.SHORT, "Max MB/s");
        return def;
    }

    public ConnectionConfig connection() {
        return ConnectionConfig.from(this);
    }

    public InsertMode insertMode() {
        return InsertMode.valueOf(getString(INSERT_MODE).trim().toUpperCase(Locale.ROOT));
    }

    public boolean deleteEnabled() {
        return getBoolean(DELETE_ENABLED);
    }

    public boolean autoCreate() {
        return getBoolean(AUTO_CREATE);
    }

    public boolean autoEvolve() {
        return getBoolean(AUTO_EVOLVE);
    }

    public SchemaSyncMode schemaSync() {
        return schemaSync;
    }

    public TableId schemaSyncTable() {
        return TableId.parse(getString(SCHEMA_SYNC_TABLE).trim());
    }

    public long schemaSyncWaitMs() {
        return getLong(SCHEMA_SYNC_WAIT_MS);
    }

    public String tableNameFormat() {
        return getString(TABLE_NAME_FORMAT);
    }

    public List<String> distributionKey() {
        return getList(DISTRIBUTION_KEY);
    }

    public List<String> tableNameMap() {
        return getList(TABLE_NAME_MAP);
    }

    public NameCase nameCase() {
        return NameCase.valueOf(getString(NAME_CASE).trim().toUpperCase(Locale.ROOT));
    }

    public ConflictMode conflictMode() {
        return ConflictMode.valueOf(getString(TABLE_CONFLICT_MODE).trim().toUpperCase(Locale.ROOT));
    }

    public List<String> tableOperations() {
        return getList(TABLE_OPERATIONS);
    }

    public List<String> tableAllowList() {
        return getList(TABLE_ALLOW_LIST);
    }

    public boolean truncateEnabled() {
        return getBoolean(TRUNCATE_ENABLED);
    }

    public TableId truncateBarrierTable() {
        return TableId.parse(getString(TRUNCATE_BARRIER_TABLE).trim());
    }

    public long retryWindowConnectionMs() {
        return getLong(RETRY_WINDOW_CONNECTION_MS);
    }

    public long retryWindowOtherMs() {
        return getLong(RETRY_WINDOW_OTHER_MS);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }

    /** The exactly-once offsets table; empty when off. */
    public Optional<TableId> offsetsTable() {
        String value = getString(OFFSETS_TABLE).trim();
        return value.isEmpty() ? Optional.empty() : Optional.of(TableId.parse(value));
    }

    public long maxRowsPerSecond() {
        return getLong(MAX_ROWS_PER_SECOND);
    }

    public double maxBytesPerSecond() {
        return getDouble(MAX_MEGABYTES_PER_SECOND) * 1_000_000d;
    }

    public ReplicationRole replicationRole() {
        return ReplicationRole.valueOf(getString(SESSION_REPLICATION_ROLE).trim().toUpperCase(Locale.ROOT));
    }

    public StorageEngine storageEngine() {
        return StorageEngine.valueOf(getString(STORAGE_ENGINE).trim().toUpperCase(Locale.ROOT));
    }

    /** Why {@code storage} cannot be used on a destination of {@code dialect}, and what can: for the precheck and the task. */
    public static String unsupportedStorage(Dialect dialect, StorageEngine storage) {
        String why = storage == StorageEngine.BEAM
                ? "it has no beam table access method (Beam exists on AnalyticDB for PostgreSQL 7.0.6.2 and later)"
                : "it has no " + storage.accessMethod() + " storage";
        String supported = Arrays.stream(StorageEngine.values()).filter(dialect::supports)
                .map(StorageEngine::accessMethod).collect(Collectors.joining(", "));
        return STORAGE_ENGINE + "=" + storage.accessMethod() + " is not available on the destination (" + dialect.name()
                + "): " + why + "; use " + supported;
    }
}
