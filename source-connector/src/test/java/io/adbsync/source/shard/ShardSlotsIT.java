package io.adbsync.source.shard;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.sql.TableId;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The key shards' slots on a real server: made together at one start under a running workload; other counts refused. */
class ShardSlotsIT {

    private static final TableId HEARTBEAT = new TableId("public", "adbsync_heartbeat");
    private PostgresServer server;
    private String database;
    private ConnectionConfig connection;
    private SourceCatalog catalog;
    private final List<String> slots = new ArrayList<>();

    @BeforeEach
    void setUp() throws SQLException {
        server = Postgres.shared();
        database = server.createDatabase("shards");
        server.execute(database, "CREATE TABLE t (id int PRIMARY KEY, v int)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL)");
        connection = new ConnectionConfig(server.jdbcUrl(database), server.user(),
                server.password() == null ? null : new Password(server.password()));
        catalog = new SourceCatalog(connection);
    }

    @AfterEach
    void tearDown() throws SQLException {
        for (String slot : slots) {
            server.execute(database, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
        }
        catalog.close();
    }

    @Test
    void slotsMadeTogetherAllStartAtOnePositionWhileTransactionsCommit() throws Exception {
        String base = "sh_" + database;
        for (int i = 0; i < 3; i++) {
            slots.add(ShardSlots.name(base, new KeyShard(i, 3)));
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try (Connection c = server.connect(database); Statement s = c.createStatement()) {
                for (int i = 0; writing.get(); i++) {
                    s.execute("INSERT INTO t VALUES (" + i + ", 0) ON CONFLICT (id) DO UPDATE SET v = t.v + 1");
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        try {
            ShardSlots.createAll(connection, catalog, base, 3, HEARTBEAT);
        } finally {
            writing.set(false);
            writer.join();
        }
        // Each slot's own consistent point differs under commits; moved to the latest, every shard's stream is the same.
        List<String> starts = new ArrayList<>();
        try (Statement s = catalog.connection().createStatement();
             ResultSet rs = s.executeQuery("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name LIKE '"
                     + base + "\\_%' ORDER BY slot_name")) {
            while (rs.next()) {
                starts.add(rs.getString(1));
            }
        }
        assertThat(starts).hasSize(3);
        assertThat(starts).as("confirmed positions of the shards' slots").containsOnly(starts.get(0));

        assertThat(ShardSlots.missing(ShardSlots.existing(catalog.connection(), base), base, 3)).isEmpty();
        assertThat(ShardSlots.madeForAnotherCount(ShardSlots.existing(catalog.connection(), base), base, 3, "c")).isEmpty();
        assertThat(ShardSlots.madeForAnotherCount(ShardSlots.existing(catalog.connection(), base), base, 2, "c"))
                .hasValueSatisfying(message -> assertThat(message).contains("This source was read by 3 task(s)",
                        base + "_0of3", "tasks.max=2", "Set tasks.max back to 3", "PUT /connectors/c/stop"));
        assertThat(ShardSlots.madeForAnotherCount(ShardSlots.existing(catalog.connection(), base), base, 1, "c"))
                .hasValueSatisfying(message -> assertThat(message).contains("read by 3 task(s)", "tasks.max=1"));
    }

    @Test
    void theSlotOfAnUnshardedSourceIsRefusedToShardsAndAnotherSourcesSlotsAreNotTaken() throws Exception {
        String base = "one_" + database;
        slots.add(base);
        slots.add(base + "_x");
        server.execute(database, "SELECT pg_create_logical_replication_slot('" + base + "', 'pgoutput')",
                // Another source's slot whose name only starts like these.
                "SELECT pg_create_logical_replication_slot('" + base + "_x', 'pgoutput')");
        assertThat(ShardSlots.existing(catalog.connection(), base)).containsOnlyKeys(base);
        assertThat(ShardSlots.madeForAnotherCount(ShardSlots.existing(catalog.connection(), base), base, 1, "c")).isEmpty();
        assertThat(ShardSlots.madeForAnotherCount(ShardSlots.existing(catalog.connection(), base), base, 4, "c"))
                .hasValueSatisfying(message -> assertThat(message).contains("read by 1 task(s)", base + " exist", "tasks.max=4"));
    }
}
