package io.adbsync.source;

import io.adbsync.common.contract.SnapshotProgress;
import io.adbsync.source.shard.KeyShard;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The task driven as the Connect worker drives it (initialize, start, poll, commitRecord, stop), with an in-memory
 * context, against a real server: a few seconds instead of a worker and a broker.
 */
class AdbPgSourceTaskIT {

    private PostgresServer server;
    private String database;
    private String slot;
    private AdbPgSourceTask task;
    private InMemoryTaskContext context;

    @BeforeEach
    void createTable() throws SQLException {
        server = Postgres.shared();
        database = server.createDatabase("taskit");
        slot = ("slot_" + database).toLowerCase().replaceAll("[^a-z0-9_]", "_");
        sql("CREATE TABLE orders (id int PRIMARY KEY, note text)", "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 3) g");
    }

    @AfterEach
    void dropSlot() throws SQLException {
        if (task != null) {
            task.stop();
        }
        // Its own slot, and the key shards' slots named after it.
        sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "' "
                + "OR slot_name LIKE '" + slot + "\\_%of%'");
        server.dropDatabase(database);
    }

    private void sql(String... statements) throws SQLException {
        Sql.sql(server, database, statements);
    }

    private long lsn(String query) throws SQLException {
        try (Connection c = server.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (" + query + ") - '0/0'::pg_lsn")) {
            return rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1;
        }
    }

    private void start(Map<String, String> extra) {
        start(extra, null);
    }

    /** Stops the task and starts the next one with {@code extra}, over the offsets the first one stored. */
    private void restart(Map<String, String> extra) {
        task.stop();
        start(extra, context);
    }

    private void start(Map<String, String> extra, InMemoryTaskContext stored) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "orders-source");
        props.put("connection.url", server.jdbcUrl(database));
        props.put("connection.user", server.user());
        if (server.password() != null) {
            props.put("connection.password", server.password());
        }
        props.put("topic.prefix", "taskit");
        props.put("slot.name", slot);
        props.put("publication.name", "pub_taskit");
        props.put("poll.interval.ms", "100");
        props.putAll(extra);
        task = new AdbPgSourceTask();
        context = stored == null ? new InMemoryTaskContext(props) : stored.reconfigured(props);
        task.initialize(context);
        task.start(props);
    }

    /** Polls (acknowledging and committing each record as the worker would) until records matching {@code done} came. */
    private List<SourceRecord> pollUntil(Predicate<List<SourceRecord>> done) throws InterruptedException {
        return pollUntil(done, true);
    }

    /** {@link #pollUntil}; without {@code commitOffsets} the records are acknowledged but their offsets not stored. */
    private List<SourceRecord> pollUntil(Predicate<List<SourceRecord>> done, boolean commitOffsets) throws InterruptedException {
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
                if (commitOffsets) {
                    context.commit(record);
                }
                all.add(record);
            }
            task.commit();
        }
        return all;
    }

    private static final String ORDERS = "taskit.public.orders";

    /** The events of {@code records} on {@code topic}, in order: "t" for a truncate, "op id" for the others. */
    private static List<String> eventsOn(String topic, List<SourceRecord> records) {
        return records.stream().filter(r -> r.topic().equals(topic) && r.value() != null).map(r -> {
            String op = ((Struct) r.value()).getString("op");
            return "t".equals(op) ? "t" : op + " " + ((Struct) r.key()).getInt32("id");
        }).toList();
    }

    private static boolean isOp(SourceRecord record, String op) {
        return record.topic().equals("taskit.public.orders") && record.value() != null
                && op.equals(((Struct) record.value()).getString("op"));
    }

    private static Predicate<List<SourceRecord>> ops(String op, int count) {
        return records -> records.stream().filter(r -> isOp(r, op)).count() >= count;
    }

    private static boolean registered(String type, String task) throws Exception {
        MBeanServer beans = ManagementFactory.getPlatformMBeanServer();
        return beans.isRegistered(new ObjectName("io.adbsync:type=" + type + ",connector=" + ObjectName.quote("orders-source")
                + ",task=" + ObjectName.quote(task)));
    }

    /**
     * A task that stopped in ShardSlots.createAll after the first slot leaves part of the set; no shard read anything
     * (no offsets are stored), so nothing is lost by making the set again, which the next task to start does. (Red
     * before: 'Replication slot(s) [..._0of2] exist but not [..._1of2] ... DELETE its offsets'.)
     */
    @Test
    void aKeyShardsTaskMakesAgainASetOfSlotsMadeInPartThatNoShardRead() throws Exception {
        sql("CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL)",
                "SELECT pg_create_logical_replication_slot('" + slot + "_0of2', 'pgoutput')");
        start(Map.of(AdbPgSourceConnector.TASK_ID, "1", KeyShard.TASK_SHARD, "1/2"));
        pollUntil(ops("r", 1));
        assertThat(server.scalar(database, "SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots "
                + "WHERE slot_name LIKE '" + slot + "\\_%of2'")).isEqualTo(slot + "_0of2," + slot + "_1of2");
    }

    @Test
    void theTaskCopiesThenStreamsAndNamesItsMetricsByTheTaskIdTheConnectorGaveIt() throws Exception {
        start(Map.of(AdbPgSourceConnector.TASK_ID, "3"));
        pollUntil(ops("r", 3));
        assertThat(registered("source-streaming", "3")).isTrue();
        assertThat(registered("source-snapshot", "3")).isTrue();
        assertThat(registered("source-streaming", "0")).isFalse();

        sql("INSERT INTO orders VALUES (4, 'streamed')");
        pollUntil(ops("c", 1));
        task.stop();
        assertThat(registered("source-streaming", "3")).isFalse();
        assertThat(registered("source-snapshot", "3")).isFalse();
    }

    @Test
    void theSlotConfirmsWhatKafkaAcknowledgedAtTheStatusUpdateInterval() throws Exception {
        // With the default interval (10 s) the first confirmation would come after the deadline below.
        start(Map.of("snapshot.mode", "never", "heartbeat.interval.ms", "0", "status.update.interval.ms", "200"));
        pollUntil(records -> slotActive());
        sql("INSERT INTO orders VALUES (4, 'streamed')");
        SourceRecord created = pollUntil(ops("c", 1)).stream().filter(r -> isOp(r, "c")).findFirst().orElseThrow();
        long commitLsn = ((Number) created.sourceOffset().get("lsn")).longValue();
        long deadline = System.currentTimeMillis() + 3_000;
        while (lsn("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + slot + "'") < commitLsn) {
            assertThat(System.currentTimeMillis()).as("the slot's confirmed_flush_lsn reaches the insert's commit")
                    .isLessThan(deadline);
            task.poll();
        }
    }

    /**
     * A snapshot chunk goes to Connect over several polls, at most max.batch.size of its records each, in order, the
     * last saying the copy is done. (Red before: the first poll held the whole chunk, 40000 records.)
     */
    @Test
    void aSnapshotChunkGoesOutAtMostMaxBatchSizeRecordsAPoll() throws Exception {
        sql("TRUNCATE orders", "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 40000) g", "ANALYZE orders");
        start(Map.of("snapshot.chunk.rows", "1000000", "max.batch.size", "1000"));
        List<SourceRecord> rows = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 60_000;
        while (rows.size() < 40_000) {
            assertThat(System.currentTimeMillis()).as("rows so far: %d", rows.size()).isLessThan(deadline);
            List<SourceRecord> batch = task.poll();
            if (batch == null) {
                continue;
            }
            // The table's records: definitions for the schema topic go ahead of them, beside the snapshot's own.
            assertThat(batch.stream().filter(r -> r.topic().equals("taskit.public.orders")).count())
                    .as("records of the table in one poll").isLessThanOrEqualTo(1000);
            batch.stream().filter(r -> isOp(r, "r")).forEach(rows::add);
            batch.forEach(r -> {
                task.commitRecord(r, null);
                context.commit(r);
            });
            task.commit();
        }
        assertThat(rows.stream().map(r -> ((Struct) r.key()).getInt32("id")).distinct().count()).isEqualTo(40_000);
        assertThat(rows).allSatisfy(r -> assertThat(SnapshotProgress.of(r.sourceOffset()).map(SnapshotProgress::done))
                .contains(r == rows.get(rows.size() - 1)));
    }

    /**
     * The snapshot's connection lost while the last round of the copy is read: the round is read again after the task
     * reconnects, though no chunk is left to plan. (Red before: the round's plan waited to be read again behind a
     * check that only looked at the chunks not yet taken, so the copy never ended and its rows never came.)
     */
    @Test
    void aSnapshotConnectionLostDuringTheLastRoundIsReadAgain() throws Exception {
        int rows = 300_000;
        sql("TRUNCATE orders", "INSERT INTO orders SELECT g, repeat('x', 80) || g FROM generate_series(1, " + rows + ") g",
                "ANALYZE orders");
        // One chunk: the copy's first round is its last.
        start(Map.of("snapshot.chunk.rows", "10000000", "max.batch.size", "1000"));
        copyLosingItsConnectionOnce(rows);
    }

    /**
     * A table captured again after a while is copied again behind a truncate that drops the earlier copy. The
     * snapshot's connection lost after that truncate and part of the rows went out: the rest is read again, the truncate
     * is not sent a second time (it would drop the rows already handed out), and nothing of the copy precedes it.
     */
    @Test
    void aCopyAgainLosingItsConnectionAfterItsTruncateWentOutSendsTheTruncateOnceAndEveryRow() throws Exception {
        start(Map.of());
        pollUntil(ops("r", 3));
        // Left out: the task marks the table's stored copy, so that capturing it again copies it again.
        restart(Map.of("table.exclude.list", "public\\.orders"));
        pollUntil(records -> records.stream().anyMatch(r -> r.sourceOffset() != null
                && r.sourceOffset().containsKey(SnapshotProgress.LEFT)));
        int rows = 300_000;
        sql("INSERT INTO orders SELECT g, repeat('x', 80) || g FROM generate_series(4, " + rows + ") g", "ANALYZE orders");
        // One chunk, so the connection is lost in the middle of the copy's only round.
        restart(Map.of("snapshot.chunk.rows", "10000000", "max.batch.size", "1000"));
        assertThat(copyLosingItsConnectionOnce(rows)).containsExactly("truncate after 0 rows");
    }

    /**
     * A partitioned table dropped and created again with partitions of other names: the new partitions' offsets say
     * nothing of the earlier copy, stored under the old partitions' names, so its copy started without a truncate and
     * the dropped table's rows stayed at the destination.
     */
    @Test
    void aPartitionedTableCreatedAgainWithOtherPartitionsIsCopiedAfterATruncate() throws Exception {
        sql("CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_a PARTITION OF parts FOR VALUES IN (1)", "INSERT INTO parts VALUES (1, 1), (2, 1)");
        start(Map.of());
        pollUntil(records -> records.stream().filter(r -> r.topic().equals("taskit.public.parts") && r.value() != null
                && "r".equals(((Struct) r.value()).getString("op"))).count() >= 2);
        sql("DROP TABLE parts", "CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_b PARTITION OF parts FOR VALUES IN (2)", "INSERT INTO parts VALUES (100, 2)");
        List<SourceRecord> again = pollUntil(records -> records.stream().anyMatch(r -> r.topic().equals("taskit.public.parts")
                && r.key() != null && ((Struct) r.key()).getInt32("id") == 100));
        List<String> ops = again.stream().filter(r -> r.topic().equals("taskit.public.parts") && r.value() != null)
                .map(r -> ((Struct) r.value()).getString("op")).toList();
        assertThat(ops).as("the new table's records").startsWith("t");

        // A partition attached later under a name the dropped table's partition had (whose copy is stored): copied.
        sql("CREATE TABLE parts_a (id int, k int, PRIMARY KEY (id, k))", "INSERT INTO parts_a VALUES (7, 1)",
                "ALTER TABLE parts ATTACH PARTITION parts_a FOR VALUES IN (1)");
        pollUntil(records -> records.stream().anyMatch(r -> r.topic().equals("taskit.public.parts")
                && r.key() != null && ((Struct) r.key()).getInt32("id") == 7));
    }

    /**
     * The same with two partitions of new names, planned at once: the second partition's offset must not be stored
     * before the first's truncate is (Connect stores each source partition's offsets as its records are acknowledged,
     * whatever the others'). Stored first, it told a restart that the table was copied as this relation, and the
     * truncate, never stored, was not sent again. (Red before: the restart copied the table without a truncate.)
     */
    @Test
    void aPartitionedTableCreatedAgainWhileStreamingHasItsTruncateStoredBeforeItsOtherPartitions() throws Exception {
        createdAgainWhileStreamingWithItsFirstPartitionUnstored();
        task.stop();
        start(Map.of(), context);
        List<SourceRecord> again = new ArrayList<>(pollUntil(all -> copied(all, 300)));
        assertThat(partsOps(again)).as("the new table's records after the restart").startsWith("t");
        again.addAll(pollUntil(all -> copied(again, 400) || copied(all, 400)));
        assertThat(partsOps(again)).as("the new table's records after the restart").doesNotContainSequence("r", "t");
    }

    /**
     * The same wait through a lost connection: whether a chunk waits is decided without a query, since a lost
     * connection found there would fail the task rather than bring it back. (Red before: poll() threw "Cannot look up
     * relation OID".)
     */
    @Test
    void partitionsWaitingForTheirTablesTruncateGoOnThroughALostConnection() throws Exception {
        List<SourceRecord> records = createdAgainWhileStreamingWithItsFirstPartitionUnstored();
        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
        // The first partition's offsets stored at last, as a later offset flush would.
        records.stream().filter(AdbPgSourceTaskIT::ofFirstPartition).forEach(context::commit);
        task.commit();
        records.addAll(pollUntil(all -> copied(all, 400)));
        assertThat(partsOps(records)).as("the new table's records").startsWith("t").doesNotContainSequence("r", "t");
    }

    /**
     * The same wait while the table is renamed away and back: planned again (its copy held, since what changed under the
     * other name is not in this copy), it must not let the partitions planned before go ahead of the truncate. (Red
     * before: the second partition's copy went out and was stored, and the restart copied the table without one.)
     */
    @Test
    void partitionsWaitingForTheirTablesTruncateStillWaitWhenTheTableIsPlannedAgain() throws Exception {
        List<SourceRecord> records = createdAgainWhileStreamingWithItsFirstPartitionUnstored();
        sql("ALTER TABLE parts RENAME TO parts_x", "INSERT INTO parts_x VALUES (301, 3)");
        long deadline = System.currentTimeMillis() + 30_000;
        while (records.stream().noneMatch(r -> r.topic().equals("taskit.public.parts_x") && r.value() != null
                && "r".equals(((Struct) r.value()).getString("op")))) {
            assertThat(System.currentTimeMillis()).as("records so far: %s", records).isLessThan(deadline);
            pollOnce(records, r -> true, r -> !ofFirstPartition(r));
        }
        sql("ALTER TABLE parts_x RENAME TO parts", "INSERT INTO parts VALUES (302, 3)");
        // Found again under its name (the watch of new tables looks every few seconds), a few offset commits more.
        for (long until = System.currentTimeMillis() + 8_000; System.currentTimeMillis() < until; ) {
            pollOnce(records, r -> true, r -> !ofFirstPartition(r));
        }
        task.stop();
        start(Map.of(), context);
        List<SourceRecord> again = pollUntil(all -> copied(all, 300));
        assertThat(partsOps(again)).as("the table's records after the restart").startsWith("t");
    }

    /**
     * Table parts created again while streaming with partitions parts_c and parts_d: polled until parts_c is copied and
     * a few offset commits more, every record acknowledged, the offsets of parts_c's copy (its truncate) not stored.
     */
    private List<SourceRecord> createdAgainWhileStreamingWithItsFirstPartitionUnstored() throws Exception {
        sql("CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_a PARTITION OF parts FOR VALUES IN (1)", "INSERT INTO parts VALUES (1, 1)");
        start(Map.of());
        pollUntil(records -> records.stream().anyMatch(r -> r.sourceOffset() != null
                && Boolean.TRUE.equals(r.sourceOffset().get("partitioned"))));
        sql("DROP TABLE parts", "CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_c PARTITION OF parts FOR VALUES IN (3)",
                "CREATE TABLE parts_d PARTITION OF parts FOR VALUES IN (4)", "INSERT INTO parts VALUES (300, 3), (400, 4)");
        List<SourceRecord> records = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!copied(records, 300)) {
            assertThat(System.currentTimeMillis()).as("records so far: %s", records).isLessThan(deadline);
            pollOnce(records, r -> true, r -> !ofFirstPartition(r));
        }
        // A few more offset commits, in which the second partition's copy would be handed out and stored.
        for (long until = System.currentTimeMillis() + 3_000; System.currentTimeMillis() < until; ) {
            pollOnce(records, r -> true, r -> !ofFirstPartition(r));
        }
        assertThat(copied(records, 400)).as("the second partition copied before the first's truncate was stored").isFalse();
        return records;
    }

    /** Whether {@code r} is of the copy of partition parts_c. */
    private static boolean ofFirstPartition(SourceRecord r) {
        return r.sourcePartition() != null && r.sourcePartition().values().stream()
                .anyMatch(v -> String.valueOf(v).endsWith("parts_c"));
    }

    /**
     * The same while the task was stopped: nothing this run planned tells of the dropped table's copy, and its offsets
     * are stored under partition names the new table does not have. (Red before: the new table was copied without a
     * truncate, and the dropped table's rows stayed at the destination.) Once the stream's offset is stored, a start
     * leaves partitions without a stored copy to the watch of attached partitions: the first of them carries the
     * truncate. Partitions rotated away (a monthly partition dropped, the next one created), or none left, do not make
     * the table copied again; a plain table created under its name does.
     */
    @Test
    void aPartitionedTableCreatedAgainWhileStoppedWithOtherPartitionsIsCopiedAfterATruncate() throws Exception {
        sql("CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_a PARTITION OF parts FOR VALUES IN (1)", "INSERT INTO parts VALUES (1, 1), (2, 1)");
        start(Map.of());
        pollUntil(records -> partsOps(records).stream().filter("r"::equals).count() >= 2);
        // The table's mark goes out once its partition's copy is stored (read back after an offset commit).
        pollUntil(records -> records.stream().anyMatch(r -> r.sourceOffset() != null
                && Boolean.TRUE.equals(r.sourceOffset().get("partitioned"))));
        task.stop();
        sql("DROP TABLE parts", "CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_b PARTITION OF parts FOR VALUES IN (2)", "INSERT INTO parts VALUES (100, 2)");
        start(Map.of(), context);
        List<SourceRecord> again = pollUntil(records -> copied(records, 100));
        assertThat(partsOps(again)).as("the new table's records").startsWith("t").doesNotContainSequence("r", "t");

        stopAfterStreaming(10);
        sql("CREATE TABLE parts_c PARTITION OF parts FOR VALUES IN (3)", "DROP TABLE parts_b",
                "INSERT INTO parts VALUES (300, 3)");
        start(Map.of(), context);
        List<SourceRecord> rotated = pollUntil(records -> copied(records, 300));
        assertThat(partsOps(rotated)).as("after its partitions rotated").doesNotContain("t");

        stopAfterStreaming(11);
        sql("DROP TABLE parts", "CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_d PARTITION OF parts FOR VALUES IN (4)", "INSERT INTO parts VALUES (400, 4)");
        start(Map.of(), context);
        assertThat(partsOps(pollUntil(records -> copied(records, 400)))).as("created again after streaming")
                .startsWith("t").doesNotContainSequence("r", "t");

        stopAfterStreaming(12);
        sql("DROP TABLE parts_d");
        start(Map.of(), context);
        sql("INSERT INTO orders VALUES (13, 'streamed')");
        assertThat(partsOps(pollUntil(records -> records.stream().anyMatch(r -> isOp(r, "c")
                && ((Struct) r.key()).getInt32("id") == 13)))).as("with no partition left").doesNotContain("t");

        // Created again as a plain table: its copy is stored under the name the partitioned table's mark is.
        stopAfterStreaming(14);
        sql("DROP TABLE parts", "CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k))", "INSERT INTO parts VALUES (500, 5)");
        start(Map.of(), context);
        assertThat(partsOps(pollUntil(records -> copied(records, 500)))).as("the plain table's records").startsWith("t")
                .doesNotContainSequence("r", "t");
    }

    /**
     * Without snapshots, a partition attached while streaming is published (leaves are) and streamed; the wait of a
     * partitioned table's copy again, which a snapshot-less task does not have, is not asked for. (Red before: the
     * check of that wait failed the task with a NullPointerException.)
     */
    @Test
    void aPartitionAttachedWhileStreamingWithoutSnapshotsIsStreamed() throws Exception {
        sql("CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_a PARTITION OF parts FOR VALUES IN (1)");
        start(Map.of("snapshot.mode", "never", "publication.partitions", "leaves"));
        // Streaming once its slot exists: the first heartbeat.
        pollUntil(records -> !records.isEmpty());
        sql("INSERT INTO parts VALUES (1, 1)");
        pollUntil(records -> streamed(records, 1));
        sql("CREATE TABLE parts_b PARTITION OF parts FOR VALUES IN (2)");
        // The watch of attached partitions publishes it within seconds; streamed from then on.
        pollUntil(records -> {
            try {
                return published("parts_b");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        sql("INSERT INTO parts VALUES (200, 2)");
        pollUntil(records -> streamed(records, 200));
        // Past the partition's publication at an idle moment, where the watch would plan its copy.
        Thread.sleep(1_000);
        sql("INSERT INTO parts VALUES (201, 2)");
        pollUntil(records -> streamed(records, 201));
    }

    private boolean published(String table) throws SQLException {
        try (Connection c = server.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'pub_taskit' "
                     + "AND tablename = '" + table + "'")) {
            return rs.next() && rs.getLong(1) > 0;
        }
    }

    /** Whether the row {@code id} of table parts was streamed as an insert. */
    private static boolean streamed(List<SourceRecord> records, int id) {
        return records.stream().anyMatch(r -> r.topic().equals("taskit.public.parts") && r.value() != null
                && "c".equals(((Struct) r.value()).getString("op")) && ((Struct) r.key()).getInt32("id") == id);
    }

    /**
     * A partitioned table copied again a second time, with a partition attached meanwhile whose name sorts first (it
     * has no copy stored): its truncate must name a new barrier, as the sink skips one it applied. (Red before: the
     * generation was counted from the first partition's stored offset, none, and the second truncate named the first's
     * barrier.)
     */
    @Test
    void aSecondCopyAgainAfterAPartitionSortingFirstWasAttachedNamesANewTruncate() throws Exception {
        sql("CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_m PARTITION OF parts FOR VALUES IN (1)", "INSERT INTO parts VALUES (1, 1), (2, 1)");
        Map<String, String> filtered = Map.of("table.filters.mode", "connector", "replica.identity.full", "true");
        start(with(filtered, "table.filters", "public.parts: id <> 2"));
        pollUntil(records -> copied(records, 1));
        task.stop();
        start(with(filtered, "table.filters", "public.parts: id <> 3"), context);
        String first = truncateBarrier(pollUntil(records -> copied(records, 2)));

        stopAfterStreaming(20);
        sql("CREATE TABLE parts_a PARTITION OF parts FOR VALUES IN (2)", "INSERT INTO parts VALUES (5, 2)");
        start(with(filtered, "table.filters", "public.parts: id <> 4"), context);
        String second = truncateBarrier(pollUntil(records -> copied(records, 5) && copied(records, 1)));
        assertThat(second).as("the second copy again's truncate").isNotEqualTo(first);
    }

    private static Map<String, String> with(Map<String, String> config, String key, String value) {
        Map<String, String> more = new HashMap<>(config);
        more.put(key, value);
        return more;
    }

    /** The barrier id of the truncate among {@code records} on table parts. */
    private static String truncateBarrier(List<SourceRecord> records) {
        return records.stream().filter(r -> r.topic().equals("taskit.public.parts") && r.value() != null
                        && "t".equals(((Struct) r.value()).getString("op")))
                .map(r -> (String) r.headers().lastWithName(io.adbsync.common.contract.BarrierHeaders.BARRIER).value())
                .findFirst().orElseThrow(() -> new AssertionError("no truncate of parts in " + records));
    }

    /**
     * A partitioned table left out of capture for a while, its partitions all replaced meanwhile: only the table's own
     * mark still says it was left out, and its copy again must drop what the destination kept of the earlier one.
     * (Red before: the new partitions were copied without a truncate.)
     */
    @Test
    void aPartitionedTableLeftOutWhileItsPartitionsWereReplacedIsCopiedAfterATruncate() throws Exception {
        sql("CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_a PARTITION OF parts FOR VALUES IN (1)", "INSERT INTO parts VALUES (1, 1), (2, 1)");
        start(Map.of());
        pollUntil(records -> records.stream().anyMatch(r -> r.sourceOffset() != null
                && Boolean.TRUE.equals(r.sourceOffset().get("partitioned"))));
        task.stop();
        start(Map.of("table.exclude.list", "public\\.parts"), context);
        pollUntil(records -> records.stream().anyMatch(r -> r.sourceOffset() != null
                && Boolean.TRUE.equals(r.sourceOffset().get("partitioned")) && r.sourceOffset().containsKey(SnapshotProgress.LEFT)));
        stopAfterStreaming(30);
        sql("CREATE TABLE parts_z PARTITION OF parts FOR VALUES IN (9)", "DROP TABLE parts_a", "INSERT INTO parts VALUES (900, 9)");
        start(Map.of(), context);
        assertThat(partsOps(pollUntil(records -> copied(records, 900)))).as("captured again").startsWith("t")
                .doesNotContainSequence("r", "t");
    }

    /** Streams a row of orders, its offset stored, and stops the task. */
    private void stopAfterStreaming(int id) throws Exception {
        sql("INSERT INTO orders VALUES (" + id + ", 'streamed')");
        pollUntil(records -> records.stream().anyMatch(r -> isOp(r, "c") && ((Struct) r.key()).getInt32("id") == id));
        task.stop();
    }

    /** Whether the row {@code id} of table parts was copied. */
    private static boolean copied(List<SourceRecord> records, int id) {
        return records.stream().anyMatch(r -> r.topic().equals("taskit.public.parts") && r.value() != null
                && "r".equals(((Struct) r.value()).getString("op")) && ((Struct) r.key()).getInt32("id") == id);
    }

    private static List<String> partsOps(List<SourceRecord> records) {
        return records.stream().filter(r -> r.topic().equals("taskit.public.parts") && r.value() != null)
                .map(r -> ((Struct) r.value()).getString("op")).toList();
    }

    /**
     * A plain table made partitioned (renamed, a partitioned table created under its name, the old one attached to
     * it): copied again after a truncate once, and not at every start after that, though the offset stored under the
     * table's own name, that of the plain table, is never written again.
     */
    @Test
    void aTableMadePartitionedIsCopiedAgainOnceNotAtEveryStart() throws Exception {
        start(Map.of());
        pollUntil(ops("r", 3));
        sql("ALTER TABLE orders RENAME TO orders_old",
                "CREATE TABLE orders (id int, note text, PRIMARY KEY (id)) PARTITION BY RANGE (id)",
                "ALTER TABLE orders ATTACH PARTITION orders_old FOR VALUES FROM (0) TO (1000)");
        List<SourceRecord> again = pollUntil(ops("r", 3));
        assertThat(again.stream().filter(r -> isOp(r, "t") || isOp(r, "r")).map(r -> isOp(r, "t") ? "t" : "r").toList())
                .startsWith("t");
        restart(Map.of());
        sql("INSERT INTO orders VALUES (4, 'streamed')");
        List<SourceRecord> after = pollUntil(ops("c", 1));
        assertThat(after).as("after the restart").noneMatch(r -> isOp(r, "t") || isOp(r, "r"));
    }

    /**
     * A row filter changed in connector mode (the publication, which has no filters then, does not change): the copy
     * made under the old filter no longer holds, rows the new one lets through were never copied and rows it keeps out
     * stay at the destination. The table is copied again after a truncate, under the new filter.
     */
    @Test
    void aTableWhoseRowFilterChangedIsCopiedAgainUnderTheNewFilter() throws Exception {
        sql("ALTER TABLE orders REPLICA IDENTITY FULL");
        start(Map.of("table.filters", "public.orders: id <> 2", "table.filters.mode", "connector"));
        List<SourceRecord> first = pollUntil(ops("r", 2));
        assertThat(first.stream().filter(r -> isOp(r, "r")).map(r -> ((Struct) r.key()).getInt32("id")).toList())
                .containsExactlyInAnyOrder(1, 3);
        restart(Map.of("table.filters", "public.orders: id <> 3", "table.filters.mode", "connector"));
        List<SourceRecord> again = pollUntil(records -> records.stream().filter(r -> isOp(r, "r")).count() >= 2);
        List<String> ops = again.stream().filter(r -> isOp(r, "t") || isOp(r, "r"))
                .map(r -> isOp(r, "t") ? "t" : "r " + ((Struct) r.key()).getInt32("id")).toList();
        assertThat(ops).startsWith("t").containsExactlyInAnyOrder("t", "r 1", "r 2");
    }

    /**
     * A table dropped and created again while streaming, before Connect committed the offsets of its earlier copy
     * (every 60 s by default): the stored offsets said nothing of that copy, so the new copy started without the
     * truncate that drops it, and the rows of the dropped table not in the new one stayed at the destination. What the
     * task handed out itself tells it that there was a copy.
     */
    @Test
    void aTableCreatedAgainBeforeItsCopysOffsetsWereCommittedIsCopiedAfterATruncate() throws Exception {
        start(Map.of());
        List<SourceRecord> first = pollUntil(ops("r", 3), false);
        assertThat(first).noneMatch(r -> isOp(r, "t"));
        sql("DROP TABLE orders", "CREATE TABLE orders (id int PRIMARY KEY, note text)", "INSERT INTO orders VALUES (100, 'new')");
        // The offsets of what follows are stored: a copy that replaces an earlier one waits until the stream's are.
        List<SourceRecord> again = pollUntil(records -> records.stream().anyMatch(r -> (isOp(r, "r") || isOp(r, "c"))
                && ((Struct) r.key()).getInt32("id") == 100));
        List<String> ops = again.stream().filter(r -> isOp(r, "t") || isOp(r, "r") || isOp(r, "c"))
                .map(r -> isOp(r, "t") ? "t" : ((Struct) r.value()).getString("op") + " " + ((Struct) r.key()).getInt32("id"))
                .toList();
        assertThat(ops).as("the new table's records").startsWith("t").contains("r 100");
    }

    /**
     * A table renamed and then given its name again while streaming: what changed under the other name went to that
     * name's topic, so its copy under this name no longer holds. (Red before: the copy was taken as done, and the update
     * made under the other name never reached taskit.public.orders.)
     */
    @Test
    void aTableRenamedAndBackIsCopiedAgainUnderItsName() throws Exception {
        start(Map.of());
        pollUntil(ops("r", 3));
        sql("ALTER TABLE orders RENAME TO orders_v2");
        pollUntil(records -> records.stream().filter(r -> r.topic().equals("taskit.public.orders_v2") && r.value() != null
                && "r".equals(((Struct) r.value()).getString("op"))).count() >= 3);
        sql("UPDATE orders_v2 SET note = 'while away' WHERE id = 1", "ALTER TABLE orders_v2 RENAME TO orders");
        List<SourceRecord> back = pollUntil(records -> records.stream().anyMatch(r -> isOp(r, "r")
                && "while away".equals(((Struct) r.value()).getStruct("after").getString("note"))));
        assertThat(back.stream().filter(r -> isOp(r, "t") || isOp(r, "r")).map(r -> isOp(r, "t") ? "t" : "r").toList())
                .startsWith("t");
    }

    /**
     * A partitioned table renamed while streaming: the server sends no new Relation for its partitions (their own cache
     * entries stay valid), so its changes kept the old name, and went to the old topic, while the new name's copy went
     * to the new one and got none of them. (Red before: the insert after the rename came on taskit.public.parts.)
     */
    @Test
    void aPartitionedTableRenamedWhileStreamingHasItsChangesUnderItsNewName() throws Exception {
        streamingPartitionedParts();
        sql("ALTER TABLE parts RENAME TO parts_v2");
        pollUntil(records -> records.stream().filter(r -> r.topic().equals("taskit.public.parts_v2") && r.value() != null
                && "r".equals(((Struct) r.value()).getString("op"))).count() >= 3);
        assertThat(topicsOfTheRowInserted("INSERT INTO parts_v2 VALUES (4, 1)", 4)).containsOnly("taskit.public.parts_v2");
    }

    /**
     * A partitioned table renamed while another takes its name at once (a swap): the name never goes missing, but the
     * relation was renamed all the same, and its changes must go under its new name, not onto the new table's copy.
     */
    @Test
    void aPartitionedTableRenamedWhileAnotherTakesItsNameHasItsChangesUnderItsNewName() throws Exception {
        streamingPartitionedParts();
        sql("ALTER TABLE parts RENAME TO parts_old",
                "CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_n PARTITION OF parts FOR VALUES IN (1)", "INSERT INTO parts VALUES (50, 1)");
        pollUntil(records -> records.stream().anyMatch(r -> r.topic().equals("taskit.public.parts") && r.key() != null
                && ((Struct) r.key()).getInt32("id") == 50) && records.stream().filter(r -> r.topic()
                .equals("taskit.public.parts_old") && r.value() != null && "r".equals(((Struct) r.value()).getString("op")))
                .count() >= 3);
        assertThat(topicsOfTheRowInserted("INSERT INTO parts_old VALUES (9, 1)", 9)).containsOnly("taskit.public.parts_old");
    }

    /**
     * The archive rotation of a partitioned table while the task was stopped: the old table's last changes, made under
     * the name, must reach the destination before the new table's copy replaces it. (Red before: partitioned tables were
     * copied again at the start, and the old table's insert came after the new copy's truncate.)
     */
    @Test
    void aPartitionedTableRenamedAwayWhileStoppedHasItsLastChangesSentBeforeTheNewTablesCopy() throws Exception {
        streamingPartitionedParts();
        task.stop();
        // The new table's partition parts_a takes the old one's name: the copy stored under it tells that there was a
        // copy. Its partition parts_b is new, so the watch of partitions attached while away finds it too.
        sql("INSERT INTO parts VALUES (100, 1)", "ALTER TABLE parts RENAME TO parts_2024",
                "ALTER TABLE parts_a RENAME TO parts_2024_a",
                "CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_a PARTITION OF parts FOR VALUES IN (1)",
                "CREATE TABLE parts_b PARTITION OF parts FOR VALUES IN (2)",
                "INSERT INTO parts VALUES (1, 1), (50, 1), (60, 2)");
        start(Map.of(), context);
        List<String> events = eventsOn("taskit.public.parts", pollUntil(records -> eventsOn("taskit.public.parts", records)
                .containsAll(List.of("t", "c 100", "r 1", "r 50", "r 60"))));
        int truncate = events.indexOf("t");
        assertThat(events.indexOf("c 100")).as("the old table's insert, in %s", events).isLessThan(truncate);
        assertThat(events.indexOf("r 50")).as("the new table's copy, in %s", events).isGreaterThan(truncate);
        assertThat(events.indexOf("r 60")).as("the copy of its new partition, in %s", events).isGreaterThan(truncate);
    }

    /** A partitioned table parts with a partition, copied, and streamed (its row 3 inserted after the copy came). */
    private void streamingPartitionedParts() throws Exception {
        sql("CREATE TABLE parts (id int, k int, PRIMARY KEY (id, k)) PARTITION BY LIST (k)",
                "CREATE TABLE parts_a PARTITION OF parts FOR VALUES IN (1)", "INSERT INTO parts VALUES (1, 1), (2, 1)");
        start(Map.of());
        pollUntil(records -> records.stream().filter(r -> r.topic().equals("taskit.public.parts") && r.value() != null
                && "r".equals(((Struct) r.value()).getString("op"))).count() >= 2);
        sql("INSERT INTO parts VALUES (3, 1)");
        pollUntil(records -> records.stream().anyMatch(r -> r.topic().equals("taskit.public.parts") && r.key() != null
                && ((Struct) r.key()).getInt32("id") == 3));
    }

    /** The topics the records of key {@code id} came on, once {@code insert} ran and its record came. */
    private List<String> topicsOfTheRowInserted(String insert, int id) throws Exception {
        sql(insert);
        java.util.function.Predicate<SourceRecord> ofId = r -> r.key() instanceof Struct key && key.schema().field("id") != null
                && key.getInt32("id") == id;
        return pollUntil(records -> records.stream().anyMatch(ofId)).stream().filter(ofId).map(SourceRecord::topic).toList();
    }

    /**
     * A table renamed away while the task was stopped, a new one created under its name (an archive rotation): the
     * old table's changes from before the rename, still to be streamed, are its own under that name, and must reach the
     * destination before the new table's copy replaces it, never after, where they would land on the new table's rows.
     * (Red before: the new table was truncated and copied at the start, then the old one's update and insert came.)
     */
    @Test
    void aTableRenamedAwayWhileStoppedHasItsLastChangesSentBeforeTheNewTablesCopy() throws Exception {
        start(Map.of());
        pollUntil(ops("r", 3));
        task.stop();
        sql("UPDATE orders SET note = 'late' WHERE id = 1", "INSERT INTO orders VALUES (100, 'old')",
                "ALTER TABLE orders RENAME TO orders_2024", "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders VALUES (1, 'new')");
        start(Map.of(), context);
        sql("INSERT INTO orders VALUES (3, 'streamed')");
        List<String> events = eventsOn(ORDERS, pollUntil(records -> eventsOn(ORDERS, records)
                .containsAll(List.of("t", "u 1", "c 100", "r 1", "r 3"))));
        int truncate = events.indexOf("t");
        assertThat(events.indexOf("u 1")).as("the old table's update, in %s", events).isLessThan(truncate);
        assertThat(events.indexOf("c 100")).as("the old table's insert, in %s", events).isLessThan(truncate);
        assertThat(events.indexOf("r 1")).as("the new table's copy, in %s", events).isGreaterThan(truncate);
    }

    /**
     * The archive rotation above, and the worker dies after Connect stored the offsets of the new table's truncate and
     * copy but not yet the stream's (offsets of each source partition are stored as far as Kafka acknowledged them in
     * order, so one record of the stream still unacknowledged holds the stream's back). The restart streams again the
     * old table's last changes, under the name they were made under: they must not land on the new table's rows.
     * Applied in order as a sink does, the records of both runs must leave exactly the new table. (Red before: the
     * truncate and copy went out as soon as the stream had received past them, and the restart sent the old table's
     * update and insert after them, leaving row 100 and the old note of row 1.)
     */
    @Test
    void aRestartBeforeTheStreamsOffsetsWereStoredSendsNoChangeOfARenamedAwayTableAfterTheNewTablesCopy() throws Exception {
        // The slot confirms nothing meanwhile (it would, every 10 s): the restart resumes where the stored offsets say.
        Map<String, String> rarelyConfirming = Map.of("status.update.interval.ms", "3600000");
        start(rarelyConfirming);
        pollUntil(ops("r", 3));
        task.stop();
        sql("UPDATE orders SET note = 'late' WHERE id = 1", "INSERT INTO orders VALUES (100, 'old')",
                "ALTER TABLE orders RENAME TO orders_2024", "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders VALUES (1, 'new'), (2, 'new')");
        start(rarelyConfirming, context);
        // Only the copy's records acknowledged and their offsets stored (the worker dies before the stream's are
        // acknowledged, so the slot is not told of them either: a graceful stop would confirm them), and Connect's
        // commits go on.
        List<SourceRecord> firstRun = new ArrayList<>();
        long streamedAt = 0;
        long deadline = System.currentTimeMillis() + 30_000;
        while (streamedAt == 0 || System.currentTimeMillis() < streamedAt + 3_000) {
            assertThat(System.currentTimeMillis()).as("records so far: %s", firstRun).isLessThan(deadline);
            pollOnce(firstRun, false);
            if (streamedAt == 0 && firstRun.stream().anyMatch(r -> isOp(r, "c"))) {
                streamedAt = System.currentTimeMillis();
            }
        }
        assertThat(firstRun).as("the first run, whose stream's offsets are not stored").noneMatch(r -> isOp(r, "t"));
        task.stop();
        start(rarelyConfirming, context);
        sql("INSERT INTO orders VALUES (3, 'streamed')");
        // Until the streamed row and the new table's copy came (a copy made in the first run is not made again).
        long[] streamed = {0};
        List<SourceRecord> secondRun = pollUntil(records -> {
            if (streamed[0] == 0 && records.stream().anyMatch(r -> isOp(r, "c") && ((Struct) r.key()).getInt32("id") == 3)) {
                streamed[0] = System.currentTimeMillis();
            }
            return streamed[0] != 0 && (records.stream().filter(r -> isOp(r, "r")).count() >= 2
                    || System.currentTimeMillis() > streamed[0] + 10_000);
        });
        assertThat(appliedInOrder(java.util.stream.Stream.concat(firstRun.stream(), secondRun.stream()).toList()))
                .as("the records of both runs applied in order")
                .isEqualTo(Map.of(1, "new", 2, "new", 3, "streamed"));
    }

    /**
     * A second rotation while the copy of the first is held (the stream's records not yet acknowledged): the copy
     * that goes out is the newest table's, after the changes of both older ones, and applied in order the records leave
     * exactly the newest table.
     */
    @Test
    void aSecondRotationWhileTheCopyIsHeldEndsWithTheNewestTable() throws Exception {
        start(Map.of());
        pollUntil(ops("r", 3));
        task.stop();
        sql("INSERT INTO orders VALUES (100, 'first')", "ALTER TABLE orders RENAME TO orders_2024",
                "CREATE TABLE orders (id int PRIMARY KEY, note text)", "INSERT INTO orders VALUES (1, 'second')");
        start(Map.of(), context);
        List<SourceRecord> records = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!eventsOn(ORDERS, records).contains("c 100")) {
            assertThat(System.currentTimeMillis()).as("records so far: %s", records).isLessThan(deadline);
            pollOnce(records, false);
        }
        sql("UPDATE orders SET note = 'second, late' WHERE id = 1", "INSERT INTO orders VALUES (200, 'second')",
                "ALTER TABLE orders RENAME TO orders_2025", "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders VALUES (1, 'third'), (3, 'third')");
        while (eventsOn(ORDERS, records).stream().filter(e -> e.startsWith("r ")).count() < 2) {
            assertThat(System.currentTimeMillis()).as("records so far: %s", records).isLessThan(deadline);
            pollOnce(records, true);
        }
        assertThat(appliedInOrder(records)).as("events %s", eventsOn(ORDERS, records)).isEqualTo(Map.of(1, "third", 3, "third"));
    }

    /** What a sink makes of the records of taskit.public.orders applied in order: id to note. */
    private static Map<Integer, String> appliedInOrder(List<SourceRecord> records) {
        Map<Integer, String> destination = new java.util.TreeMap<>();
        for (SourceRecord r : records) {
            if (isOp(r, "t")) {
                destination.clear();
            } else if (isOp(r, "r") || isOp(r, "c") || isOp(r, "u")) {
                destination.put(((Struct) r.key()).getInt32("id"), ((Struct) r.value()).getStruct("after").getString("note"));
            } else if (isOp(r, "d")) {
                destination.remove(((Struct) r.key()).getInt32("id"));
            }
        }
        return destination;
    }

    /**
     * One poll into {@code records}, its copy's records acknowledged and their offsets stored, and the stream's only
     * with {@code acknowledgeStream}; then Connect's commit.
     */
    private void pollOnce(List<SourceRecord> records, boolean acknowledgeStream) throws InterruptedException {
        pollOnce(records, r -> acknowledgeStream || isCopy(r), r -> acknowledgeStream || isCopy(r));
    }

    /** One poll into {@code records}, the records {@code acknowledged} acknowledged and those {@code stored} stored. */
    private void pollOnce(List<SourceRecord> records, Predicate<SourceRecord> acknowledged, Predicate<SourceRecord> stored)
            throws InterruptedException {
        List<SourceRecord> batch = task.poll();
        for (SourceRecord r : batch == null ? List.<SourceRecord>of() : batch) {
            if (acknowledged.test(r)) {
                task.commitRecord(r, null);
            }
            if (stored.test(r)) {
                context.commit(r);
            }
            records.add(r);
        }
        task.commit();
    }

    /** Whether {@code r} is of a copy: its truncate or a copied row. */
    private static boolean isCopy(SourceRecord r) {
        return isOp(r, "t") || isOp(r, "r");
    }

    /**
     * The same rotation where a transform drops the stream's records (a filtered heartbeat topic): Connect acknowledges
     * them without metadata and never stores their offsets, and a restart would send them to the same transform again,
     * so the new table's copy goes out once they are acknowledged. (Red before: the copy waited for a stored offset
     * that never came.)
     */
    @Test
    void aHeldCopyGoesOutWhenTheStreamsRecordsAreDroppedByATransform() throws Exception {
        start(Map.of());
        pollUntil(ops("r", 3));
        task.stop();
        sql("INSERT INTO orders VALUES (100, 'old')", "ALTER TABLE orders RENAME TO orders_2024",
                "CREATE TABLE orders (id int PRIMARY KEY, note text)", "INSERT INTO orders VALUES (1, 'new')");
        start(Map.of(), context);
        List<SourceRecord> records = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (records.stream().noneMatch(r -> isOp(r, "r"))) {
            assertThat(System.currentTimeMillis()).as("records so far: %s", records).isLessThan(deadline);
            // Every record acknowledged, only the copy's stored: the stream's were dropped by the transform.
            pollOnce(records, r -> true, AdbPgSourceTaskIT::isCopy);
        }
        assertThat(eventsOn(ORDERS, records)).as("the old table's insert, the truncate, the new table's copy")
                .containsSubsequence("c 100", "t", "r 1");
    }

    /**
     * Polls until rows 1 to {@code rows} came as copied rows, terminating the copy's COPY once its first rows went out;
     * returns where truncates of the table came, as "truncate after N rows".
     */
    private List<String> copyLosingItsConnectionOnce(int rows) throws Exception {
        BitSet ids = new BitSet();
        List<String> truncates = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 90_000;
        boolean lost = false;
        while (ids.cardinality() < rows) {
            assertThat(System.currentTimeMillis()).as("rows so far: %d", ids.cardinality()).isLessThan(deadline);
            List<SourceRecord> batch = task.poll();
            if (batch == null) {
                continue;
            }
            for (SourceRecord r : batch) {
                if (isOp(r, "t")) {
                    truncates.add("truncate after " + ids.cardinality() + " rows");
                }
                if (isOp(r, "r")) {
                    ids.set(((Struct) r.key()).getInt32("id"));
                }
                task.commitRecord(r, null);
                context.commit(r);
            }
            task.commit();
            if (!lost && !ids.isEmpty()) {
                lost = true;
                assertThat(ids.cardinality()).as("rows handed out before the connection is lost").isLessThan(rows);
                assertThat(server.scalar(database, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                        + "datname = current_database() AND application_name = 'adbsync-snapshot' AND state = 'active' "
                        + "AND query LIKE 'COPY %'")).as("the round's COPY was running when its connection was lost")
                        .isEqualTo("1");
            }
        }
        assertThat(ids.nextClearBit(1)).isEqualTo(rows + 1);
        return truncates;
    }

    /**
     * Rows of ~1.5 kB (stored inline, five to a heap block): 6,000 of them are fewer than snapshot.chunk.rows, and would
     * be one chunk of 9 MB read whole into memory; with snapshot.chunk.bytes at 256 kB they are read in CTID ranges of
     * about that many bytes, and every row comes whole.
     */
    @Test
    void aTableOfWideRowsIsCopiedInChunksOfAtMostSnapshotChunkBytesByCtid() throws Exception {
        assumeTrue(Integer.parseInt(server.scalar(database, "SHOW server_version_num")) >= 140_000,
                "CTID ranges are scanned from PostgreSQL 14 on");
        sql("TRUNCATE orders", "INSERT INTO orders SELECT g, (SELECT string_agg(md5(g::text || i::text), '') "
                + "FROM generate_series(1, 47) i) FROM generate_series(1, 6000) g", "ANALYZE orders");
        assertWideRowsCopiedInChunks(6_000, 1_504, Map.of("snapshot.chunk.bytes", "262144", "snapshot.chunking", "ctid"));
    }

    /**
     * Rows of ~100 kB, TOASTed: the heap holds pointers, a hundred and more to a block, so its size on disk says nothing
     * of a row's width, and a CTID range (a block at least) would be 15 MB. Split by key (what snapshot.chunking=auto
     * picks for them on 14+ too): chunks of about ten rows, not one chunk of 30 MB.
     */
    @Test
    void aTableOfWideToastedRowsIsCopiedInChunksOfAtMostSnapshotChunkBytesByKey() throws Exception {
        sql("TRUNCATE orders", "INSERT INTO orders SELECT g, (SELECT string_agg(md5(g::text || i::text), '') "
                + "FROM generate_series(1, 3125) i) FROM generate_series(1, 300) g", "ANALYZE orders");
        assertWideRowsCopiedInChunks(300, 100_000, Map.of("snapshot.chunk.bytes", "1048576"));
    }

    /**
     * Narrow rows, then wide ones under the later keys: the sample's average plans chunks of ~126 rows, 6 MB where the
     * rows are wide. The key ranges after the first chunk that read wide rows go by the width read: ~20 rows each.
     */
    @Test
    void keyRangesAfterAChunkOfWiderRowsThanTheSampleSaidHoldFewerRows() throws Exception {
        sql("TRUNCATE orders", "INSERT INTO orders SELECT g, 'n' FROM generate_series(1, 3000) g",
                "INSERT INTO orders SELECT g, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 1563) i) "
                        + "FROM generate_series(3001, 3600) g", "ANALYZE orders");
        start(Map.of("snapshot.chunk.bytes", "1048576", "snapshot.chunking", "key", "snapshot.max.threads", "1"));
        List<SourceRecord> records = pollUntil(ops("r", 3_600));
        Map<Map<String, ?>, Integer> wideRowsByOffset = new HashMap<>();
        for (SourceRecord r : records) {
            if (isOp(r, "r") && ((Struct) r.key()).getInt32("id") > 3_000) {
                wideRowsByOffset.merge(r.sourceOffset(), 1, Integer::sum);
            }
        }
        // 1 MB holds 20 rows of 50 kB: past the chunk that found them wide (and the one planned with it), none holds
        // many more.
        assertThat(wideRowsByOffset.values().stream().filter(n -> n > 41).count())
                .as("chunks of more than 41 wide rows: %s", wideRowsByOffset.values()).isLessThanOrEqualTo(2);
    }

    /**
     * A chunk much bigger than snapshot.chunk.bytes (here one CTID block of ~150 TOASTed rows of 100 kB, 15 MB against
     * 1 MB, as explicit ctid chunking cannot split a block) spills what is past its budget to disk, converted after its
     * transaction ended: every row comes whole, once, in order, and the snapshot metrics show the bytes spilled.
     */
    @Test
    void aChunkHoldingMoreThanSnapshotChunkBytesSpillsTheRestAndLosesNothing() throws Exception {
        assumeTrue(Integer.parseInt(server.scalar(database, "SHOW server_version_num")) >= 140_000,
                "CTID ranges are scanned from PostgreSQL 14 on");
        sql("TRUNCATE orders", "INSERT INTO orders SELECT g, (SELECT string_agg(md5(g::text || i::text), '') "
                + "FROM generate_series(1, 3125) i) FROM generate_series(1, 300) g", "ANALYZE orders");
        // Two threads, two chunks (blocks) of ~150 rows in one round: the second is not taken before the first is
        // handed out, so most of it spills whatever the task's pace.
        start(Map.of("snapshot.chunk.bytes", "1048576", "snapshot.chunking", "ctid", "max.batch.size", "50",
                "snapshot.max.threads", "2", AdbPgSourceConnector.TASK_ID, "7"));
        List<SourceRecord> records = pollUntil(ops("r", 300));
        List<Integer> ids = new ArrayList<>();
        for (SourceRecord r : records) {
            if (isOp(r, "r")) {
                Struct after = ((Struct) r.value()).getStruct("after");
                assertThat(after.getString("note")).as("row %d", after.getInt32("id")).hasSize(100_000)
                        .startsWith(md5(after.getInt32("id") + "1"));
                ids.add(after.getInt32("id"));
            }
        }
        assertThat(ids).hasSize(300).doesNotHaveDuplicates().isSorted();
        MBeanServer beans = ManagementFactory.getPlatformMBeanServer();
        long spilled = (Long) beans.getAttribute(new ObjectName("io.adbsync:type=source-snapshot,connector="
                + ObjectName.quote("orders-source") + ",task=" + ObjectName.quote("7")), "BytesSpilled");
        assertThat(spilled).as("bytes spilled").isGreaterThan(10_000_000L);
    }

    /**
     * A key declared in another order than its columns ({@code PRIMARY KEY (b, a)}): key ranges go in the index's order,
     * so each boundary and each chunk is an index range. In column order every boundary was a scan and sort of the rest
     * of the table, a copy quadratic in its size (on AnalyticDB 7, Greenplum 7 and PostgreSQL before 14).
     */
    @Test
    void keyRangesOfAKeyDeclaredInAnotherOrderThanItsColumnsAreReadByTheKeysIndex() throws Exception {
        sql("CREATE TABLE pairs (a int, b int, note text, PRIMARY KEY (b, a))",
                "INSERT INTO pairs SELECT g % 100, g / 100, 'p' || g FROM generate_series(0, 19999) g", "ANALYZE pairs");
        long seqScansBefore = tableScans("seq_scan");
        start(Map.of("snapshot.chunking", "key", "snapshot.chunk.rows", "100", "snapshot.max.threads", "1"));
        List<SourceRecord> records = pollUntil(all -> all.stream().filter(r -> r.topic().equals("taskit.public.pairs")
                && r.value() != null).count() >= 20_000);
        BitSet copied = new BitSet();
        for (SourceRecord r : records) {
            if (r.topic().equals("taskit.public.pairs") && r.value() != null) {
                Struct after = ((Struct) r.value()).getStruct("after");
                copied.set(after.getInt32("b") * 100 + after.getInt32("a"));
            }
        }
        assertThat(copied.cardinality()).isEqualTo(20_000);
        // A backend reports its counts when idle, within seconds: 200 boundaries and as many chunks read by index.
        long deadline = System.currentTimeMillis() + 30_000;
        while (tableScans("idx_scan") < 400 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        long seqScans = tableScans("seq_scan") - seqScansBefore;
        assertThat(seqScans).as("sequential scans of pairs during its copy").isZero();
        assertThat(tableScans("idx_scan")).as("index scans of pairs").isGreaterThanOrEqualTo(400);
    }

    /**
     * A primary key with INCLUDE columns: only its key columns are the key, in the copy as in the stream (pgoutput flags
     * only those), so a row's copy and its changes have one key, one shard and one destination row; the included column
     * may be null, and key ranges go by the key alone.
     */
    @Test
    void includedColumnsOfAPrimaryKeyAreNotPartOfTheKey() throws Exception {
        sql("CREATE TABLE incl (id int, note text, PRIMARY KEY (id) INCLUDE (note))",
                "INSERT INTO incl SELECT g, CASE WHEN g % 2 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 500) g",
                "ANALYZE incl");
        start(Map.of("snapshot.chunking", "key", "snapshot.chunk.rows", "100", "snapshot.max.threads", "1"));
        Predicate<SourceRecord> incl = r -> r.topic().equals("taskit.public.incl") && r.value() != null;
        List<SourceRecord> copied = pollUntil(all -> all.stream().filter(incl).count() >= 500);
        BitSet ids = new BitSet();
        for (SourceRecord r : copied) {
            if (incl.test(r)) {
                assertThat(r.keySchema().fields()).extracting(org.apache.kafka.connect.data.Field::name).containsExactly("id");
                ids.set(((Struct) r.key()).getInt32("id"));
            }
        }
        assertThat(ids.cardinality()).isEqualTo(500);
        sql("UPDATE incl SET note = 'changed' WHERE id = 2");
        List<SourceRecord> streamed = pollUntil(all -> all.stream().anyMatch(r -> incl.test(r)
                && "u".equals(((Struct) r.value()).getString("op"))));
        SourceRecord update = streamed.stream().filter(r -> incl.test(r) && "u".equals(((Struct) r.value()).getString("op")))
                .findFirst().orElseThrow();
        assertThat(update.keySchema().fields()).extracting(org.apache.kafka.connect.data.Field::name).containsExactly("id");
    }

    /**
     * A key column's collation changed between two runs of a key-range copy (no rewrite: only the index is rebuilt). The
     * stored bound is a key in the old order, and ranges after it in the new order would skip every row that sorts before
     * it now and came after it then; the copy starts again instead, and every row comes. (Red before: the lower-case
     * keys past the bound in C order were never copied.)
     */
    @Test
    void aKeyRangeCopyResumedAfterItsKeysCollationChangedLosesNoRow() throws Exception {
        assumeTrue("1".equals(server.scalar(database, "SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'")),
                "needs a server built with ICU");
        createWords();
        start(WORD_COPY);
        Set<String> copied = new HashSet<>(copiedWords(pollUntil(all -> copiedWords(all).size() >= 1_000)));
        assertThat(copied).hasSizeLessThan(WORDS);
        task.stop();
        // Under C every upper-case key sorts before every lower-case one; under ICU's root collation a < A < b < B ...
        sql("ALTER TABLE words ALTER COLUMN w TYPE text COLLATE \"und-x-icu\"");
        start(WORD_COPY, context);
        copied.addAll(copiedWords(pollUntil(AdbPgSourceTaskIT::wordsCopyDone)));
        assertThat(copied).as("rows copied over both runs").hasSize(WORDS);
    }

    /** The same change during one run of the copy: its later ranges would compare keys in the new order. */
    @Test
    void aKeyRangeCopyWhoseKeysCollationChangesDuringItLosesNoRow() throws Exception {
        assumeTrue("1".equals(server.scalar(database, "SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'")),
                "needs a server built with ICU");
        createWords();
        start(WORD_COPY);
        List<SourceRecord> before = pollUntil(all -> copiedWords(all).size() >= 1_000);
        assertThat(copiedWords(before)).hasSizeLessThan(WORDS);
        sql("SET lock_timeout = '20s'", "ALTER TABLE words ALTER COLUMN w TYPE text COLLATE \"und-x-icu\"");
        Set<String> copied = new HashSet<>(copiedWords(before));
        copied.addAll(copiedWords(pollUntil(AdbPgSourceTaskIT::wordsCopyDone)));
        assertThat(copied).as("rows copied").hasSize(WORDS);
    }

    private static final int WORDS = 3_000;
    private static final Map<String, String> WORD_COPY = Map.of("snapshot.chunking", "key", "snapshot.chunk.rows", "100",
            "snapshot.max.threads", "1", "max.batch.size", "100");

    /** Keys of upper- and lower-case initials, which C and ICU order differently. */
    private void createWords() throws SQLException {
        sql("CREATE TABLE words (w text PRIMARY KEY, n int)",
                "INSERT INTO words SELECT CASE WHEN g % 2 = 0 THEN chr(97 + g % 26) ELSE chr(65 + g % 26) END "
                        + "|| lpad(g::text, 5, '0'), g FROM generate_series(1, " + WORDS + ") g", "ANALYZE words");
    }

    private static List<String> copiedWords(List<SourceRecord> records) {
        return records.stream().filter(r -> r.topic().equals("taskit.public.words") && r.value() != null
                && "r".equals(((Struct) r.value()).getString("op")))
                .map(r -> ((Struct) r.key()).getString("w")).toList();
    }

    private static boolean wordsCopyDone(List<SourceRecord> records) {
        // The offset saying so may come on a record of its own (a last range found empty), not on a row's.
        return records.stream().anyMatch(r -> r.sourcePartition() != null && "public.words".equals(r.sourcePartition().get("snapshot"))
                && r.sourceOffset() != null && Boolean.TRUE.equals(r.sourceOffset().get("done")));
    }

    private long tableScans(String column) throws SQLException {
        return Long.parseLong(server.scalar(database, "SELECT coalesce(" + column + ", 0) FROM pg_stat_user_tables "
                + "WHERE relname = 'pairs'"));
    }

    private static String md5(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private void assertWideRowsCopiedInChunks(int rows, int width, Map<String, String> config) throws Exception {
        start(config);
        List<SourceRecord> records = pollUntil(ops("r", rows));
        BitSet ids = new BitSet();
        // A chunk's rows carry the offset of its start, its last row the offset of the next chunk's start.
        Map<Map<String, ?>, Integer> rowsByOffset = new HashMap<>();
        for (SourceRecord r : records) {
            if (isOp(r, "r")) {
                Struct after = ((Struct) r.value()).getStruct("after");
                assertThat(after.getString("note")).as("row %d", after.getInt32("id")).hasSize(width);
                ids.set(after.getInt32("id"));
                rowsByOffset.merge(r.sourceOffset(), 1, Integer::sum);
            }
        }
        assertThat(ids.nextClearBit(1)).isEqualTo(rows + 1);
        long bytes = Long.parseLong(config.get("snapshot.chunk.bytes"));
        int expectedChunks = (int) ((long) rows * width / bytes);
        assertThat(rowsByOffset.size() - 1).as("chunks").isBetween(expectedChunks / 2, expectedChunks * 2);
        // No chunk much over the bytes: the largest holds at most twice the rows they allow (and the row carrying
        // the previous chunk's end).
        assertThat(java.util.Collections.max(rowsByOffset.values())).as("rows of the largest chunk, by offset: %s",
                rowsByOffset.values()).isLessThanOrEqualTo((int) (2 * bytes / width) + 1);
    }

    private boolean slotActive() {
        try (Connection c = server.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            return rs.next() && rs.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
