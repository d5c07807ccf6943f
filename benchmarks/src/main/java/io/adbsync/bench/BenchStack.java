package io.adbsync.bench;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.postgres.LocalPostgres;
import io.adbsync.stack.postgres.PostgresServer;
import io.adbsync.stack.registry.AvroConverterSettings;
import io.adbsync.stack.registry.LocalRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

/** The benchmark's world: a source and a destination PostgreSQL, a broker and one worker with every plugin compared. */
public final class BenchStack implements AutoCloseable {

    /** Server settings for both databases: room for gigabyte transactions without checkpoints in the middle of a run. */
    private static final Map<String, String> SERVER_SETTINGS = Map.of("shared_buffers", "512MB", "max_wal_size", "16GB",
            "checkpoint_timeout", "30min", "logical_decoding_work_mem", "64MB");

    private final PostgresServer source;
    private final PostgresServer destination;
    private final LocalStack stack;
    private final Admin admin;
    private final String sourceDb;
    private CpuMeter cpu;

    private BenchStack(PostgresServer source, PostgresServer destination, LocalStack stack, String sourceDb) {
        this.source = source;
        this.destination = destination;
        this.stack = stack;
        this.sourceDb = sourceDb;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()));
    }

    /**
     * Starts everything; {@code peerPlugins} are unpacked plugin directories loaded beside adbsync's. With
     * {@code schemaRegistry}, also the local registry and Apicurio's Avro converter on the plugin.path (only a run
     * measuring Avro pays for the registry's start).
     */
    public static BenchStack start(List<Path> peerPlugins, boolean schemaRegistry) throws SQLException {
        PostgresServer source = LocalPostgres.launch(SERVER_SETTINGS);
        PostgresServer destination = null;
        LocalStack stack = null;
        try {
            destination = LocalPostgres.launch(SERVER_SETTINGS);
            // Debezium's jars carry ServiceLoader manifests too, so the default service_load discovery finds them.
            stack = LocalStack.start(1, 0, Map.of("connector.client.config.override.policy", "All"), peerPlugins, schemaRegistry);
            return new BenchStack(source, destination, stack, source.createDatabase("bench"));
        } catch (RuntimeException | SQLException e) {
            if (stack != null) {
                stack.close();
            }
            if (destination != null) {
                destination.close();
            }
            source.close();
            throw e;
        }
    }

    public PostgresServer source() {
        return source;
    }

    public PostgresServer destination() {
        return destination;
    }

    public String sourceDb() {
        return sourceDb;
    }

    public Connection sourceConnection() throws SQLException {
        return source.connect(sourceDb);
    }

    public LocalStack stack() {
        return stack;
    }

    /** Key and value converter settings of the Avro converter on the stack's registry, the same for every engine. */
    public Map<String, String> avroConverters() {
        LocalRegistry registry = stack.registry()
                .orElseThrow(() -> new IllegalStateException("The bench stack was started without a schema registry"));
        return AvroConverterSettings.forConnector(registry.registryApiUrl());
    }

    /**
     * Reads the CPU time of the benchmark's JVM, both PostgreSQL servers and the schema registry (when running):
     * made once, after the stack is up, as it needs each server's postmaster pid and the registry's.
     */
    synchronized CpuMeter cpu() {
        if (cpu == null) {
            Map<String, Long> servers = new java.util.LinkedHashMap<>();
            try (Connection s = sourceConnection(); Connection d = destination.connect("postgres")) {
                servers.put("source PostgreSQL", postmaster(s));
                servers.put("destination PostgreSQL", postmaster(d));
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot find the PostgreSQL servers' processes", e);
            }
            Map<String, Long> others = new java.util.LinkedHashMap<>();
            // The registry is the one child JVM running Apicurio; LocalRegistry keeps its Process to itself.
            ProcessHandle.current().children()
                    .filter(p -> p.info().commandLine().map(c -> c.contains("apicurio-registry")).orElse(false))
                    .findFirst().ifPresent(p -> others.put("schema registry", p.pid()));
            cpu = new CpuMeter(Path.of("/proc"), CpuMeter.ticksPerSecond(), ProcessHandle.current().pid(), servers, others);
        }
        return cpu;
    }

    /** The server's postmaster: the parent of the backend serving {@code c}. */
    private static long postmaster(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            long backend = rs.getLong(1);
            return ProcStat.read(Path.of("/proc"), backend).map(ProcStat::parentPid)
                    .orElseThrow(() -> new IllegalStateException("No /proc entry for PostgreSQL backend " + backend
                            + ": the server is not on this machine, so its CPU cannot be measured"));
        }
    }

    public ConnectRestClient rest() {
        return stack.connect().rest();
    }

    /** Records written to {@code topic} so far (sum of the partitions' end offsets), 0 before it exists. */
    public long topicCount(String topic) {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return 0;
            }
            throw new IllegalStateException("Cannot read the end offsets of " + topic, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /** Creates {@code topic} with as many partitions as {@code like} has (replication factor as the broker's default). */
    void createTopicLike(String topic, String like) {
        try {
            int partitions = admin.describeTopics(List.of(like)).allTopicNames().get().get(like).partitions().size();
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot create topic " + topic, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /** Deletes {@code topic} if it exists: the broker's ingest limit leaves nothing on the disk the next scenario uses. */
    void deleteTopic(String topic) {
        try {
            admin.deleteTopics(List.of(topic)).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("Cannot delete topic " + topic, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /**
     * Polls {@code done} every few milliseconds until it holds; fails when {@code timeout} passes or a connector
     * in {@code watched} fails (with its trace). Returns the elapsed nanoseconds since {@code startNanos}.
     */
    public long await(String what, BooleanSupplier done, long startNanos, Duration timeout, String... watched) {
        long deadline = startNanos + timeout.toNanos();
        int polls = 0;
        while (!done.getAsBoolean()) {
            long now = System.nanoTime();
            if (now > deadline) {
                throw new IllegalStateException("Timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            if (++polls % 20 == 0) {
                for (String connector : watched) {
                    rest().checkNotFailed(connector);
                }
            }
            sleep(Duration.ofMillis(25));
        }
        return System.nanoTime() - startNanos;
    }

    /** Waits until the replication slot exists and a walsender reads it, so no change written afterwards is missed. */
    public void awaitSlotActive(String slot, Duration timeout, String connector) {
        await("slot " + slot + " active", () -> querySource(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active", slot) > 0,
                System.nanoTime(), timeout, connector);
    }

    /** Drops a slot once no walsender holds it any more (a deleted connector lets go within seconds). */
    public void dropSlot(String slot) {
        await("slot " + slot + " released", () -> querySource(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active", slot) == 0,
                System.nanoTime(), Duration.ofSeconds(60));
        querySource("SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots WHERE slot_name = ?", slot);
    }

    /** Removes a connector and waits until the worker no longer lists it. */
    public void removeConnector(String name) {
        if (rest().get("connectors/" + name).ok()) {
            rest().remove(name);
            await("connector " + name + " removed", () -> !rest().get("connectors/" + name).ok(), System.nanoTime(),
                    Duration.ofSeconds(60));
        }
    }

    long querySource(String sql, Object... params) {
        try (Connection c = sourceConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Query failed: " + sql, e);
        }
    }

    void executeSource(String sql) {
        try (Connection c = sourceConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("Statement failed: " + sql, e);
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        stack.close();
        destination.close();
        source.close();
    }
}
