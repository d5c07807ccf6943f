package io.adbsync.stack.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.common.contract.EventContract;
import io.adbsync.common.contract.KeyShards;
import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.GreenplumSegments;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.postgres.ClientCredentials;
import io.adbsync.stack.status.StatusSample.Connector;
import io.adbsync.stack.status.StatusSample.PartitionLag;
import io.adbsync.stack.status.StatusSample.Sink;
import io.adbsync.stack.status.StatusSample.Slot;
import io.adbsync.stack.status.StatusSample.Source;
import io.adbsync.stack.status.StatusSample.TableCopy;
import io.adbsync.stack.status.StatusSample.Task;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads one {@link StatusSample}: connectors and tasks from the Connect REST API, snapshot offsets through it too, the
 * end offsets of the topics the connectors use and their dead-letter topics from Kafka's admin client, and each
 * source's slots and tables from the source database. A part that cannot be read is reported in the sample (and
 * shown as unknown, never as 0) and the rest still read: a status view is most needed when something is down.
 * <p>
 * The source database is the one in each source connector's {@code connection.url}, a URL anyone who may write
 * connector configs chooses: it gets only the password of {@code ~/.pgpass} matched on its host, port and database;
 * {@code PGPASSWORD} goes only to a URL the user gave ({@code --source-url}). Passwords are never read from the REST API.
 */
public final class StatusReader implements AutoCloseable {

    private static final String SLOT_NAME = "slot.name";
    private static final String PUBLICATION_NAME = "publication.name";
    private static final String TOPIC_PREFIX = "topic.prefix";
    private static final String SNAPSHOT_MODE = "snapshot.mode";
    private static final String HEARTBEAT_TABLE = "heartbeat.table";
    private static final String SOURCE_MODE = "source.mode";
    private static final String DEAD_LETTER_TOPIC = "errors.deadletterqueue.topic.name";
    private static final int TIMEOUT_SECONDS = 10;

    private final ConnectRestClient connect;
    private final Admin admin;
    private final String adminProblem;
    private final String sourceUrl;
    private final ClientCredentials credentials;
    private final Clock clock;
    private URI metricsUrl;

