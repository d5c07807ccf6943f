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
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two key shards' tasks, driven as the worker drives them, meeting for a table's copy again with one of them stopped
 * and started again at each step of the meeting (see RecopyRendezvous): each shard copies its share of the new table
 * once, after the one truncate shard 0 sends, whatever step a restart fell on.
 */
class KeyShardRecopyIT {

    private static final String TOPIC = "recopy.public.orders";
    private static final int OLD_ROWS = 40;

    private PostgresServer server;
    private String database;
    private String slot;
    private final Shard[] shards = new Shard[2];

    /** One shard's task, its stored offsets, and the table's records it handed out since {@link #clear}. */
    private final class Shard {
        final int index;
        AdbPgSourceTask task;
        InMemoryTaskContext context;
        final List<SourceRecord> records = new ArrayList<>();

        Shard(int index) {
            this.index = index;
        }

        void start() {
            Map<String, String> props = new HashMap<>();
            props.put("name", "recopy-source");
            props.put("connection.url", server.jdbcUrl(database));
            props.put("connection.user", server.user());
            if (server.password() != null) {
                props.put("connection.password", server.password());
            }
            props.put("topic.prefix", "recopy");
            props.put("slot.name", slot);
            props.put("publication.name", "pub_recopy");
            props.put("poll.interval.ms", "100");
            props.put("heartbeat.interval.ms", "500");
            props.put(AdbPgSourceConnector.TASK_ID, String.valueOf(index));
            props.put(KeyShard.TASK_SHARD, index + "/2");
            task = new AdbPgSourceTask();
            context = context == null ? new InMemoryTaskContext(props) : context.reconfigured(props);
            task.initialize(context);
            task.start(props);
        }

        void stop() {
            task.stop();
            task = null;
        }

        /** One poll, every record acknowledged, stored where {@code store}. */
        void poll(boolean store) throws InterruptedException {
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                for (SourceRecord record : batch) {
                    task.commitRecord(record, null);
                    if (store) {
                        context.commit(record);
                    }
                    if (record.topic().equals(TOPIC) && record.value() != null) {
                        records.add(record);
                    }
                }
            }
            task.commit();
        }

        void clear() {
            records.clear();
        }

        /** The table's events handed out: "t" for a truncate, "op id note" for the others. */
        List<String> events() {
            return records.stream().map(r -> {
                Struct value = (Struct) r.value();
                if ("t".equals(value.getString("op"))) {
                    return "t";
                }
                Struct after = value.getStruct("after");
                return value.getString("op") + " " + ((Struct) r.key()).getInt32("id")
                        + (after == null ? "" : " " + after.getString("note"));
            }).toList();
        }

