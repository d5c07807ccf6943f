package io.adbsync.source;

import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.source.shard.KeyShard;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** A key shard's task driven as the worker drives it, against a real server. */
class ShardedTaskIT {

    private PostgresServer server;
    private String database;
    private String slot;
    private AdbPgSourceTask task;
    private InMemoryTaskContext context;

    @BeforeEach
    void createTable() throws SQLException {
        server = Postgres.shared();
        database = server.createDatabase("shardreview");
        slot = ("slot_" + database).toLowerCase().replaceAll("[^a-z0-9_]", "_");
        Sql.sql(server, database, "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 20) g");
    }

    @AfterEach
    void dropSlots() throws SQLException {
        if (task != null) {
            task.stop();
        }
        Sql.sql(server, database, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                + "WHERE slot_name = '" + slot + "' OR slot_name LIKE '" + slot + "\\_%'");
        server.dropDatabase(database);
    }

    private Map<String, String> props(KeyShard shard) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "orders-source");
        props.put("connection.url", server.jdbcUrl(database));
        props.put("connection.user", server.user());
        if (server.password() != null) {
            props.put("connection.password", server.password());
        }
        props.put("topic.prefix", "review");
        props.put("slot.name", slot);
        props.put("publication.name", "pub_review");
        props.put("poll.interval.ms", "100");
        props.put(AdbPgSourceConnector.TASK_ID, shard == null ? "0" : Integer.toString(shard.index()));
        if (shard != null) {
            props.put(KeyShard.TASK_SHARD, shard.toString());
        }
        return props;
    }

    /** Starts a task; a restart passes the context of the one before, whose stored offsets it reads. */
    private void start(KeyShard shard, InMemoryTaskContext keep) {
        Map<String, String> props = props(shard);
        task = new AdbPgSourceTask();
        context = keep != null ? keep : new InMemoryTaskContext(props);
        task.initialize(context);
        task.start(props);
    }

    private List<SourceRecord> pollUntil(Predicate<List<SourceRecord>> done) throws InterruptedException {
        List<SourceRecord> all = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!done.test(all)) {
            assertThat(System.currentTimeMillis()).as("records so far: %s", all).isLessThan(deadline);
            List<SourceRecord> batch = task.poll();
            if (batch == null) {
                continue;
            }
            for (SourceRecord record : batch) {
                task.commitRecord(record, null);
                context.commit(record);
                all.add(record);
            }
            task.commit();
        }
        return all;
    }

    private static Predicate<List<SourceRecord>> ops(String op, int count) {
        return records -> records.stream().filter(r -> r.topic().equals("review.public.orders") && r.value() != null
                && op.equals(((Struct) r.value()).getString("op"))).count() >= count;
    }

    /**
     * A worker that dies in ShardSlots.createAll after the first slot leaves a part of the set; no shard has read a
     * thing (no offsets are stored), so nothing is lost by making the set again, which the next task to start does.
     */
    @Test
    void aHalfMadeSetOfSlotsThatNoShardReadIsMadeAgain() throws Exception {
        Sql.sql(server, database, "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL)",
                "SELECT pg_create_logical_replication_slot('" + slot + "_0of2', 'pgoutput')");
        start(new KeyShard(1, 2), null);
        pollUntil(ops("r", 1));
    }
}
