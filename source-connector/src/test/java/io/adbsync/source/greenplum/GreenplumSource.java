package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.pgoutput.PgOutputDecoder;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.replication.ReplicationSetup;
import io.adbsync.source.replication.ReplicationStream;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.types.Password;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A database of its own on the shared Greenplum cluster, with its topology and the pgoutput streams of its segments
 * read through the connector's own replication code. Slots made here are dropped by {@link #close()}: a slot on a
 * segment would keep the database from being dropped.
 */
final class GreenplumSource implements AutoCloseable {

    final PostgresServer gp;
    final String database;
    final ConnectionConfig coordinator;
    final SourceTopology topology;
    private final List<String> slots = new ArrayList<>();

    private GreenplumSource(PostgresServer gp, String database) throws SQLException {
        this.gp = gp;
        this.database = database;
        this.coordinator = new ConnectionConfig(gp.jdbcUrl(database), gp.user(),
                gp.password() == null ? null : new Password(gp.password()));
        try (Connection c = Jdbc.open(coordinator)) {
            this.topology = SourceTopology.detect(c, SourceMode.AUTO);
        }
    }

    /** A fresh database on the shared cluster; skips the test, saying why, where there is no cluster. */
    static GreenplumSource create(String prefix) throws SQLException {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        return new GreenplumSource(gp, gp.createDatabase(prefix));
    }

    void sql(String... statements) throws SQLException {
        try (Connection c = Jdbc.open(coordinator); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    ConnectionConfig utility(Segment segment) {
        return segment.utilityConnection(coordinator);
    }

    /** Creates pgoutput slot {@code slot} on every segment, as the connector does (replication protocol, utility mode). */
    void createSlots(String slot) throws SQLException {
        for (Segment segment : topology.segments()) {
            ConnectionConfig config = utility(segment);
            try (SourceCatalog catalog = new SourceCatalog(config)) {
                slots.add(slot);
                ReplicationSetup.ensureSlot(config, catalog, slot);
            }
        }
    }

    /** Has {@link #close()} drop slot {@code slot}, made on the segments by the connector's code. */
    void dropsSlot(String slot) {
        slots.add(slot);
    }

    /** A decoded message with the segment-local xid of its transaction. */
    record Decoded(int xid, PgOutputMessage message) {
    }

    /**
     * Everything {@code slot} of {@code segment} holds for {@code publication} (protocol 1), read until the stream has
     * been quiet for a while; the slot is not confirmed, so a second read sees it all again.
     */
    List<Decoded> read(Segment segment, String slot, String publication) throws SQLException {
        List<Decoded> messages = new ArrayList<>();
        PgOutputDecoder decoder = new PgOutputDecoder(1, false);
        try (ReplicationStream stream = ReplicationStream.start(utility(segment), slot, publication, Optional.empty(), 1, 10)) {
            long quietSince = System.currentTimeMillis();
            int xid = 0;
            while (System.currentTimeMillis() - quietSince < 2_000) {
                ByteBuffer b = stream.readPending();
                if (b == null) {
                    sleep();
                    continue;
                }
                PgOutputMessage m = decoder.decode(b);
                if (m instanceof PgOutputMessage.Begin begin) {
                    xid = begin.xid();
                }
                messages.add(new Decoded(xid, m));
                quietSince = System.currentTimeMillis();
            }
        }
        return messages;
    }

    /** Each segment's messages, in content order. */
    Map<Segment, List<Decoded>> readAll(String slot, String publication) throws SQLException {
        Map<Segment, List<Decoded>> all = new LinkedHashMap<>();
        for (Segment segment : topology.segments()) {
            all.put(segment, read(segment, slot, publication));
        }
        return all;
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws SQLException {
        SQLException failure = null;
        for (Segment segment : topology.segments()) {
            try (Connection c = Jdbc.open(utility(segment));
                 PreparedStatement ps = c.prepareStatement(
                         "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("text", slots.toArray()));
                ps.execute();
            } catch (SQLException e) {
                failure = e;
            }
        }
        gp.dropDatabase(database);
        if (failure != null) {
            throw failure;
        }
    }
}
