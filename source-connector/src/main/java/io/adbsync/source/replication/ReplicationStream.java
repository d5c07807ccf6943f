package io.adbsync.source.replication;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.types.TextForms;
import io.adbsync.source.wal.Lsn;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.fluent.logical.ChainedLogicalStreamBuilder;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A pgoutput stream from a logical slot over pgjdbc's replication API. Every socket operation (reading, status
 * feedback) happens on the thread that calls {@link #readPending()}; {@link #confirm(long)} only records the LSN,
 * which is sent with the next status update from that thread.
 */
public final class ReplicationStream implements AutoCloseable {

    private final Connection connection;
    private final PGReplicationStream stream;
    /** Null until something is confirmed. */
    private Lsn confirmed;

    private ReplicationStream(Connection connection, PGReplicationStream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    /** A connection in replication mode (for streaming and for creating slots with the replication protocol). */
    public static Connection openReplicationConnection(ConnectionConfig config) throws SQLException {
        return openReplicationConnection(config, "");
    }

    /** As above; {@code extraSessionOptions} ({@code -c name=value ...}) adds server settings for this session. */
    public static Connection openReplicationConnection(ConnectionConfig config, String extraSessionOptions) throws SQLException {
        return openReplicationConnection(config, extraSessionOptions, new Properties());
    }

    /** As above; {@code extra} adds driver properties (e.g. timeouts for a check that must not hang). */
    public static Connection openReplicationConnection(ConnectionConfig config, String extraSessionOptions, Properties extra)
            throws SQLException {
        Properties props = new Properties();
        props.putAll(extra);
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "12");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.OPTIONS.set(props, (TextForms.SESSION_OPTIONS + " " + extraSessionOptions).trim());
        PGProperty.TCP_KEEP_ALIVE.set(props, true);
        return Jdbc.open(config, props);
    }

    /**
     * Starts streaming {@code slot} at {@code startLsn} (empty: where the slot stands) with the given publication and
     * pgoutput protocol version, reporting its position to the server every {@code statusIntervalMs}.
     */
    public static ReplicationStream start(ConnectionConfig config, String slot, String publication, Optional<Lsn> startLsn,
                                          int protocolVersion, long statusIntervalMs) throws SQLException {
        return start(config, slot, publication, startLsn, protocolVersion, statusIntervalMs, Map.of(), "");
    }

    /**
     * As above, with further pgoutput options (e.g. {@code streaming}, {@code two_phase}, {@code messages}) and
     * session settings (e.g. {@code -c logical_decoding_work_mem=64kB}).
     */
    public static ReplicationStream start(ConnectionConfig config, String slot, String publication, Optional<Lsn> startLsn,
                                          int protocolVersion, long statusIntervalMs,
                                          Map<String, String> options, String sessionOptions) throws SQLException {
        Connection connection = openReplicationConnection(config, sessionOptions);
        try {
            ChainedLogicalStreamBuilder builder = connection.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream()
                    .logical()
                    .withSlotName(slot)
                    .withStartPosition(startLsn.map(Lsn::toPgjdbc).orElse(LogSequenceNumber.INVALID_LSN))
                    .withSlotOption("proto_version", String.valueOf(protocolVersion))
                    .withSlotOption("publication_names", SqlIdentifiers.quote(publication))
                    .withStatusInterval(Math.toIntExact(statusIntervalMs), TimeUnit.MILLISECONDS)
                    // pgjdbc would otherwise report a keepalive's WAL position as flushed whenever everything up to
                    // the last message's start was confirmed: inside a transaction that began before the last
                    // acknowledged commit that moves the slot past records Kafka does not have yet.
                    .withAutomaticFlush(false);
            options.forEach(builder::withSlotOption);
            PGReplicationStream stream = builder.start();
            return new ReplicationStream(connection, stream);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** The next message, or null when none is waiting; sends due status updates as a side effect. */
    public ByteBuffer readPending() throws SQLException {
        return stream.readPending();
    }

    /** WAL position of the message last returned by {@link #readPending()}. */
    public Lsn lastReceivedLsn() {
        return Lsn.of(stream.getLastReceiveLSN());
    }

    /** Lets the server release WAL up to {@code lsn}; sent with the next status update. Never moves backwards. */
    public void confirm(Lsn lsn) {
        if (confirmed == null || lsn.isAfter(confirmed)) {
            confirmed = lsn;
            LogSequenceNumber l = lsn.toPgjdbc();
            stream.setFlushedLSN(l);
            stream.setAppliedLSN(l);
        }
    }

    /** Sends a status update now (reading thread only). */
    public void sendStatus() throws SQLException {
        stream.forceUpdateStatus();
    }

    @Override
    public void close() {
        try {
            if (!stream.isClosed()) {
                stream.close();
            }
        } catch (SQLException ignored) {
            // The connection is closed below either way.
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Nothing more can be done with a broken connection.
        }
    }
}
