package io.adbsync.stack.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.common.contract.EventContract;
import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.JdbcUrls;
import io.adbsync.common.jdbc.SessionOptions;
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
import org.apache.kafka.common.TopicPartition;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads one {@link StatusSample}: connectors and tasks from the Connect REST API, snapshot offsets through it too,
 * end offsets and the dead-letter topics from Kafka's admin client, and each source's slot and table list from the
 * source database named in its config (the password from PGPASSWORD or ~/.pgpass, never from the REST API). A part
 * that cannot be read is reported in the sample and the rest still shown: a status view is most needed when
 * something is down.
 */
public final class StatusReader implements AutoCloseable {

    private static final String SLOT_NAME = "slot.name";
    private static final String PUBLICATION_NAME = "publication.name";
    private static final String TOPIC_PREFIX = "topic.prefix";
    private static final String SNAPSHOT_MODE = "snapshot.mode";
    private static final String HEARTBEAT_TABLE = "heartbeat.table";
    private static final String SOURCE_MODE = "source.mode";
    /** The products whose coordinator may have its slots on the segments (as the source's SourceTopology decides). */
    private static final Pattern FAMILY = Pattern.compile("Greenplum|Cloudberry|AnalyticDB");
    private static final String DEAD_LETTER_TOPIC = "errors.deadletterqueue.topic.name";
    private static final int TIMEOUT_SECONDS = 10;

    private final ConnectRestClient connect;
    private final Admin admin;
    private final String sourceUrl;
    private final ClientCredentials credentials;
    private final Clock clock;

    /**
     * @param bootstrapServers the Kafka cluster the worker uses; null leaves lag, rates and dead-letter counts out
     * @param sourceUrl        a JDBC URL that replaces every source connector's {@code connection.url} (for a worker that
     *                         reaches the database under another name than this machine does); null to use the config's
     */
    public StatusReader(ConnectRestClient connect, String bootstrapServers, String sourceUrl, ClientCredentials credentials,
                        Clock clock) {
        this.connect = connect;
        this.admin = bootstrapServers == null ? null : Admin.create(adminProps(bootstrapServers));
        this.sourceUrl = sourceUrl;
        this.credentials = credentials;
        this.clock = clock;
    }

