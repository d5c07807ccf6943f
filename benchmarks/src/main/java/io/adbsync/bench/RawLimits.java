package io.adbsync.bench;

import io.adbsync.stack.postgres.LocalPostgres;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the database itself does without any connector: the ceilings our figures are divided by. */
final class RawLimits {

    private RawLimits() {
    }

    /** Bytes and nanoseconds of {@code COPY (SELECT * FROM table) TO STDOUT} read by a client that discards them. */
    record CopyOut(long bytes, long nanos) {
    }

    static CopyOut copyTo(Connection c, String table) throws SQLException, IOException {
        CountingSink sink = new CountingSink();
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        long start = System.nanoTime();
        copy.copyOut("COPY (SELECT * FROM " + Workload.name(table) + ") TO STDOUT", sink);
        return new CopyOut(sink.bytes, System.nanoTime() - start);
    }

    /** Nanoseconds and CPU of a {@code COPY … FROM STDIN}. */
    record CopyIn(long nanos, CpuMeter.Usage cpu) {
    }

    /**
     * Time and CPU of {@code COPY … FROM STDIN} of {@code rows} accounts rows into a new table with a primary key,
     * the rows rendered beforehand so only the database's work (and the client's sending) is measured.
     */
    static CopyIn copyFrom(Connection c, String table, int rows, CpuMeter cpu) throws SQLException, IOException {
        Workload.createAccounts(c, table, 0);
        StringBuilder text = new StringBuilder(rows * 100);
        String filler = " ".repeat(84);
        for (int i = 1; i <= rows; i++) {
            text.append(i).append('\t').append((i - 1) / 100000 + 1).append('\t').append(i % 1000).append('\t').append(filler).append('\n');
        }
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        try {
            CpuMeter.Sample before = cpu.sample();
            long start = System.nanoTime();
            copy.copyIn("COPY " + Workload.name(table) + " FROM STDIN", new StringReader(text.toString()));
            long nanos = System.nanoTime() - start;
            return new CopyIn(nanos, cpu.since(before, rows));
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Current WAL insert position, where a reader of a slot has seen everything written so far. */
    static String currentLsn(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Nanoseconds {@code pg_recvlogical} takes to read slot {@code slot} (pgoutput, publication {@code publication})
     * up to {@code endLsn}, writing the decoded stream to /dev/null.
     */
    static long recvlogical(BenchStack stack, String slot, String publication, String endLsn) throws IOException, InterruptedException {
        Path program = LocalPostgres.program("pg_recvlogical").orElseThrow(() -> new IllegalStateException(
                "pg_recvlogical was not found beside the PostgreSQL server binaries"));
        List<String> command = new ArrayList<>(List.of(program.toString(), "-h", stack.source().host(),
                "-p", String.valueOf(stack.source().port()), "-U", stack.source().user(), "-d", stack.sourceDb(),
                "-S", slot, "--start", "-E", endLsn, "-o", "proto_version=1", "-o", "publication_names=" + publication,
                "-F", "0", "-f", "/dev/null", "--no-loop"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (stack.source().password() != null) {
            builder.environment().put("PGPASSWORD", stack.source().password());
        }
        long start = System.nanoTime();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("pg_recvlogical failed: " + output.strip());
        }
        return System.nanoTime() - start;
    }

    private static final class CountingSink extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
