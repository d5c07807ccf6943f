package io.adbsync.sink.barrier;

import io.adbsync.sink.AdbPgSinkTask;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.adbsync.sink.barrier.SinkTaskFixture.ids;
import static io.adbsync.sink.barrier.SinkTaskFixture.rec2;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Barrier arrivals and the zombie fence wait on advisory locks and then read what the transaction they waited for
 * committed: on a destination whose sessions default to REPEATABLE READ (or SERIALIZABLE) that read would use a
 * snapshot taken before the wait, unless the sink's own transactions are READ COMMITTED.
 */
class BarrierIsolationIT extends SinkTaskDatabaseTest {

    @Override
    protected String databasePrefix() {
        return "barrier_isolation";
    }

    @BeforeEach
    void repeatableReadByDefault() throws Exception {
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + db + " SET default_transaction_isolation = 'repeatable read'");
        }
    }

    @Test
    void twoLastArrivalsRecordedAtOnceApplyTheTruncate() throws Exception {
        AdbPgSinkTask a = task(pg, db, p0);
        AdbPgSinkTask c = task(pg, db, p1);
        a.put(List.of(rec2(0, 0, 0, null)));
        c.put(List.of(rec2(1, 0, 10, null)));
        try (Connection blocker = pg.connect(db)) {
            blocker.setAutoCommit(false);
            execute(blocker, "LOCK TABLE public.items IN SHARE MODE");
            // A takes the barrier's lock and waits to write its row; C's arrival at the same barrier waits for A's.
            CompletableFuture<Void> aPut = CompletableFuture.runAsync(() -> a.put(List.of(rec2(0, 1, 1, null), rec2(0, 2, null, "b1"))));
            awaitSessionsWaitingForLocks(1);
            CompletableFuture<Void> cPut = CompletableFuture.runAsync(() -> c.put(List.of(rec2(1, 1, null, "b1"))));
            awaitSessionsWaitingForLocks(2);
            blocker.commit();
            aPut.get(30, TimeUnit.SECONDS);
            cPut.get(30, TimeUnit.SECONDS);
        }
        a.stop();
        c.stop();
        assertThat(ids(pg, db)).as("truncated once both partitions arrived").isEmpty();
    }

    @Test
    void aZombiesArrivalCommittedWhileTheOwnersBatchWaitedIsSeen() throws Exception {
        AdbPgSinkTask a = task(pg, db, p0);
        a.put(List.of(rec2(0, 0, 0, null)));
        AdbPgSinkTask c = task(pg, db, p1);
        c.put(List.of(rec2(1, 0, 10, null), rec2(1, 1, null, "b1")));      // P1 holds
        AdbPgSinkTask b = task(pg, db, p0);                                   // A kicked out; B owns P0
        b.put(List.of(rec2(0, 0, 0, null)));                                  // B loads: no arrival of P0
        try (Connection blocker = pg.connect(db)) {
            blocker.setAutoCommit(false);
            execute(blocker, "LOCK TABLE public.items IN SHARE MODE");
            // Zombie A records P0's arrival (completing the barrier) while B's batch of P0 waits for it.
            CompletableFuture<Void> zombie = CompletableFuture.runAsync(() -> a.put(List.of(rec2(0, 1, 1, null), rec2(0, 2, null, "b1"))));
            awaitSessionsWaitingForLocks(1);
            CompletableFuture<Void> owner = CompletableFuture.runAsync(() -> b.put(List.of(rec2(0, 1, 1, null))));
            awaitSessionsWaitingForLocks(2);
            blocker.commit();
            zombie.get(30, TimeUnit.SECONDS);
            owner.get(30, TimeUnit.SECONDS);
        }
        b.put(List.of(rec2(0, 2, null, "b1"), rec2(0, 3, 3, null)));
        a.stop();
        b.stop();
        c.stop();
        assertThat(ids(pg, db)).as("only row 3 was written after the truncate").containsExactly(3);
    }

    private void awaitSessionsWaitingForLocks(int sessions) {
        Awaitility.await(sessions + " session(s) waiting for a lock").atMost(Duration.ofSeconds(30)).until(() -> {
            try (Connection c = pg.connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
                rs.next();
                return rs.getInt(1) >= sessions;
            }
        });
    }

    private static void execute(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
