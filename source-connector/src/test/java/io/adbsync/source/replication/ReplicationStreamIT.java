package io.adbsync.source.replication;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.source.pgoutput.PgOutputDecoder;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.source.wal.Lsn;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ReplicationStream} with {@link LsnAckTracker} against a real server: the slot only moves as far as Kafka acknowledged. */
class ReplicationStreamIT {

    /**
     * Transaction B starts before transaction A commits, so all of B's changes lie below A's commit. A is
     * acknowledged, B never is. While B is being sent the server's keepalives report WAL positions beyond B's
     * changes; a client that flushes automatically on keepalives then confirms the slot past B, and a crash loses B.
     */
    @Test
    void theSlotIsNeverConfirmedPastAnUnacknowledgedRecord() throws Exception {
        PostgresServer server = Postgres.shared();
        String database = server.createDatabase("flush");
        String slot = "flush_" + database;
        try (Connection c = server.connect(database); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            s.execute("CREATE TABLE unpublished (id int)");
            s.execute("CREATE PUBLICATION p FOR TABLE t");
            s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        }
        try (Connection b = server.connect(database); Connection a = server.connect(database);
             Statement bs = b.createStatement(); Statement as = a.createStatement()) {
            b.setAutoCommit(false);
            bs.execute("INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g");
            as.execute("INSERT INTO t VALUES (-1, 'a')");
            // WAL between A's and B's commits, so the server's position while sending B lies beyond A's commit.
            as.execute("INSERT INTO unpublished VALUES (1)");
            b.commit();
        }

        ConnectionConfig config = new ConnectionConfig(server.jdbcUrl(database), server.user(),
                server.password() == null ? null : new Password(server.password()));
        LsnAckTracker tracker = new LsnAckTracker();
        PgOutputDecoder decoder = new PgOutputDecoder(1, false);
        Lsn acknowledgedCommit = null;
        int unacknowledged = 0;
        // Short wal_sender_timeout: the server asks for replies (keepalives) every second while it sends B.
        try (ReplicationStream stream = ReplicationStream.start(config, slot, "p", Optional.empty(), 1, 3_600_000, Map.of(),
                "-c wal_sender_timeout=3s")) {
            boolean inA = true;
            long quietSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - quietSince < 2_500) {
                ByteBuffer buffer = stream.readPending();
                if (buffer == null) {
                    Thread.sleep(5);
                    continue;
                }
                quietSince = System.currentTimeMillis();
                PgOutputMessage message = decoder.decode(buffer);
                if (message instanceof PgOutputMessage.Commit commit && inA) {
                    // A is in Kafka: its commit is confirmable; B's records below are handed out and never acknowledged.
                    Object record = new Object();
                    tracker.track(record, commit.endLsn());
                    tracker.acknowledged(record);
                    tracker.reached(commit.endLsn());
                    acknowledgedCommit = commit.endLsn();
                    tracker.confirmableLsn().ifPresent(stream::confirm);
                    stream.sendStatus();
                    inA = false;
                    // Let the server block on a full socket while sending B, so that its keepalive lands inside B.
                    Thread.sleep(1_800);
                } else if (message instanceof PgOutputMessage.Insert && !inA) {
                    tracker.track(new Object(), new Lsn(Long.MAX_VALUE));
                    unacknowledged++;
                }
                tracker.confirmableLsn().ifPresent(stream::confirm);
            }
            stream.sendStatus();
            Thread.sleep(500);
            assertThat(unacknowledged).isEqualTo(200_000);
            assertThat(tracker.inFlight()).isEqualTo(200_000);
            assertThat(LogSequenceNumber.valueOf(confirmedFlush(server, database, slot)).asString())
                    .as("the slot's confirmed_flush_lsn; the last acknowledged commit ends at "
                            + acknowledgedCommit)
                    .isEqualTo(acknowledgedCommit.toString());
        } finally {
            dropSlot(server, database, slot);
        }
    }

    /** Drops the slot once its walsender has gone, which may take a moment after the stream closed. */
    private static void dropSlot(PostgresServer server, String database, String slot) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try (Connection c = server.connect(database); Statement s = c.createStatement()) {
                s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
                return;
            } catch (SQLException e) {
                if (attempt == 50) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static long confirmedFlush(PostgresServer server, String database, String slot) throws SQLException {
        try (Connection c = server.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (confirmed_flush_lsn - '0/0')::bigint FROM pg_replication_slots "
                     + "WHERE slot_name = '" + slot + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
