package io.adbsync.source.pgoutput;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.source.replication.ReplicationStream;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.types.Password;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Captures the raw pgoutput messages a real server sends for a workload, for decoder tests and byte fixtures. */
final class PgOutputCapture {

    /** Work done on a normal connection to the database between slot creation and streaming. */
    @FunctionalInterface
    interface Workload {
        void run(Connection connection) throws SQLException;
    }

    private PgOutputCapture() {
    }

    /**
     * Creates a publication for all tables and a slot (two-phase if asked), runs {@code workload}, then reads every
     * message the slot yields with the given protocol version and options until the stream is quiet.
     */
    static List<byte[]> capture(PostgresServer server, String database, String setupSql, Workload workload,
                                int protocolVersion, Map<String, String> options, boolean twoPhaseSlot,
                                String sessionOptions) throws SQLException {
        String slot = "capture_" + database;
        try (Connection c = server.connect(database); Statement s = c.createStatement()) {
            s.execute(setupSql);
            s.execute("CREATE PUBLICATION capture FOR ALL TABLES");
            s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput', false, " + twoPhaseSlot + ")");
            workload.run(c);
        }
        ConnectionConfig config = new ConnectionConfig(server.jdbcUrl(database), server.user(),
                server.password() == null ? null : new Password(server.password()));
        List<byte[]> messages = new ArrayList<>();
        try (ReplicationStream stream = ReplicationStream.start(config, slot, "capture", Optional.empty(), protocolVersion, 10_000,
                options, sessionOptions)) {
            long quietSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - quietSince < 1_500) {
                ByteBuffer b = stream.readPending();
                if (b == null) {
                    sleep();
                    continue;
                }
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                messages.add(bytes);
                quietSince = System.currentTimeMillis();
            }
        }
        try (Connection c = server.connect(database); Statement s = c.createStatement()) {
            s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
        }
        return messages;
    }

    /** Writes messages one per line in hex, the format {@link #read(Path)} reads. */
    static void write(Path file, List<byte[]> messages) throws IOException {
        List<String> lines = new ArrayList<>();
        for (byte[] m : messages) {
            lines.add(HexFormat.of().formatHex(m));
        }
        Files.createDirectories(file.getParent());
        Files.write(file, lines);
    }

    static List<byte[]> read(Path file) throws IOException {
        List<byte[]> messages = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                messages.add(HexFormat.of().parseHex(line.trim()));
            }
        }
        return messages;
    }

    static List<PgOutputMessage> decode(List<byte[]> messages, int protocolVersion, boolean parallel) {
        PgOutputDecoder decoder = new PgOutputDecoder(protocolVersion, parallel);
        List<PgOutputMessage> decoded = new ArrayList<>();
        for (byte[] m : messages) {
            decoded.add(decoder.decode(ByteBuffer.wrap(m)));
        }
        return decoded;
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