    private static Properties adminProps(String bootstrapServers) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return props;
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
        Map<String, Long> endOffsets = new HashMap<>();
        Map<TopicPartition, Long> partitionEnds = new HashMap<>();
        Map<TopicPartition, Long> partitionStarts = new HashMap<>();
        String kafkaProblem = readOffsets(partitionEnds, partitionStarts);
        partitionEnds.forEach((tp, end) -> endOffsets.merge(tp.topic(), end, Long::sum));
        List<Connector> connectors = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = new TreeMap<>(toMap(all)).entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            connectors.add(connector(e.getKey(), e.getValue(), endOffsets, partitionEnds, partitionStarts, kafkaProblem));
        }
        return new StatusSample(clock.instant(), connectors, null);
    }

    private static Map<String, JsonNode> toMap(JsonNode node) {
        Map<String, JsonNode> map = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue()));
        return map;
    }

    /** End and start offsets of every partition of the cluster; a message when Kafka could not be read. */
    private String readOffsets(Map<TopicPartition, Long> ends, Map<TopicPartition, Long> starts) {
        if (admin == null) {
            return "Kafka not read (give --bootstrap-servers)";
        }
        try {
            Set<String> names = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
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
            return null;
        } catch (ExecutionException e) {
            return "Kafka: " + e.getCause().getMessage();
        } catch (TimeoutException e) {
            return "Kafka did not answer within " + TIMEOUT_SECONDS + " s";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private Connector connector(String name, JsonNode node, Map<String, Long> endOffsets, Map<TopicPartition, Long> ends,
                                Map<TopicPartition, Long> starts, String kafkaProblem) {
        JsonNode status = node.path("status");
        JsonNode info = node.path("info");
        Map<String, String> config = new HashMap<>();
        info.path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        String type = info.path("type").asText(status.path("type").asText("unknown"));
        List<Task> tasks = new ArrayList<>();
        for (JsonNode t : status.path("tasks")) {
            tasks.add(new Task(t.path("id").asInt(), t.path("state").asText(), t.path("worker_id").asText(),
                    firstLine(t.path("trace").asText(null))));
        }
        JsonNode c = status.path("connector");
        Source source = null;
        Sink sink = null;
        if ("source".equals(type)) {
            source = source(name, config, endOffsets);
        } else if ("sink".equals(type)) {
            sink = sink(name, config, ends, starts, kafkaProblem);
        }
        return new Connector(name, type, c.path("state").asText("UNKNOWN"), c.path("worker_id").asText(""),
                firstLine(c.path("trace").asText(null)), tasks, source, sink);
    }

    /**
     * What a Java stack trace says went wrong, in one line, or null: its first line, and where it has causes the
     * innermost one's, since Connect's own first line ("Exiting WorkerSinkTask due to unrecoverable exception") hides
     * the reason a user can act on.
     */
    static String firstLine(String trace) {
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

    private Source source(String name, Map<String, String> config, Map<String, Long> endOffsets) {
        String prefix = config.getOrDefault(TOPIC_PREFIX, "");
        long produced = endOffsets.entrySet().stream().filter(e -> e.getKey().startsWith(prefix + "."))
                .mapToLong(Map.Entry::getValue).sum();
        String slotName = config.getOrDefault(SLOT_NAME, "adbsync");
        String snapshotMode = config.getOrDefault(SNAPSHOT_MODE, "initial");
        Map<String, List<SnapshotProgress>> copies = snapshotOffsets(name);
        String url = sourceUrl != null ? sourceUrl : config.get(ConnectionConfig.URL);
        List<Slot> slots = List.of();
        List<TableCopy> tables = List.of();
        String problem = null;
        if (url == null) {
            problem = "no " + ConnectionConfig.URL + " in the connector's config";
        } else {
            Properties props = credentials.forUrl(url, config.get(ConnectionConfig.USER));
            props.setProperty("ApplicationName", "adbsync-status");
            props.setProperty("connectTimeout", "5");
            props.setProperty("socketTimeout", "10");
            try (Connection db = DriverManager.getConnection(url, props)) {
                slots = slots(db, url, props, slotName, config.getOrDefault(SOURCE_MODE, "auto"));
                tables = tables(db, config.getOrDefault(PUBLICATION_NAME, "adbsync_publication"), copies);
                // The heartbeat table is published for its changes to keep the slot moving; it is not copied.
                String heartbeat = config.getOrDefault(HEARTBEAT_TABLE, EventContract.DEFAULT_HEARTBEAT_TABLE);
                tables = tables.stream().filter(t -> !t.table().equals(heartbeat)).toList();
            } catch (SQLException e) {
                problem = "source database: " + e.getMessage();
            }
        }
        if (problem != null) {
            // Without the database the table list is what the offsets name.
            List<TableCopy> named = new ArrayList<>();
            copies.forEach((table, parts) -> named.add(copy(table, -1, parts)));
            tables = named;
        }
        return new Source(prefix, produced, slots, slotName, tables, snapshotMode, problem);
    }

    /** The copies' offsets by table; a table copied partition by partition has one per partition. */
    private Map<String, List<SnapshotProgress>> snapshotOffsets(String connector) {
        Map<String, List<SnapshotProgress>> byTable = new TreeMap<>();
        ConnectRestClient.Response r;
        try {
            r = connect.getConnector(connector, "offsets");
        } catch (RuntimeException e) {
            return byTable;
        }
        if (!r.ok() || r.body() == null) {
            return byTable;
        }
        for (JsonNode o : r.body().path("offsets")) {
            JsonNode table = o.path("partition").path(SnapshotProgress.PARTITION_TABLE);
            if (!table.isTextual()) {
                continue;
            }
            Map<String, Object> offset = new HashMap<>();
            o.path("offset").fields().forEachRemaining(f -> offset.put(f.getKey(),
                    f.getValue().isNumber() ? (Object) f.getValue().longValue()
                            : f.getValue().isBoolean() ? (Object) f.getValue().booleanValue() : f.getValue().asText()));
            String name = table.asText();
            // A partitioned table's copy is stored per partition as "table/partition".
            int slash = name.indexOf('/');
            SnapshotProgress.of(offset).ifPresent(p -> byTable.computeIfAbsent(slash < 0 ? name : name.substring(0, slash),
                    k -> new ArrayList<>()).add(p));
        }
        return byTable;
    }

    /**
     * The connector's slots: on the server of connection.url, and where that is a Greenplum coordinator read per
     * segment ({@code source.mode} auto or greenplum_segments), on each primary segment, reached in utility mode as
     * the source task reaches it. A segment that cannot be reached is a slot line saying so, not a failed screen.
     */
    private static List<Slot> slots(Connection db, String url, Properties props, String slotName, String sourceMode)
            throws SQLException {
        List<Slot> slots = new ArrayList<>();
        slot(db, "", slotName).ifPresent(slots::add);
        if (!"auto".equals(sourceMode) && !"greenplum_segments".equals(sourceMode)) {
            return slots;
        }
        List<String[]> segments = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT version(), current_setting('gp_role', true)");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            if (!FAMILY.matcher(rs.getString(1)).find() || rs.getString(1).contains("AnalyticDB") || !"dispatch".equals(rs.getString(2))) {
                return slots;
            }
        }
        try (PreparedStatement s = db.prepareStatement(
                "SELECT content, address, port FROM gp_segment_configuration WHERE content >= 0 AND role = 'p' ORDER BY content");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                segments.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        for (String[] segment : segments) {
            String site = "segment " + segment[0];
            Properties parsed = org.postgresql.Driver.parseURL(url, null);
            String users = parsed == null ? null : parsed.getProperty("options");
            String segmentUrl = JdbcUrls.withParameter(JdbcUrls.withHost(url, segment[1], Integer.parseInt(segment[2])), "options",
                    SessionOptions.merge(users, "-c gp_role=utility -c default_transaction_read_only=on"));
            try (Connection c = DriverManager.getConnection(segmentUrl, props)) {
                slots.add(slot(c, site, slotName).orElse(new Slot(site, false, 0, 0, null, "no slot on this segment (created when the task starts)")));
            } catch (SQLException e) {
                slots.add(new Slot(site, false, 0, 0, null, "unreachable: " + e.getMessage()));
            }
        }
        return slots;
    }

    private static Optional<Slot> slot(Connection db, String site, String slotName) throws SQLException {
        String sql = """
                SELECT s.active,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint,
                       (SELECT (extract(epoch FROM r.write_lag) * 1000)::bigint FROM pg_stat_replication r WHERE r.pid = s.active_pid)
                FROM pg_replication_slots s WHERE s.slot_name = ?""";
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setString(1, slotName);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long lag = rs.getLong(4);
                return Optional.of(new Slot(site, rs.getBoolean(1), rs.getLong(2), rs.getLong(3), rs.wasNull() ? null : lag, null));
            }
        }
    }

    private static List<TableCopy> tables(Connection db, String publication, Map<String, List<SnapshotProgress>> copies)
            throws SQLException {
        String sql = """
                SELECT p.schemaname || '.' || p.tablename, c.reltuples::bigint
                FROM pg_publication_tables p
                JOIN pg_namespace n ON n.nspname = p.schemaname
                JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
                WHERE p.pubname = ? ORDER BY 1""";
        List<TableCopy> tables = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setString(1, publication);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String table = rs.getString(1);
                    tables.add(copy(table, rs.getLong(2), copies.getOrDefault(table, List.of())));
                }
            }
        }
        return tables;
    }

    private static TableCopy copy(String table, long estimatedRows, List<SnapshotProgress> parts) {
        if (parts.isEmpty()) {
            return new TableCopy(table, estimatedRows, Optional.empty(), 0, 0);
        }
        if (parts.size() == 1) {
            return new TableCopy(table, estimatedRows, Optional.of(parts.get(0)), 1, parts.get(0).done() ? 1 : 0);
        }
        long done = parts.stream().filter(SnapshotProgress::done).count();
        long chunks = 0;
        long chunksDone = 0;
        boolean counted = true;
        for (SnapshotProgress p : parts) {
            if (p.chunks() < 0) {
                counted = false;
            }
            chunks += p.chunks();
            chunksDone += p.chunksDone();
        }
        SnapshotProgress whole = new SnapshotProgress(counted ? SnapshotProgress.CTID : SnapshotProgress.KEY,
                counted ? chunks : -1, counted ? chunksDone : -1, done == parts.size());
        return new TableCopy(table, estimatedRows, Optional.of(whole), parts.size(), (int) done);
    }

    private Sink sink(String name, Map<String, String> config, Map<TopicPartition, Long> ends, Map<TopicPartition, Long> starts,
                      String kafkaProblem) {
        Map<TopicPartition, Long> committed = new HashMap<>();
        try {
            ConnectRestClient.Response r = connect.getConnector(name, "offsets");
            if (r.ok() && r.body() != null) {
                for (JsonNode o : r.body().path("offsets")) {
                    committed.put(new TopicPartition(o.path("partition").path("kafka_topic").asText(),
                            o.path("partition").path("kafka_partition").asInt()), o.path("offset").path("kafka_offset").asLong());
                }
            }
        } catch (RuntimeException e) {
            kafkaProblem = kafkaProblem == null ? e.getMessage() : kafkaProblem;
        }
        Pattern regex = null;
        Set<String> listed = Set.of();
        if (config.get("topics.regex") != null && !config.get("topics.regex").isBlank()) {
            try {
                regex = Pattern.compile(config.get("topics.regex"));
            } catch (PatternSyntaxException e) {
                kafkaProblem = "topics.regex does not compile: " + e.getDescription();
            }
        } else if (config.get("topics") != null) {
            listed = Set.copyOf(List.of(config.get("topics").split("\\s*,\\s*")));
        }
        String deadLetter = config.get(DEAD_LETTER_TOPIC);
        List<PartitionLag> partitions = new ArrayList<>();
        Set<TopicPartition> read = new java.util.HashSet<>(committed.keySet());
        for (TopicPartition tp : ends.keySet()) {
            if (listed.contains(tp.topic()) || (regex != null && regex.matcher(tp.topic()).matches())) {
                read.add(tp);
            }
        }
        long committedTotal = 0;
        for (TopicPartition tp : read) {
            long c = committed.getOrDefault(tp, -1L);
            partitions.add(new PartitionLag(tp.topic(), tp.partition(), ends.getOrDefault(tp, Math.max(c, 0)), c));
            committedTotal += Math.max(c, 0);
        }
        partitions.sort(java.util.Comparator.comparing(PartitionLag::topic).thenComparingInt(PartitionLag::partition));
        long deadLetters = -1;
        if (deadLetter != null && !deadLetter.isBlank()) {
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                if (e.getKey().topic().equals(deadLetter)) {
                    deadLetters = Math.max(deadLetters, 0) + e.getValue() - starts.getOrDefault(e.getKey(), 0L);
                }
            }
        }
        return new Sink(partitions, committedTotal, deadLetter == null || deadLetter.isBlank() ? null : deadLetter,
                deadLetters, kafkaProblem);
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