    /**
     * @param bootstrapServers the Kafka cluster the worker uses; null leaves lag, rates and dead-letter counts unknown
     * @param adminSettings    more admin client settings (security protocol, SASL, TLS), may be empty
     * @param sourceUrl        a JDBC URL that replaces every source connector's {@code connection.url} (for a worker that
     *                         reaches the database under another name than this machine does); null to use the config's
     */
    public StatusReader(ConnectRestClient connect, String bootstrapServers, Properties adminSettings, String sourceUrl,
                        ClientCredentials credentials, Clock clock) {
        this.connect = connect;
        Admin created = null;
        String problem = null;
        if (bootstrapServers == null) {
            problem = "Kafka not read (give --bootstrap-servers)";
        } else {
            Properties props = new Properties();
            props.putAll(adminSettings);
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            try {
                created = Admin.create(props);
            } catch (KafkaException e) {
                problem = "Kafka: " + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")");
            }
        }
        this.admin = created;
        this.adminProblem = problem;
        this.sourceUrl = sourceUrl;
        this.credentials = credentials;
        this.clock = clock;
    }

    /**
     * Reads the source tasks' lag from this Prometheus endpoint of the worker (the JMX exporter's, as the local stack
     * and docker-compose serve it): the time from a change's commit to its record, which the walsender's view cannot
     * give (it measures the task's feedback, sent every few seconds).
     */
    public StatusReader withMetrics(URI url) {
        this.metricsUrl = url;
        return this;
    }

    /** A connector's REST answer with its config as strings. */
    private record Deployed(String name, String type, JsonNode status, Map<String, String> config) {
    }

    /** What was read from Kafka: end and start offsets of the partitions of the topics that matter; problem if not. */
    private record Offsets(Map<TopicPartition, Long> ends, Map<TopicPartition, Long> starts, String problem) {
    }

    public StatusSample read() {
        JsonNode all;
        try {
            ConnectRestClient.Response r = connect.get("connectors?expand=status&expand=info");
            if (!r.ok()) {
                return new StatusSample(clock.instant(), List.of(), "Connect REST API answered HTTP " + r.status() + ": " + r.body());
            }
            all = r.body();
        } catch (RuntimeException e) {
            return new StatusSample(clock.instant(), List.of(), e.getMessage());
        }
        List<Deployed> deployed = new ArrayList<>();
        Map<String, JsonNode> byName = new TreeMap<>();
        all.fields().forEachRemaining(e -> byName.put(e.getKey(), e.getValue()));
        byName.forEach((name, node) -> {
            Map<String, String> config = new HashMap<>();
            node.path("info").path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            String type = node.path("info").path("type").asText(node.path("status").path("type").asText("unknown"));
            deployed.add(new Deployed(name, type, node.path("status"), config));
        });
        // The sinks' committed offsets before the end offsets: both only grow, so read in this order a committed offset
        // past the end can only mean a topic deleted and created again, never a sink faster than this read.
        Map<String, Committed> committed = new HashMap<>();
        for (Deployed d : deployed) {
            if ("sink".equals(d.type)) {
                committed.put(d.name, committed(d.name));
            }
        }
        Offsets offsets = readOffsets(relevantTopics(deployed));
        Map<String, Long> behind = SourceLagMetrics.read(metricsUrl);
        List<Connector> connectors = new ArrayList<>();
        for (Deployed d : deployed) {
            connectors.add(connector(d, offsets, behind, committed));
        }
        return new StatusSample(clock.instant(), connectors, null);
    }

    /** The topics worth reading: the sources' (by prefix), those the sinks subscribe to, and the dead-letter topics. */
    private static Predicate<String> relevantTopics(List<Deployed> deployed) {
        List<Predicate<String>> wanted = new ArrayList<>();
        for (Deployed d : deployed) {
            if ("source".equals(d.type)) {
                String prefix = d.config.getOrDefault(TOPIC_PREFIX, "") + ".";
                wanted.add(t -> t.startsWith(prefix));
            } else if ("sink".equals(d.type)) {
                wanted.add(subscription(d.config));
                String dlq = d.config.get(DEAD_LETTER_TOPIC);
                if (dlq != null && !dlq.isBlank()) {
                    wanted.add(dlq::equals);
                }
            }
        }
        return t -> wanted.stream().anyMatch(w -> w.test(t));
    }

    /** The topics a sink reads, as Connect subscribes it: {@code topics} or {@code topics.regex}. */
    private static Predicate<String> subscription(Map<String, String> config) {
        String regex = config.get("topics.regex");
        if (regex != null && !regex.isBlank()) {
            try {
                Pattern pattern = Pattern.compile(regex);
                return t -> pattern.matcher(t).matches();
            } catch (PatternSyntaxException e) {
                return t -> false;
            }
        }
        Set<String> listed = new HashSet<>();
        for (String t : config.getOrDefault("topics", "").split(",")) {
            if (!t.isBlank()) {
                listed.add(t.strip());
            }
        }
        return listed::contains;
    }

    private Offsets readOffsets(Predicate<String> relevant) {
        if (admin == null) {
            return new Offsets(null, null, adminProblem);
        }
        try {
            // Kafka's internal topics are left out by listTopics: a pattern like .* never counts __consumer_offsets.
            Set<String> names = new HashSet<>(admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            names.removeIf(relevant.negate());
            Map<TopicPartition, Long> ends = new HashMap<>();
            Map<TopicPartition, Long> starts = new HashMap<>();
            if (names.isEmpty()) {
                return new Offsets(ends, starts, null);
            }
            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            topics.values().forEach(t -> t.partitions().forEach(p -> {
                latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest());
                earliest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.earliest());
            }));
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                    : admin.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).entrySet()) {
                ends.put(e.getKey(), e.getValue().offset());
            }
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                    : admin.listOffsets(earliest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).entrySet()) {
                starts.put(e.getKey(), e.getValue().offset());
            }
            return new Offsets(ends, starts, null);
        } catch (ExecutionException e) {
            return new Offsets(null, null, "Kafka: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            return new Offsets(null, null, "Kafka did not answer within " + TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Offsets(null, null, "interrupted");
        }
    }

    private Connector connector(Deployed d, Offsets offsets, Map<String, Long> behind, Map<String, Committed> committed) {
        List<Task> tasks = new ArrayList<>();
        for (JsonNode t : d.status.path("tasks")) {
            tasks.add(new Task(t.path("id").asInt(), t.path("state").asText(), t.path("worker_id").asText(),
                    reason(t.path("trace").asText(null))));
        }
        JsonNode c = d.status.path("connector");
        Source source = "source".equals(d.type) ? source(d.name, d.config, offsets, behind == null ? null : behind.get(d.name)) : null;
        Sink sink = "sink".equals(d.type) ? sink(d.config, offsets, committed.get(d.name)) : null;
        return new Connector(d.name, d.type, c.path("state").asText("UNKNOWN"), c.path("worker_id").asText(""),
                reason(c.path("trace").asText(null)), tasks, source, sink);
    }

    /**
     * What a Java stack trace says went wrong, in one line, or null: its first line, and where it has causes the
     * innermost one's, since Connect's own first line ("Exiting WorkerSinkTask due to unrecoverable exception") hides
     * the reason a user can act on.
     */
    static String reason(String trace) {
        if (trace == null || trace.isBlank()) {
            return null;
        }
        String[] lines = trace.split("\\R");
        String first = lines[0].strip();
        String root = null;
        for (String line : lines) {
            if (line.startsWith("Caused by: ")) {
                root = line.substring("Caused by: ".length()).strip();
            }
        }
        return root == null || root.equals(first) ? first : first + " ← " + root;
    }

    /** A stored copy offset's table key ({@code table} or {@code table/partition}) and segment (null: not per segment). */
    /** A copy's offset: of a table (or "root/leaf"), at a site: a segment's content id, a key shard's index/count, or null. */
    private record CopyKey(String table, String site) {
    }

    private Source source(String name, Map<String, String> config, Offsets offsets, Long millisBehind) {
        String prefix = config.getOrDefault(TOPIC_PREFIX, "");
        Map<String, Long> ends = null;
        if (offsets.ends() != null) {
            ends = new TreeMap<>();
            for (Map.Entry<TopicPartition, Long> e : offsets.ends().entrySet()) {
                if (e.getKey().topic().startsWith(prefix + ".")) {
                    ends.put(e.getKey().topic() + "/" + e.getKey().partition(), e.getValue());
                }
            }
        }
        String slotName = config.getOrDefault(SLOT_NAME, "adbsync");
        String snapshotMode = config.getOrDefault(SNAPSHOT_MODE, "initial");
        Map<CopyKey, SnapshotProgress> copies = copyOffsets(name, prefix);
        boolean given = sourceUrl != null;
        String url = given ? sourceUrl : config.get(ConnectionConfig.URL);
        List<Slot> slots = List.of();
        List<TableCopy> tables = null;
        String problem = null;
        if (url == null) {
            problem = "no " + ConnectionConfig.URL + " in the connector's config";
        } else {
            try {
                Properties props = credentials.forUrl(url, config.get(ConnectionConfig.USER), given);
                props.setProperty("ApplicationName", "adbsync-status");
                props.setProperty("connectTimeout", "5");
                props.setProperty("socketTimeout", "10");
                try (Connection db = DriverManager.getConnection(url, props)) {
                    String mode = config.getOrDefault(SOURCE_MODE, "auto").toLowerCase(Locale.ROOT);
                    int shards = shardCount(db, slotName, mode, tasksMax(config));
                    slots = shards > 1 ? shardSlots(db, slotName, shards) : slots(db, url, props, slotName, mode);
                    long segments = slots.stream().filter(s -> s.site().startsWith("segment ")).count();
                    tables = tables(db, config.getOrDefault(PUBLICATION_NAME, "adbsync_publication"), copies,
                            heartbeatTable(config), (int) Math.max(1, segments), shards);
                }
            } catch (SQLException | RuntimeException e) {
                // A URL of ${file:...} placeholders (resolved only inside the worker) is one of these, not a crash.
                problem = "source database: " + e.getMessage();
            }
        }
        if (tables == null) {
            tables = tablesFromOffsets(copies);
        }
        return new Source(prefix, ends, millisBehind, slots, slotName, tables, snapshotMode, problem);
    }

    /** Connect's tasks.max, which splits a source read as one stream by key among that many tasks; 1 when not a number. */
    private static int tasksMax(Map<String, String> config) {
        try {
            return Math.max(1, Integer.parseInt(config.getOrDefault("tasks.max", "1").trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * How many key shards the source is split into: as many as its shards' slots say where they exist; else tasks.max
     * where the mode reads the source as one stream (postgres, coordinator); 1 otherwise (auto may be per segment, whose
     * tasks.max counts segments).
     */
    private static int shardCount(Connection db, String slotName, String mode, int tasksMax) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT slot_name FROM pg_replication_slots WHERE left(slot_name, length(?)) = ?")) {
            s.setString(1, slotName + "_");
            s.setString(2, slotName + "_");
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Optional<int[]> shard = KeyShards.ofSlot(rs.getString(1), slotName);
                    if (shard.isPresent()) {
                        return shard.get()[1];
                    }
                }
            }
        }
        return "postgres".equals(mode) || "coordinator".equals(mode) ? tasksMax : 1;
    }

    /** The slots of a source split by key among {@code shards} tasks, one per shard, each named after slot.name. */
    private static List<Slot> shardSlots(Connection db, String slotName, int shards) throws SQLException {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            String site = "key shard " + KeyShards.partitionValue(i, shards) + " (" + KeyShards.slotName(slotName, i, shards) + ")";
            slots.add(slot(db, site, KeyShards.slotName(slotName, i, shards)).orElse(new Slot(site, false, null, null, null,
                    null, null, "no slot (created when the tasks start)")));
        }
        return slots;
    }

    private static String heartbeatTable(Map<String, String> config) {
        String table = config.getOrDefault(HEARTBEAT_TABLE, EventContract.DEFAULT_HEARTBEAT_TABLE);
        return table.contains(".") ? table : "public." + table;
    }

    /** The copy offsets this connector stored under its current topic prefix (older prefixes' offsets are others'). */
    private Map<CopyKey, SnapshotProgress> copyOffsets(String connector, String prefix) {
        Map<CopyKey, SnapshotProgress> copies = new HashMap<>();
        ConnectRestClient.Response r;
        try {
            r = connect.getConnector(connector, "offsets");
        } catch (RuntimeException e) {
            return copies;
        }
        if (!r.ok() || r.body() == null) {
            return copies;
        }
        for (JsonNode o : r.body().path("offsets")) {
            JsonNode partition = o.path("partition");
            JsonNode table = partition.path(SnapshotProgress.PARTITION_TABLE);
            if (!table.isTextual() || !prefix.equals(partition.path("server").asText(null))) {
                continue;
            }
            Map<String, Object> offset = new HashMap<>();
            o.path("offset").fields().forEachRemaining(f -> offset.put(f.getKey(),
                    f.getValue().isNumber() ? (Object) f.getValue().longValue()
                            : f.getValue().isBoolean() ? (Object) f.getValue().booleanValue() : f.getValue().asText()));
            String site = partition.hasNonNull("segment") ? partition.get("segment").asText()
                    : partition.hasNonNull(KeyShards.PARTITION_SHARD) ? partition.get(KeyShards.PARTITION_SHARD).asText() : null;
            SnapshotProgress.of(offset).ifPresent(p -> copies.put(new CopyKey(table.asText(), site), p));
        }
        return copies;
    }

    /**
     * The connector's slots: on the server of connection.url, and where that is a Greenplum coordinator read per
     * segment ({@code source.mode} auto or greenplum_segments), on each primary segment that is up, reached in
     * utility mode as the source task reaches it. A segment that cannot be reached is a slot line saying so.
     */
    private static List<Slot> slots(Connection db, String url, Properties props, String slotName, String sourceMode)
            throws SQLException {
        List<Slot> slots = new ArrayList<>();
        slot(db, "", slotName).ifPresent(slots::add);
        if (!"auto".equals(sourceMode) && !"greenplum_segments".equals(sourceMode)) {
            return slots;
        }
        try (PreparedStatement s = db.prepareStatement("SELECT version(), current_setting('gp_role', true)");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            boolean coordinator = GreenplumSegments.FAMILY.matcher(rs.getString(1)).find() && "dispatch".equals(rs.getString(2));
            // AnalyticDB decodes at the coordinator unless segments were asked for (source.mode=greenplum_segments).
            if (!coordinator || ("auto".equals(sourceMode) && rs.getString(1).contains("AnalyticDB"))) {
                return slots;
            }
        }
        List<String[]> segments = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT content, address, port, status = 'u' FROM gp_segment_configuration "
                + "WHERE content >= 0 AND role = 'p' ORDER BY content");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                segments.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), Boolean.toString(rs.getBoolean(4))});
            }
        }
        for (String[] segment : segments) {
            String site = "segment " + segment[0];
            if (!Boolean.parseBoolean(segment[3])) {
                slots.add(new Slot(site, false, null, null, null, null, null, "down (gp_segment_configuration)"));
                continue;
            }
            String segmentUrl = GreenplumSegments.utilityUrl(url, segment[1], Integer.parseInt(segment[2]));
            try (Connection c = DriverManager.getConnection(segmentUrl, props)) {
                slots.add(slot(c, site, slotName).orElse(new Slot(site, false, null, null, null, null, null,
                        "no slot on this segment (created when the task starts)")));
            } catch (SQLException e) {
                slots.add(new Slot(site, false, null, null, null, null, null, "unreachable: " + e.getMessage()));
            }
        }
        return slots;
    }

    private static Optional<Slot> slot(Connection db, String site, String slotName) throws SQLException {
        boolean walStatus = db.getMetaData().getDatabaseMajorVersion() >= 13;
        String sql = "SELECT s.active, " + (walStatus ? "s.wal_status" : "NULL::text") + ", "
                + "pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint, "
                + "pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint, "
                + "(SELECT (extract(epoch FROM r.write_lag) * 1000)::bigint FROM pg_stat_replication r WHERE r.pid = s.active_pid), "
                + "(SELECT (extract(epoch FROM r.flush_lag) * 1000)::bigint FROM pg_stat_replication r WHERE r.pid = s.active_pid) "
                + "FROM pg_replication_slots s WHERE s.slot_name = ?";
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setString(1, slotName);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Slot(site, rs.getBoolean(1), rs.getString(2), nullableLong(rs, 3), nullableLong(rs, 4),
                        nullableLong(rs, 5), nullableLong(rs, 6), null));
            }
        }
    }

    private static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** One published relation as the copy sees it: its root table (itself if not a partition) and leaf (null if none). */
    private record Member(String root, long rootOid, String leaf, long estimatedRows) {
    }

    private static List<TableCopy> tables(Connection db, String publication, Map<CopyKey, SnapshotProgress> copies,
                                          String heartbeat, int segments, int shards) throws SQLException {
        // Partitioned tables are copied leaf by leaf under "root/leaf", whether the publication lists the root
        // (publish_via_partition_root) or the leaves (PostgreSQL 12): both come to the same roots and leaves here.
        String sql = """
                WITH pub AS (
                    SELECT c.oid, c.relkind FROM pg_publication_tables p
                    JOIN pg_namespace n ON n.nspname = p.schemaname
                    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
                    WHERE p.pubname = ?),
                members AS (
                    SELECT coalesce(pg_partition_root(pub.oid), pub.oid) AS root, t.relid AS leaf
                    FROM pub, pg_partition_tree(pub.oid) t WHERE pub.relkind = 'p' AND t.isleaf
                    UNION
                    SELECT coalesce(pg_partition_root(pub.oid), pub.oid), pub.oid FROM pub WHERE pub.relkind <> 'p')
                SELECT rn.nspname || '.' || r.relname, r.oid,
                       CASE WHEN m.leaf = m.root THEN NULL ELSE ln.nspname || '.' || l.relname END, l.reltuples::bigint
                FROM members m
                JOIN pg_class r ON r.oid = m.root JOIN pg_namespace rn ON rn.oid = r.relnamespace
                JOIN pg_class l ON l.oid = m.leaf JOIN pg_namespace ln ON ln.oid = l.relnamespace
                ORDER BY 1, 3""";
        Map<String, List<Member>> roots = new LinkedHashMap<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setString(1, publication);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Member m = new Member(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4));
                    // The heartbeat table is published for its changes to keep the slot moving; it is not copied.
                    if (!m.root().equals(heartbeat)) {
                        roots.computeIfAbsent(m.root(), k -> new ArrayList<>()).add(m);
                    }
                }
            }
        }
        Set<String> segmentIds = new HashSet<>();
        copies.keySet().forEach(k -> {
            if (k.site() != null && !k.site().contains("/")) {
                segmentIds.add(k.site());
            }
        });
        List<String> sites = new ArrayList<>();
        boolean perSegment = shards <= 1 && (segments > 1 || !segmentIds.isEmpty());
        if (shards > 1) {
            // Split by key: each shard copies its keys of every table, so a table's copy has a part per shard.
            for (int i = 0; i < shards; i++) {
                sites.add(KeyShards.partitionValue(i, shards));
            }
        } else if (perSegment) {
            for (int i = 0; i < Math.max(segments, segmentIds.size()); i++) {
                sites.add(Integer.toString(i));
            }
        } else {
            sites.add(null);
        }
        // A replicated table (Greenplum) has all its rows on every segment and is copied from one of them.
        Set<Long> replicated = new HashSet<>();
        if (perSegment) {
            try (PreparedStatement s = db.prepareStatement("SELECT localoid::bigint FROM gp_distribution_policy WHERE policytype = 'r'");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    replicated.add(rs.getLong(1));
                }
            }
        }
        List<TableCopy> tables = new ArrayList<>();
        for (Map.Entry<String, List<Member>> root : roots.entrySet()) {
            List<SnapshotProgress> parts = new ArrayList<>();
            long rows = 0;
            long rootOid = root.getValue().get(0).rootOid();
            for (Member m : root.getValue()) {
                rows += Math.max(0, m.estimatedRows());
                String key = m.leaf() == null ? m.root() : m.root() + "/" + m.leaf();
                if (replicated.contains(rootOid)) {
                    parts.add(sites.stream().map(site -> copies.get(new CopyKey(key, site))).filter(java.util.Objects::nonNull)
                            .findFirst().orElse(null));
                    continue;
                }
                for (String site : sites) {
                    parts.add(copies.get(new CopyKey(key, site)));
                }
            }
            boolean unknownRows = root.getValue().stream().allMatch(m -> m.estimatedRows() < 0);
            tables.add(copy(root.getKey(), unknownRows ? -1 : rows, parts, rootOid));
        }
        return tables;
    }

    /** Without the database: the tables the offsets name, each part counted as stored (parts not begun are unknown). */
    private static List<TableCopy> tablesFromOffsets(Map<CopyKey, SnapshotProgress> copies) {
        Map<String, List<SnapshotProgress>> byRoot = new TreeMap<>();
        copies.forEach((key, progress) -> {
            int slash = key.table().indexOf('/');
            byRoot.computeIfAbsent(slash < 0 ? key.table() : key.table().substring(0, slash), k -> new ArrayList<>()).add(progress);
        });
        List<TableCopy> tables = new ArrayList<>();
        byRoot.forEach((table, parts) -> tables.add(copy(table, -1, parts, -1)));
        return tables;
    }

    /**
     * A table's copy from its parts' offsets (null: not begun): done when every part is; the share copied when each
     * part's is known (done, not begun, or CTID chunks); to be copied again when any stored part is of another
     * relation OID than the table's now ({@code rootOid}; -1 unknown) or was left out of capture.
     */
    static TableCopy copy(String table, long estimatedRows, List<SnapshotProgress> parts, long rootOid) {
        int started = 0;
        int done = 0;
        boolean again = false;
        boolean known = true;
        double sum = 0;
        for (SnapshotProgress p : parts) {
            if (p == null) {
                continue;
            }
            started++;
            boolean stale = p.left() || (rootOid >= 0 && p.oid() != null && p.oid() != rootOid);
            again |= stale;
            if (stale) {
                continue;
            }
            if (p.done()) {
                done++;
                sum += 1;
            } else if (p.fraction().isPresent()) {
                sum += p.fraction().get();
            } else {
                known = false;
            }
        }
        Optional<Double> fraction = known && !parts.isEmpty() ? Optional.of(sum / parts.size()) : Optional.empty();
        Optional<SnapshotProgress> single = parts.size() == 1 ? Optional.ofNullable(parts.get(0)) : Optional.empty();
        return new TableCopy(table, estimatedRows, parts.size(), started, done, fraction, single, again);
    }

    /** A sink's committed offsets by partition, null with the reason when the REST API did not give them. */
    private record Committed(Map<TopicPartition, Long> offsets, String problem) {
    }

    private Committed committed(String name) {
        try {
            ConnectRestClient.Response r = connect.getConnector(name, "offsets");
            if (!r.ok() || r.body() == null) {
                return new Committed(null, "committed offsets: Connect answered HTTP " + r.status());
            }
            Map<TopicPartition, Long> offsets = new HashMap<>();
            for (JsonNode o : r.body().path("offsets")) {
                offsets.put(new TopicPartition(o.path("partition").path("kafka_topic").asText(),
                        o.path("partition").path("kafka_partition").asInt()), o.path("offset").path("kafka_offset").asLong());
            }
            return new Committed(offsets, null);
        } catch (RuntimeException e) {
            return new Committed(null, "committed offsets: " + e.getMessage());
        }
    }

    private Sink sink(Map<String, String> config, Offsets offsets, Committed given) {
        String problem = offsets.problem() != null ? offsets.problem() : given.problem();
        Map<TopicPartition, Long> byPartition = given.offsets() == null ? Map.of() : given.offsets();
        Map<String, Long> committed = null;
        if (given.offsets() != null) {
            committed = new TreeMap<>();
            for (Map.Entry<TopicPartition, Long> e : byPartition.entrySet()) {
                committed.put(e.getKey().topic() + "/" + e.getKey().partition(), e.getValue());
            }
        }
        Predicate<String> subscribed = subscription(config);
        Set<TopicPartition> read = new HashSet<>();
        byPartition.keySet().stream().filter(tp -> subscribed.test(tp.topic())).forEach(read::add);
        if (offsets.ends() != null) {
            offsets.ends().keySet().stream().filter(tp -> subscribed.test(tp.topic())).forEach(read::add);
        }
        List<PartitionLag> partitions = new ArrayList<>();
        for (TopicPartition tp : read) {
            partitions.add(new PartitionLag(tp.topic(), tp.partition(), offsets.starts() == null ? null : offsets.starts().get(tp),
                    offsets.ends() == null ? null : offsets.ends().get(tp), byPartition.getOrDefault(tp, -1L)));
        }
        partitions.sort(Comparator.comparing(PartitionLag::topic).thenComparingInt(PartitionLag::partition));
        String deadLetter = config.get(DEAD_LETTER_TOPIC);
        if (deadLetter != null && deadLetter.isBlank()) {
            deadLetter = null;
        }
        Long deadLetters = null;
        if (deadLetter != null && offsets.ends() != null) {
            deadLetters = -1L;
            for (Map.Entry<TopicPartition, Long> e : offsets.ends().entrySet()) {
                if (e.getKey().topic().equals(deadLetter)) {
                    deadLetters = Math.max(deadLetters, 0) + e.getValue() - offsets.starts().getOrDefault(e.getKey(), 0L);
                }
            }
        }
        return new Sink(partitions, committed, deadLetter, deadLetters, problem);
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
