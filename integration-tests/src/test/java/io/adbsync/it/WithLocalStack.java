package io.adbsync.it;

import io.adbsync.stack.LocalStack;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A Kafka broker and one Connect worker (with the packaged plugin) per test class, and the shared PostgreSQL server;
 * a schema registry and the Avro converter too for a class annotated {@link WithSchemaRegistry}.
 */
abstract class WithLocalStack {

    static final String SOURCE = "io.adbsync.source.AdbPgSourceConnector";
    static final String SINK = "io.adbsync.sink.AdbPgSinkConnector";

    private static final Logger log = LoggerFactory.getLogger(WithLocalStack.class);
    static LocalStack stack;
    static PostgresServer postgres;

    @BeforeAll
    static void startStack(TestInfo test) {
        postgres = Postgres.shared();
        boolean registry = test.getTestClass().map(c -> c.isAnnotationPresent(WithSchemaRegistry.class)).orElse(false);
        stack = LocalStack.start(1, 0, Map.of(), java.util.List.of(), registry);
    }

    /** The connection settings (URL, user, password if any) for {@code database} of the shared server. */
    static Map<String, String> connection(String database) {
        Map<String, String> config = new HashMap<>();
        config.put("connection.url", postgres.jdbcUrl(database));
        config.put("connection.user", postgres.user());
        if (postgres.password() != null) {
            config.put("connection.password", postgres.password());
        }
        return config;
    }

    /** A source connector config for {@code database} of the shared server, topic prefix and slot both {@code name}. */
    static Map<String, String> sourceConfig(String database, String name, String... extra) {
        Map<String, String> config = connection(database);
        config.put("connector.class", SOURCE);
        config.put("topic.prefix", name);
        config.put("slot.name", name);
        return with(config, extra);
    }

    /** A sink connector config writing into {@code database} of the shared server; {@code extra} pairs name its topics. */
    static Map<String, String> sinkConfigInto(String database, String... extra) {
        Map<String, String> config = connection(database);
        config.put("connector.class", SINK);
        return with(config, extra);
    }

    /**
     * Deploys a source of {@code src} (topic prefix {@code prefix}, slot {@code <prefix>_slot}) and a sink of its
     * topics into {@code dst}, one task each, with {@code sourceExtra} and {@code sinkExtra} on top, and waits until
     * both run and the slot is read. The sink applies truncates: a table re-created at the source arrives as one.
     */
    static io.adbsync.stack.connect.ConnectRestClient deployPair(String src, String dst, String prefix,
                                                                 Map<String, String> sourceExtra, Map<String, String> sinkExtra) {
        io.adbsync.stack.connect.ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, prefix, "slot.name", prefix + "_slot", "tasks.max", "1");
        source.putAll(sourceExtra);
        Map<String, String> sink = sinkConfigInto(dst, "tasks.max", "1", "topics.regex", prefix + "\\.public\\..*",
                // A regex subscription sees topics created later only at its next metadata refresh (5 minutes by default).
                "consumer.override.metadata.max.age.ms", "500", "truncate.enabled", "true");
        sink.putAll(sinkExtra);
        rest.deploy(prefix + "-source", source);
        rest.awaitRunning(prefix + "-source", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, prefix + "_slot");
        rest.deploy(prefix + "-sink", sink);
        rest.awaitRunning(prefix + "-sink", 1, Duration.ofSeconds(60));
        return rest;
    }

    private static Map<String, String> with(Map<String, String> config, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            config.put(pairs[i], pairs[i + 1]);
        }
        return config;
    }

    /** Waits until a task reads slot {@code slot}: changes from then on are captured. */
    static void awaitSlotActive(String database, String slot) {
        Awaitility.await("slot " + slot + " active").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            try (Connection c = postgres.connect(database); PreparedStatement ps = c.prepareStatement(
                    "SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        });
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
            stack = null;
        }
        dropIdleSlots();
    }

    /**
     * The slots this class's source connectors left on the shared server (removing a connector keeps its slot, as a
     * user's would): the next classes need slots of their own.
     */
    private static void dropIdleSlots() {
        try (Connection c = postgres.connect("postgres"); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active AND slot_type = 'logical'");
        } catch (SQLException e) {
            // Only room for later classes: a slot still in use (a stopping walsender) is dropped by the next class.
            log.warn("Could not drop idle replication slots: {}", e.getMessage());
        }
    }
}
