package io.adbsync.bench;

import io.adbsync.common.sql.SqlIdentifiers;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * End-to-end lag at a fixed write rate: each row records when it was written at the source (committed within the
 * same few milliseconds) and the destination table, created beforehand with one more column defaulting to
 * clock_timestamp(), records when the sink wrote it. Both servers run on this machine, so the clocks are one.
 */
final class LagBench {

    static final String TABLE = "lag_events";
    /** Transactions per second of the write load; each carries rate / 100 rows. */
    private static final int TICKS_PER_SECOND = 100;

    private final BenchStack stack;
    private final BenchSize size;
    private final PrintStream log;

    LagBench(BenchStack stack, BenchSize size, PrintStream log) {
        this.stack = stack;
        this.size = size;
        this.log = log;
    }

    List<Measurement> run(List<Engine> engines) {
        return EngineRuns.each(engines, log, "lag", List.of(Scenario.LAG_P50, Scenario.LAG_P99), this::measure);
    }

    private List<Measurement> measure(Engine engine) throws Exception {
        String source = engine.id() + "-lag-source";
        String sink = engine.id() + "-lag-sink";
        String slot = "lag_" + engine.id();
        String topic = engine.topic(TABLE);
        String table = Workload.name(engine.destinationTable(topic));
        String database = stack.destination().createDatabase(engine.id() + "_lag");
        try (Connection src = stack.sourceConnection(); Connection dst = stack.destination().connect(database)) {
            try (Statement s = src.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + Workload.name(TABLE));
                s.execute("CREATE TABLE " + Workload.name(TABLE) + " (id bigint PRIMARY KEY, written_at timestamptz NOT NULL, payload text)");
            }
            try (Statement s = dst.createStatement()) {
                s.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, written_at timestamptz NOT NULL, payload text, "
                        + "applied_at timestamptz DEFAULT clock_timestamp())");
            }
            stack.rest().deploy(source, engine.source(stack, slot, List.of(TABLE), false));
            stack.awaitSlotActive(slot, size.timeout(), source);
            stack.rest().deploy(sink, engine.sink(stack, database, topic));
            stack.rest().awaitRunning(sink, 1, size.timeout());
            // One row through the whole pipeline first, so start-up is not counted as lag.
            write(src, 0, 0);
            stack.await("first row at the destination", () -> count(dst, table) > 0, System.nanoTime(), size.timeout(), source, sink);

            // A warm-up at the same rate first: the JIT compiles the converters and both connectors' hot paths, as in
            // any pipeline that has run for a minute. Only rows after it are measured.
            long warmup = load(src, 1, Math.max(5, size.lagSeconds() / 3));
            stack.await(engine.label() + " warm-up rows at the destination", () -> count(dst, table) >= warmup + 1, System.nanoTime(),
                    size.timeout(), source, sink);
            long rows = load(src, warmup + 1, size.lagSeconds());
            stack.await(engine.label() + " lag rows at the destination", () -> count(dst, table) >= warmup + rows + 1,
                    System.nanoTime(), size.timeout(), source, sink);
            try (PreparedStatement s = dst.prepareStatement("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY ms), "
                    + "percentile_disc(0.99) WITHIN GROUP (ORDER BY ms), max(ms) FROM (SELECT extract(epoch FROM applied_at - written_at) "
                    + "* 1000 AS ms FROM " + table + " WHERE id > ?) lag")) {
                s.setLong(1, warmup);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    double p50 = rs.getDouble(1);
                    double p99 = rs.getDouble(2);
                    Map<String, Object> details = Map.of("rate_per_s", size.lagRate(), "seconds", size.lagSeconds(), "rows", rows,
                            "warmup_rows", warmup, "max_ms", rs.getDouble(3), "rows_per_txn", size.lagRate() / TICKS_PER_SECOND);
                    log.printf("lag: %s p50 %.0f ms, p99 %.0f ms, max %.0f ms at %,d rows/s%n", engine.label(), p50, p99,
                            rs.getDouble(3), size.lagRate());
                    log.printf("lag: %s worst lag per second of the load (ms): %s%n", engine.label(), perSecondMax(dst, table, warmup));
                    return List.of(Measurement.of(engine, Scenario.LAG_P50, p50, details),
                            Measurement.of(engine, Scenario.LAG_P99, p99, details));
                }
            }
        } finally {
            stack.removeConnector(sink);
            stack.removeConnector(source);
            stack.dropSlot(slot);
            stack.executeSource("DROP PUBLICATION IF EXISTS " + SqlIdentifiers.quote(slot));
        }
    }

    /**
     * Writes rows with keys from {@code firstId} at the fixed rate for {@code seconds}, catching up after a slow
     * transaction; returns the rows written.
     */
    private long load(Connection src, long firstId, int seconds) throws SQLException {
        int perTick = Math.max(1, size.lagRate() / TICKS_PER_SECOND);
        long tickNanos = 1_000_000_000L / TICKS_PER_SECOND;
        long ticks = (long) seconds * TICKS_PER_SECOND;
        long start = System.nanoTime();
        long next = firstId;
        for (long tick = 0; tick < ticks; tick++) {
            long due = start + tick * tickNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                BenchStack.sleep(Duration.ofNanos(wait));
            }
            write(src, next, next + perTick - 1);
            next += perTick;
        }
        long rows = next - firstId;
        log.printf("lag: wrote %,d rows at %,.0f rows/s%n", rows, rows / ((System.nanoTime() - start) / 1e9));
        return rows;
    }

    private static void write(Connection src, long from, long to) throws SQLException {
        try (PreparedStatement s = src.prepareStatement("INSERT INTO " + Workload.name(TABLE)
                + " SELECT g, clock_timestamp(), repeat('x', 100) FROM generate_series(?::bigint, ?::bigint) g")) {
            s.setLong(1, from);
            s.setLong(2, to);
            s.executeUpdate();
        }
    }

    /** The worst lag of each second of the load, in order: shows whether lag grows, or spikes now and then. */
    private static String perSecondMax(Connection dst, String table, long afterId) throws SQLException {
        try (PreparedStatement s = dst.prepareStatement("SELECT string_agg(ms::text, ' ' ORDER BY second) FROM "
                + "(SELECT date_trunc('second', written_at) AS second, round(max(extract(epoch FROM applied_at - written_at) * 1000)) AS ms "
                + "FROM " + table + " WHERE id > ? GROUP BY 1) per_second")) {
            s.setLong(1, afterId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static long count(Connection dst, String table) {
        try (Statement s = dst.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot count " + table, e);
        }
    }
}