        Set<Integer> copiedIds(String note) {
            Set<Integer> ids = new TreeSet<>();
            for (String event : events()) {
                String[] parts = event.split(" ");
                if (parts[0].equals("r") && parts.length == 3 && parts[2].equals(note)) {
                    ids.add(Integer.parseInt(parts[1]));
                }
            }
            return ids;
        }
    }

    @BeforeEach
    void createTable() throws SQLException {
        server = Postgres.shared();
        database = server.createDatabase("recopyit");
        slot = ("slot_" + database).toLowerCase().replaceAll("[^a-z0-9_]", "_");
        sql("CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'old' FROM generate_series(1, " + OLD_ROWS + ") g");
        shards[0] = new Shard(0);
        shards[1] = new Shard(1);
    }

    @AfterEach
    void dropSlots() throws SQLException {
        for (Shard shard : shards) {
            if (shard != null && shard.task != null) {
                shard.stop();
            }
        }
        sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '" + slot + "\\_%of%'");
        server.dropDatabase(database);
    }

    private void sql(String... statements) throws SQLException {
        Sql.sql(server, database, statements);
    }

    /** Polls the running shards' tasks (storing their offsets) until {@code done}. */
    private void pollUntil(String what, BooleanSupplier done, Shard... polled) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 45_000;
        while (!done.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("%s; shard 0: %s; shard 1: %s", what, shards[0].events(),
                    shards[1].events()).isLessThan(deadline);
            for (Shard shard : polled) {
                shard.poll(true);
            }
        }
    }

    /** Both shards copied the table, between them every row once. */
    private void copied() throws Exception {
        shards[0].start();
        shards[1].start();
        pollUntil("the first copy", () -> shards[0].copiedIds("old").size() + shards[1].copiedIds("old").size() == OLD_ROWS,
                shards);
        assertThat(shards[0].copiedIds("old")).doesNotContainAnyElementsOf(shards[1].copiedIds("old")).isNotEmpty();
        assertThat(shards[1].copiedIds("old")).isNotEmpty();
        shards[0].clear();
        shards[1].clear();
    }

    /** The table dropped and created again with other rows: ids 101..140, noted "new". */
    private void createdAgain() throws SQLException {
        sql("UPDATE orders SET note = 'last' WHERE id <= 10", "DROP TABLE orders", "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'new' FROM generate_series(101, 140) g");
    }

    private boolean row(String what) {
        try {
            String oid = server.scalar(database, "SELECT 'orders'::regclass::oid::text");
            return "1".equals(server.scalar(database, "SELECT count(*)::text FROM adbsync_heartbeat WHERE slot_name = '"
                    + slot + "/recopy/" + oid + "/1/" + what + "'"));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** After the meeting: one truncate, from shard 0, before every row of the new copy; each new row copied once. */
    private void assertCopiedAgainOnce() {
        List<String> zero = shards[0].events();
        assertThat(zero).as("shard 0's events").contains("t");
        assertThat(zero.stream().filter("t"::equals).count()).as("truncates from shard 0: %s", zero).isEqualTo(1);
        assertThat(shards[1].events()).as("shard 1's events").doesNotContain("t");
        int truncateAt = zero.indexOf("t");
        assertThat(zero.subList(0, truncateAt)).as("shard 0's rows before its truncate").noneMatch(e -> e.endsWith(" new"));
        Set<Integer> all = new TreeSet<>(shards[0].copiedIds("new"));
        all.addAll(shards[1].copiedIds("new"));
        assertThat(all).hasSize(40).first().isEqualTo(101);
        assertThat(shards[0].copiedIds("new")).doesNotContainAnyElementsOf(shards[1].copiedIds("new"));
    }

    /**
     * Shard 1's task stopped once it arrived, before shard 0 sent the truncate: shard 0 sends it without waiting for
     * the stopped task, which copies its share when it starts again.
     */
    @Test
    void aShardStoppedAfterItArrivedCopiesItsShareWhenItStartsAgain() throws Exception {
        copied();
        createdAgain();
        pollUntil("shard 1 arrived", () -> row("1"), shards);
        shards[1].stop();
        pollUntil("shard 0 sent the truncate", () -> row("sent"), shards[0]);
        assertThat(shards[1].copiedIds("new")).isEmpty();
        shards[1].start();
        pollUntil("shard 1's share", () -> shards[0].copiedIds("new").size() + shards[1].copiedIds("new").size() == 40,
                shards);
        assertCopiedAgainOnce();
    }

    /**
     * Shard 0's task stopped after its truncate was stored and before it said so (its 'sent' row): started again, its
     * offsets say the copy holds, and it says so then, so shard 1 copies its share. (Without that, shard 1 waits for good.)
     */
    @Test
    void shardZeroStoppedBeforeItSaidTheTruncateWasSentSaysSoWhenItStartsAgain() throws Exception {
        copied();
        createdAgain();
        pollUntil("both arrived", () -> row("0") && row("1"), shards);
        pollUntil("shard 0 sent the truncate", () -> row("sent"), shards[0]);
        shards[0].stop();
        sql("DELETE FROM adbsync_heartbeat WHERE slot_name LIKE '" + slot + "/recopy/%/sent'");
        shards[0].start();
        pollUntil("shard 1's share", () -> shards[0].copiedIds("new").size() + shards[1].copiedIds("new").size() == 40,
                shards);
        assertCopiedAgainOnce();
    }

    /**
     * Shard 1's task stopped after it handed out its share of the new copy, before any offset of it was stored: started
     * again, it copies its share again (the truncate sent, none of its own), and nothing is missing.
     */
    @Test
    void aShardStoppedBeforeItsShareWasStoredCopiesItAgainWithoutATruncate() throws Exception {
        copied();
        createdAgain();
        pollUntil("shard 0 sent the truncate", () -> row("sent"), shards);
        long deadline = System.currentTimeMillis() + 30_000;
        while (shards[1].copiedIds("new").isEmpty()) {
            assertThat(System.currentTimeMillis()).as("shard 1's share handed out").isLessThan(deadline);
            shards[1].poll(false);
            shards[0].poll(true);
        }
        shards[1].stop();
        shards[1].clear();
        shards[1].start();
        pollUntil("shard 1's share again", () -> shards[0].copiedIds("new").size() + shards[1].copiedIds("new").size() == 40,
                shards);
        assertCopiedAgainOnce();
    }
}
