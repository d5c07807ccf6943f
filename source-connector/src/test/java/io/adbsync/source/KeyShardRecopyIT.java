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

    /** Orders every record both tasks hand out, and every store of a truncate's offset. */
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();
    /** When shard 0's task's truncate of the table's earlier copy first read back stored. */
    private long truncateStoredAt = Long.MAX_VALUE;

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
        /** When each of {@link #records} was handed out. */
        final List<Long> handedOutAt = new ArrayList<>();

        Shard(int index) {
            this.index = index;
        }

        void start() {
            start(Map.of());
        }

        void start(Map<String, String> extra) {
            Map<String, String> props = new HashMap<>(extra);
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

        /** Stores the offsets of the records acknowledged so far, as the worker's next offset commit does. */
        void store() {
            for (SourceRecord record : unstored) {
                context.commit(record);
                if (record.topic().equals(TOPIC) && record.value() != null && "t".equals(((Struct) record.value()).getString("op"))) {
                    truncateStoredAt = Math.min(truncateStoredAt, sequence.incrementAndGet());
                }
            }
            unstored.clear();
        }

        /** When the first of the table's events matching {@code event} was handed out, or -1. */
        List<Long> when(java.util.function.Predicate<String> event) {
            List<String> all = events();
            List<Long> at = new ArrayList<>();
            List<SourceRecord> ofTable = records.stream().filter(r -> r.topic().equals(TOPIC)).toList();
            for (int i = 0; i < all.size(); i++) {
                if (event.test(all.get(i))) {
                    at.add(handedOutAt.get(records.indexOf(ofTable.get(i))));
                }
            }
            return at;
        }

        void stop() {
            task.stop();
            task = null;
            unstored.clear();
        }

        /** Records acknowledged whose offsets the worker has not committed yet (see {@link #poll}). */
        final List<SourceRecord> unstored = new ArrayList<>();
        /** Whether Kafka holds back its acknowledgement of the copies' records (the stream's are acknowledged). */
        boolean holdCopyAcks;
        final List<SourceRecord> unacknowledged = new ArrayList<>();

        /** Kafka acknowledges the copies' records held back, and the worker stores their offsets. */
        void acknowledgeCopies() {
            holdCopyAcks = false;
            for (SourceRecord record : unacknowledged) {
                task.commitRecord(record, null);
                context.commit(record);
            }
            unacknowledged.clear();
        }

        /**
         * One poll, every record acknowledged; its offset stored (with those of the records before it) where
         * {@code store}, else later or never (a task stopped before).
         */
        void poll(boolean store) throws InterruptedException {
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                for (SourceRecord record : batch) {
                    if (holdCopyAcks && record.sourcePartition() != null && record.sourcePartition().containsKey("snapshot")) {
                        unacknowledged.add(record);
                    } else {
                        task.commitRecord(record, null);
                        unstored.add(record);
                    }
                    if (record.topic().startsWith("recopy.public.") && record.value() != null) {
                        records.add(record);
                        handedOutAt.add(sequence.incrementAndGet());
                    }
                    if (store) {
                        store();
                    }
                }
            }
            task.commit();
        }

        void clear() {
            records.clear();
            handedOutAt.clear();
        }

        /** The table's events handed out: "t" for a truncate, "op id note" for the others. */
        List<String> events() {
            return events(TOPIC);
        }

        List<String> events(String topic) {
            return records.stream().filter(r -> r.topic().equals(topic)).map(r -> {
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
            return copiedIds(TOPIC, note);
        }

        Set<Integer> copiedIds(String topic, String note) {
            Set<Integer> ids = new TreeSet<>();
            for (String event : events(topic)) {
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
        copied(Map.of());
    }

    /** {@link #copied()}, the tasks started with {@code extra} config. */
    private void copied(Map<String, String> extra) throws Exception {
        shards[0].start(extra);
        shards[1].start(extra);
        pollUntil("the first copy", () -> shards[0].copiedIds("old").size() + shards[1].copiedIds("old").size() == OLD_ROWS,
                shards);
        assertThat(shards[0].copiedIds("old")).doesNotContainAnyElementsOf(shards[1].copiedIds("old")).isNotEmpty();
        assertThat(shards[1].copiedIds("old")).isNotEmpty();
        shards[0].clear();
        shards[1].clear();
    }

    /** The table dropped and created again with other rows: ids 101..140, noted "new". */
    private void createdAgain() throws Exception {
        // Streamed before the drop (decoded after it, the dropped table's changes are skipped).
        sql("UPDATE orders SET note = 'last' WHERE id <= 10");
        pollUntil("the last changes", () -> shards[0].when(e -> e.endsWith(" last")).size()
                + shards[1].when(e -> e.endsWith(" last")).size() == 10, shards);
        sql("DROP TABLE orders", "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'new' FROM generate_series(101, 140) g");
    }

    private boolean row(String what) {
        try {
            return heartbeatRow(server.scalar(database, "SELECT 'orders'::regclass::oid::text") + "/"
                    + String.format("%08x", "public.orders".hashCode()), what);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether the meeting row {@code what} of the first copy again of {@code subject} (relation OID, then the hash of its
     * name) is in the heartbeat table.
     */
    private boolean heartbeatRow(String subject, String what) {
        try {
            return "1".equals(server.scalar(database, "SELECT count(*)::text FROM adbsync_heartbeat WHERE slot_name = '"
                    + slot + "/recopy/" + subject + "/1/" + what + "'"));
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
        // Shard 1's rows of the new copy only once shard 0's truncate was stored.
        assertThat(shards[1].when(e -> e.endsWith(" new"))).isNotEmpty().allMatch(at -> at > truncateStoredAt);
    }

    /** Each row of the new copy handed out once (no task restarted before storing it). */
    private void assertEachNewRowOnce() {
        List<String> newRows = new ArrayList<>(shards[0].events().stream().filter(e -> e.startsWith("r ") && e.endsWith(" new")).toList());
        newRows.addAll(shards[1].events().stream().filter(e -> e.startsWith("r ") && e.endsWith(" new")).toList());
        assertThat(newRows).doesNotHaveDuplicates().hasSize(40);
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
        assertEachNewRowOnce();
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
     * A partition attached to a partitioned table while shard 0's truncate of its copy again is handed out but not yet
     * stored: shard 0 copies its share of the partition once the truncate is stored, as any partition attached then.
     * (Red before: the partition was taken for one its table's copy again would plan, and shard 0's share never went.)
     */
    @Test
    void aPartitionAttachedWhileShardZerosTruncateIsNotStoredIsCopiedByEveryShard() throws Exception {
        String parts = "recopy.public.parts";
        String[] table = {"CREATE TABLE parts (id int, region int, note text, PRIMARY KEY (id, region)) PARTITION BY LIST (region)",
                "CREATE TABLE parts_1 PARTITION OF parts FOR VALUES IN (1)",
                "CREATE TABLE parts_2 PARTITION OF parts FOR VALUES IN (2)"};
        sql(table);
        sql("INSERT INTO parts SELECT g, 1 + g % 2, 'old' FROM generate_series(1, 40) g");
        shards[0].start();
        shards[1].start();
        pollUntil("the first copy", () -> shards[0].copiedIds(parts, "old").size() + shards[1].copiedIds(parts, "old").size()
                == 40, shards);
        shards[0].clear();
        shards[1].clear();
        sql("DROP TABLE parts", table[0], table[1], table[2], "INSERT INTO parts SELECT g, 1 + g % 2, 'new' FROM generate_series(101, 140) g");
        String oid = server.scalar(database, "SELECT 'parts'::regclass::oid::text") + "/"
                + String.format("%08x", "public.parts".hashCode());
        pollUntil("both arrived", () -> heartbeatRow(oid, "0") && heartbeatRow(oid, "1"), shards);
        long deadline = System.currentTimeMillis() + 30_000;
        while (!shards[0].events(parts).contains("t")) {
            assertThat(System.currentTimeMillis()).as("shard 0's truncate handed out").isLessThan(deadline);
            shards[0].poll(false);
        }
        sql("CREATE TABLE parts_3 (id int, region int, note text, PRIMARY KEY (id, region))",
                "INSERT INTO parts_3 SELECT g, 3, 'attached' FROM generate_series(201, 220) g",
                "ALTER TABLE parts ATTACH PARTITION parts_3 FOR VALUES IN (3)");
        // Long enough for the watch of attached partitions to find it while the truncate is not stored.
        long until = System.currentTimeMillis() + 6_000;
        while (System.currentTimeMillis() < until) {
            shards[0].poll(false);
            shards[1].poll(true);
        }
        pollUntil("every share", () -> shards[0].copiedIds(parts, "new").size() + shards[1].copiedIds(parts, "new").size() == 40
                && shards[0].copiedIds(parts, "attached").size() + shards[1].copiedIds(parts, "attached").size() == 20, shards);
        assertThat(shards[0].events(parts).stream().filter("t"::equals).count()).isEqualTo(1);
        assertThat(shards[1].events(parts)).doesNotContain("t");
    }

    /**
     * Shard 0's task stopped with the truncate of the copy again stored on one of the topic's two partitions only: started
     * again, it sends the rest of it, and says it is sent once that is stored, so shard 1 copies its share. (Red before:
     * its offsets said the copy was its current one, nothing said sent, and shard 1 waited for good.)
     */
    @Test
    void shardZeroStoppedWithItsTruncateStoredInPartSendsTheRestAndSaysSo() throws Exception {
        Map<String, String> twoPartitions = Map.of("topic.creation.default.partitions", "2",
                "topic.creation.default.replication.factor", "1");
        copied(twoPartitions);
        createdAgain();
        pollUntil("both arrived", () -> row("0") && row("1"), shards);
        long deadline = System.currentTimeMillis() + 30_000;
        while (shards[0].events().stream().filter("t"::equals).count() < 2) {
            assertThat(System.currentTimeMillis()).as("shard 0's truncate handed out").isLessThan(deadline);
            shards[0].poll(false);
        }
        SourceRecord first = shards[0].records.stream().filter(r -> "t".equals(((Struct) r.value()).getString("op")))
                .findFirst().orElseThrow();
        shards[0].context.commit(first);
        shards[0].stop();
        shards[0].start(twoPartitions);
        pollUntil("shard 1's share", () -> shards[0].copiedIds("new").size() + shards[1].copiedIds("new").size() == 40,
                shards);
        assertThat(shards[1].events()).doesNotContain("t");
        assertThat(shards[0].copiedIds("new")).doesNotContainAnyElementsOf(shards[1].copiedIds("new"));
        assertThat(row("sent")).isTrue();
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

    /**
     * The table dropped and created again while shard 0 still copies it, chunk by chunk: the earlier copy's plan stops
     * at the next chunk, and the copy again goes on. (Red before: the copy again waited for good for the round that had
     * read the dropped table's last chunks.)
     */
    @Test
    void aTableCreatedAgainDuringItsFirstCopyIsCopiedAgainByEveryShard() throws Exception {
        sql("INSERT INTO orders SELECT g, repeat('x', 2000) FROM generate_series(1001, 3000) g", "ANALYZE orders");
        Map<String, String> smallChunks = Map.of("snapshot.chunk.rows", "100", "snapshot.max.threads", "1");
        shards[0].start(smallChunks);
        shards[1].start(smallChunks);
        pollUntil("shard 0's first rows", () -> !shards[0].copiedIds("old").isEmpty(), shards[0]);
        sql("DROP TABLE orders", "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'new' FROM generate_series(101, 140) g");
        pollUntil("every share", () -> shards[0].copiedIds("new").size() + shards[1].copiedIds("new").size() == 40, shards);
        // Its earlier copy stopped part way (about half of the 2000 wide rows are its share).
        assertThat(shards[0].events().stream().filter(e -> e.startsWith("r ") && e.endsWith("x")).count()).isLessThan(800);
        assertThat(shards[0].events().stream().filter("t"::equals).count()).isEqualTo(1);
        assertThat(shards[1].events()).doesNotContain("t");
    }

    /**
     * Under snapshot.mode=initial_only nothing is streamed, so nothing tells the tasks when to meet: a table created again
     * stops the task, saying why and what to do.
     */
    @Test
    void withNothingStreamedACopyAgainStopsTheTaskSayingWhy() throws Exception {
        Map<String, String> initialOnly = Map.of("snapshot.mode", "initial_only");
        shards[0].start(initialOnly);
        shards[1].start(initialOnly);
        pollUntil("the first copy", () -> shards[0].copiedIds("old").size() + shards[1].copiedIds("old").size() == OLD_ROWS,
                shards);
        shards[0].stop();
        shards[1].stop();
        sql("DROP TABLE orders", "CREATE TABLE orders (id int PRIMARY KEY, note text)");
        Throwable failure = null;
        try {
            shards[0].start(initialOnly);
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                shards[0].poll(true);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).contains("Table public.orders was dropped and created again",
                "under snapshot.mode=initial_only", "slot.drop.on.offsets.reset=true");
    }

    /**
     * A shard whose copy's records Kafka has not acknowledged yet does not arrive, though its stream is stored past the
     * point: one landing after shard 0's truncate would bring back a row of the earlier copy. Once Kafka has them, it
     * arrives and the copy again goes on. (Red before: it arrived at once.)
     */
    @Test
    void aShardArrivesOnlyOnceKafkaHasTheRecordsOfItsEarlierCopy() throws Exception {
        shards[0].start();
        shards[1].start();
        shards[1].holdCopyAcks = true;
        pollUntil("the first copy", () -> shards[0].copiedIds("old").size() + shards[1].copiedIds("old").size() == OLD_ROWS,
                shards);
        assertThat(shards[1].unacknowledged).isNotEmpty();
        createdAgain();
        pollUntil("shard 0 arrived", () -> row("0"), shards);
        long until = System.currentTimeMillis() + 4_000;
        while (System.currentTimeMillis() < until) {
            shards[0].poll(true);
            shards[1].poll(true);
        }
        assertThat(row("1")).as("shard 1 arrived with its copy's records in flight").isFalse();
        shards[1].acknowledgeCopies();
        pollUntil("every share", () -> shards[0].copiedIds("new").size() + shards[1].copiedIds("new").size() == 40, shards);
        assertCopiedAgainOnce();
    }
}
