package io.adbsync.sink.barrier;

import io.adbsync.common.contract.BarrierHeaders.Position;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The truncate barrier table on real servers: tasks arriving at one barrier at once are serialized, the last
 * arrival truncates exactly once in its own transaction, what was applied reads back, and a batch and an arrival on one
 * partition commit one after the other.
 */
class BarrierStoreIT {

    private static final TableId BARRIERS = new TableId("adbsync", "barriers");
    private static final TableId ITEMS = new TableId("public", "items");
    private static final String TOPIC = "p.public.items";

    @Test
    void onPostgres() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("barrier_store");
        try {
            lastArrivalTruncatesOnceAndWhatWasAppliedReadsBack(pg, db);
            aBatchAndAnArrivalOnOnePartitionWaitForEachOther(pg, db);
        } finally {
            pg.dropDatabase(db);
        }
    }

    @Test
    void onGreenplum() throws Exception {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String db = gp.createDatabase("barrier_store");
        try {
            lastArrivalTruncatesOnceAndWhatWasAppliedReadsBack(gp, db);
            aBatchAndAnArrivalOnOnePartitionWaitForEachOther(gp, db);
            try (Connection c = gp.connect(db); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT am.amname, pg_get_table_distributedby(c.oid) FROM pg_class c "
                         + "JOIN pg_am am ON am.oid = c.relam WHERE c.oid = 'adbsync.barriers'::regclass")) {
                rs.next();
                // Heap, although new sessions of this database make tables append-optimized: a key needs heap.
                assertThat(rs.getString(1)).isEqualTo("heap");
                assertThat(rs.getString(2)).isEqualTo("DISTRIBUTED BY (connector, topic, barrier)");
            }
        } finally {
            gp.dropDatabase(db);
        }
    }

    private static void lastArrivalTruncatesOnceAndWhatWasAppliedReadsBack(PostgresServer server, String db) throws Exception {
        Dialect dialect;
        try (Connection c = server.connect(db); Statement s = c.createStatement()) {
            dialect = Dialects.detect(c);
            if (dialect.distributesRows()) {
                s.execute("ALTER DATABASE " + db + " SET default_table_access_method = 'ao_row'");
            }
            s.execute("CREATE TABLE items (id int PRIMARY KEY, v text)" + (dialect.distributesRows() ? " USING heap" : ""));
        }
        BarrierStore store = new BarrierStore(BARRIERS, "sink", dialect);
        try (Connection a = open(server, db); Connection b = open(server, db)) {
            assertThat(store.exists(a)).isFalse();
            // Both tasks create the table (and its schema) at once.
            CompletableFuture<Void> ensureB = CompletableFuture.runAsync(() -> ensure(store, b));
            store.ensureTable(a);
            ensureB.get(30, TimeUnit.SECONDS);
            store.ensureTable(a);
            assertThat(store.exists(b)).isTrue();

            BarrierKey barrier = new BarrierKey(TOPIC, "stream:0/10:3");
            Position position = new Position("7301234567890123456", 0x10, 3 * 65_536L);
            BarrierCopy copy0 = new BarrierCopy(new TopicPartition(TOPIC, 0), 40, barrier, 2, position, ITEMS,
                    new Position("7301234567890123456", 0x10, 2 * 65_536L));
            BarrierCopy copy1 = new BarrierCopy(new TopicPartition(TOPIC, 1), 7, barrier, 2, position, ITEMS, null);

            // Task a: its rows before the copy of partition 0, then its arrival, in one transaction left open.
            store.lock(a, List.of(barrier));
            execute(a, "INSERT INTO items VALUES (1, 'before, partition 0')");
            assertThat(store.arrive(a, List.of(copy0))).isEmpty();

            // Task b reaches partition 1's copy meanwhile: it waits for a's lock before writing anything.
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Map<BarrierKey, Completion>> arrivalB = CompletableFuture.supplyAsync(() -> {
                try {
                    started.countDown();
                    store.lock(b, List.of(barrier));
                    execute(b, "INSERT INTO items VALUES (2, 'before, partition 1')");
                    Map<BarrierKey, Completion> applied = store.arrive(b, List.of(copy1));
                    b.commit();
                    return applied;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            started.await();
            Thread.sleep(300);
            assertThat(arrivalB).as("b waits for a's lock").isNotDone();
            a.commit();
            Map<BarrierKey, Completion> applied = arrivalB.get(30, TimeUnit.SECONDS);
            assertThat(applied).containsOnlyKeys(barrier);
            assertThat(applied.get(barrier).offsets()).isEqualTo(Map.of(0, 40L, 1, 7L));
            assertThat(applied.get(barrier).position()).isEqualTo(position);
            assertThat(applied.get(barrier).caps()).as("partition 1's task saw nothing before its copy")
                    .isEqualTo(Map.of(0, new Position("7301234567890123456", 0x10, 2 * 65_536L)));
            // b's arrival, the last, truncated everything written before either copy.
            assertThat(rows(a)).isEmpty();

            // A copy delivered again later (a restart before the offset commit, or a re-send by the source) finds the
            // barrier applied and truncates nothing written since.
            execute(a, "INSERT INTO items VALUES (3, 'after')");
            a.commit();
            store.lock(a, List.of(barrier));
            BarrierCopy again = new BarrierCopy(new TopicPartition(TOPIC, 0), 55, barrier, 2, position, ITEMS, null);
            assertThat(store.arrive(a, List.of(again)).get(barrier).offsets()).isEqualTo(Map.of(0, 40L, 1, 7L));
            a.commit();
            assertThat(rows(a)).containsExactly("3");

            BarrierStore.Applied read = store.applied(b, TOPIC);
            assertThat(read.offsets()).isEqualTo(Map.of(0, 40L, 1, 7L));
            assertThat(read.arrivals()).isEqualTo(Map.of(0, 40L, 1, 7L));
            // A pending arrival reads back too: the records of its partition before the copy were processed with it.
            BarrierKey next = new BarrierKey(TOPIC, "stream:0/30:1");
            store.lock(a, List.of(next));
            store.arrive(a, List.of(new BarrierCopy(new TopicPartition(TOPIC, 0), 60, next, 2, position, ITEMS, null)));
            a.commit();
            BarrierStore.Applied pending = store.applied(b, TOPIC);
            assertThat(pending.offsets()).as("applied only").isEqualTo(Map.of(0, 40L, 1, 7L));
            assertThat(pending.arrivals()).isEqualTo(Map.of(0, 60L, 1, 7L));
            assertThat(read.position()).isEqualTo(position);
            assertThat(read.caps()).isEqualTo(Map.of(0, new Position("7301234567890123456", 0x10, 2 * 65_536L)));
            assertThat(store.applied(b, "p.public.other").offsets()).isEmpty();
            assertThat(new BarrierStore(BARRIERS, "another sink", dialect).applied(b, TOPIC).offsets()).isEmpty();

            // A snapshot's truncate of a table never written to: applied without a table to truncate.
            BarrierKey snapshot = new BarrierKey("p.public.never", "snapshot:99:1");
            store.lock(a, List.of(snapshot));
            assertThat(store.arrive(a, List.of(new BarrierCopy(new TopicPartition("p.public.never", 0), 0, snapshot, 1, null,
                    new TableId("public", "never"), null)))).containsKey(snapshot);
            a.commit();
            assertThat(store.states(a, List.of(snapshot)).get(snapshot).applied()).isTrue();

            // Copies that disagree on the partition count: the source was reconfigured in between.
            BarrierKey mixed = new BarrierKey(TOPIC, "stream:0/20:1");
            store.lock(a, List.of(mixed));
            store.arrive(a, List.of(new BarrierCopy(new TopicPartition(TOPIC, 0), 60, mixed, 3, null, ITEMS, null)));
            assertThatThrownBy(() -> store.arrive(a, List.of(new BarrierCopy(new TopicPartition(TOPIC, 1), 9, mixed, 2, null, ITEMS, null))))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("The copies of truncate barrier stream:0/20:1 of topic p.public.items state different "
                            + "partition counts (3 and 2");
            a.rollback();
        }
    }

    /**
     * A batch's shared lock on a partition's arrivals and an arrival's exclusive lock: each transaction commits wholly
     * before the other reads, so a batch either commits before a zombie's arrival or reads it before its first row.
     */
    private static void aBatchAndAnArrivalOnOnePartitionWaitForEachOther(PostgresServer server, String db) throws Exception {
        Dialect dialect;
        try (Connection c = server.connect(db)) {
            dialect = Dialects.detect(c);
        }
        BarrierStore store = new BarrierStore(BARRIERS, "zombie sink", dialect);
        TopicPartition p0 = new TopicPartition(TOPIC, 0);
        TopicPartition p1 = new TopicPartition(TOPIC, 1);
        TopicPartition other = new TopicPartition("p.public.other", 0);
        BarrierKey barrier = new BarrierKey(TOPIC, "stream:0/40:1");
        try (Connection owner = open(server, db); Connection zombie = open(server, db)) {
            // The new owner of partition 0 writes a batch: no arrival of it yet.
            store.lockArrivals(owner, List.of(), List.of(p0, other));
            assertThat(store.arrivals(owner, List.of(p0, other))).isEmpty();
            CompletableFuture<Void> arrival = async(() -> {
                store.lock(zombie, List.of(barrier));
                store.lockArrivals(zombie, List.of(p0), List.of());
                store.arrive(zombie, List.of(new BarrierCopy(p0, 12, barrier, 2, null, ITEMS, null)));
                zombie.commit();
                return null;
            });
            Thread.sleep(300);
            assertThat(arrival).as("the zombie's arrival waits for the owner's batch").isNotDone();
            owner.commit();
            arrival.get(30, TimeUnit.SECONDS);

            // The other way round: an arrival being recorded, then a batch of that partition, which reads it.
            store.lock(zombie, List.of(barrier));
            store.lockArrivals(zombie, List.of(p1), List.of());
            store.arrive(zombie, List.of(new BarrierCopy(p1, 5, barrier, 2, null, ITEMS, null)));
            CompletableFuture<Map<TopicPartition, Long>> read = async(() -> {
                store.lockArrivals(owner, List.of(), List.of(p0, p1, other));
                return store.arrivals(owner, List.of(p0, p1, other));
            });
            Thread.sleep(300);
            assertThat(read).as("the batch waits for the arrival").isNotDone();
            zombie.commit();
            assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(Map.of(p0, 12L, p1, 5L));
            owner.commit();
        }
    }

    private interface SqlCall<T> {
        T call() throws SQLException;
    }

    private static <T> CompletableFuture<T> async(SqlCall<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static Connection open(PostgresServer server, String db) throws SQLException {
        Connection c = server.connect(db);
        c.setAutoCommit(false);
        return c;
    }

    /**
     * The statement the hold warning tells an operator to run releases exactly the barrier it names, whatever the
     * barrier id (a record header) holds and whatever standard_conforming_strings says where it is pasted: with it off,
     * a backslash in a plain literal escaped the quote after it and ended the literal there.
     */
    @Test
    void theReleaseStatementNamesItsBarrierExactlyWhateverItsIdHolds() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("barrier_release");
        try (Connection c = open(pg, db)) {
            BarrierStore store = new BarrierStore(BARRIERS, "sink", Dialects.detect(c));
            store.ensureTable(c);
            BarrierKey odd = new BarrierKey(TOPIC, "x\\' OR true OR '\\");
            BarrierKey other = new BarrierKey(TOPIC, "stream:0/10:3");
            for (BarrierKey barrier : List.of(odd, other)) {
                store.lock(c, List.of(barrier));
                store.arrive(c, List.of(new BarrierCopy(new TopicPartition(TOPIC, 0), 1, barrier, 2, null, ITEMS, null)));
            }
            c.commit();
            for (String setting : List.of("off", "on")) {
                execute(c, "SET standard_conforming_strings = " + setting);
                execute(c, store.releaseStatement(odd));
                assertThat(store.state(c, odd).applied()).as("standard_conforming_strings " + setting).isTrue();
                assertThat(store.state(c, other).applied()).as("standard_conforming_strings " + setting).isFalse();
                c.rollback();
            }
        } finally {
            pg.dropDatabase(db);
        }
    }

    private static void ensure(BarrierStore store, Connection c) {
        try {
            store.ensureTable(c);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static List<String> rows(Connection c) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM items ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        c.commit();
        return rows;
    }
}
