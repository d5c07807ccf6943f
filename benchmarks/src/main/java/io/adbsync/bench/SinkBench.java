package io.adbsync.bench;

import io.adbsync.common.sql.SqlIdentifiers;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sink throughput: each source first writes the same changes of an upsert-heavy and a delete-heavy mix to its topic;
 * then each sink applies its topic from the start into an empty database, timed until the last row (the sentinel)
 * is visible, and the result is checked against the source. Raw COPY of as many rows into an indexed table is the limit.
 */
final class SinkBench {

    /** A change mix: its table and how many change events it writes for {@code rows} rows. */
    enum Mix {
        UPSERT("sink_upsert", Scenario.SINK_UPSERT, Scenario.SINK_UPSERT_CPU),
        DELETE("sink_delete", Scenario.SINK_DELETE, Scenario.SINK_DELETE_CPU);

        final String table;
        final Scenario scenario;
        final Scenario cpu;

        Mix(String table, Scenario scenario, Scenario cpu) {
            this.table = table;
            this.scenario = scenario;
            this.cpu = cpu;
        }

        /** Change events (no tombstones): inserts, then updates of all rows or deletes of nine in ten, then the sentinel. */
        long events(int rows) {
            return this == UPSERT ? 2L * rows + 1 : rows + deletes(rows) + 1;
        }

        /** Records in the topic: the events plus a tombstone after each delete. */
        long records(int rows) {
            return events(rows) + (this == DELETE ? deletes(rows) : 0);
        }

        long rowsLeft(int rows) {
            return this == UPSERT ? rows + 1L : rows - deletes(rows) + 1;
        }

        private static long deletes(int rows) {
            return rows - rows / 10;
        }
    }

    private final BenchStack stack;
    private final BenchSize size;
    private final PrintStream log;

    SinkBench(BenchStack stack, BenchSize size, PrintStream log) {
        this.stack = stack;
        this.size = size;
        this.log = log;
    }

    List<Measurement> run(List<Engine> engines) throws Exception {
        fillTopics(engines);
        List<Measurement> results = new ArrayList<>();
        int rows = size.sinkRows();
        // Each repetition applies every topic again from its start, with a new connector (a new consumer group) into
        // a new database; the limit and the engines take turns within a repetition.
        for (int run = size.firstRun(); run <= size.repeat(); run++) {
            // The warm-up (run 0) runs as any other; its figures are dropped.
            List<Measurement> recorded = run == 0 ? new ArrayList<>() : results;
            for (Mix mix : Mix.values()) {
                String database = stack.destination().createDatabase("raw_" + mix.table + SourceBench.suffix(run));
                try (Connection c = stack.destination().connect(database)) {
                    int copyRows = (int) mix.events(rows);
                    RawLimits.CopyIn copy = RawLimits.copyFrom(c, mix.table, copyRows, stack.cpu());
                    double rate = copyRows / (copy.nanos() / 1e9);
                    CpuMeter.Usage usage = copy.cpu();
                    log.printf("sink%s: %s raw COPY %,.0f rows/s, %,.0f CPU-ms per million rows%n", runLabel(run), mix, rate,
                            usage.totalPerMillion());
                    recorded.add(Measurement.limit(mix.scenario, "COPY FROM STDIN", rate,
                            Map.of("rows", copyRows, "seconds", copy.nanos() / 1e9)));
                    recorded.add(Measurement.limit(mix.cpu, "COPY FROM STDIN", usage.totalPerMillion(), usage.details()));
                }
                for (Engine engine : engines) {
                    recorded.addAll(apply(engine, mix, run));
                }
            }
        }
        return results;
    }

    /** Runs every engine's source over both mixes at once and waits until each topic holds every change. */
    private void fillTopics(List<Engine> engines) throws Exception {
        int rows = size.sinkRows();
        List<String> tables = new ArrayList<>();
        try (Connection c = stack.sourceConnection()) {
            for (Mix mix : Mix.values()) {
                Workload.createAccounts(c, mix.table, 0);
                tables.add(mix.table);
            }
        }
        for (Engine engine : engines) {
            stack.rest().deploy(engine.id() + "-sinkfill", engine.source(stack, "fill_" + engine.id(), tables, false));
        }
        for (Engine engine : engines) {
            stack.awaitSlotActive("fill_" + engine.id(), size.timeout(), engine.id() + "-sinkfill");
        }
        log.printf("sink: writing %,d rows of inserts then updates, and of inserts then deletes%n", rows);
        try (Connection c = stack.sourceConnection()) {
            Workload.insert(c, Mix.UPSERT.table, 1, rows, Workload.TXN_ROWS * 10);
            Workload.update(c, Mix.UPSERT.table, 1, rows, Workload.TXN_ROWS * 10);
            Workload.sentinel(c, Mix.UPSERT.table);
            Workload.insert(c, Mix.DELETE.table, 1, rows, Workload.TXN_ROWS * 10);
            Workload.deleteNineInTen(c, Mix.DELETE.table, 1, rows, Workload.TXN_ROWS * 10);
            Workload.sentinel(c, Mix.DELETE.table);
        }
        try {
            for (Engine engine : engines) {
                for (Mix mix : Mix.values()) {
                    String topic = engine.topic(mix.table);
                    stack.await(topic + " filled", () -> stack.topicCount(topic) >= mix.records(rows), System.nanoTime(),
                            size.timeout(), engine.id() + "-sinkfill");
                }
            }
        } finally {
            for (Engine engine : engines) {
                stack.removeConnector(engine.id() + "-sinkfill");
                stack.dropSlot("fill_" + engine.id());
                stack.executeSource("DROP PUBLICATION IF EXISTS " + SqlIdentifiers.quote("fill_" + engine.id()));
            }
        }
    }

    private String runLabel(int run) {
        return SourceBench.label(size, run);
    }

    private List<Measurement> apply(Engine engine, Mix mix, int run) {
        int rows = size.sinkRows();
        String name = engine.id() + "-sink-" + mix.table + SourceBench.suffix(run);
        String topic = engine.topic(mix.table);
        String table = engine.destinationTable(topic);
        try {
            String database = stack.destination().createDatabase(engine.id() + "_" + mix.table + SourceBench.suffix(run));
            try (Connection c = stack.destination().connect(database)) {
                long deployed = System.nanoTime();
                stack.rest().deploy(name, engine.sink(stack, database, topic));
                // Timed from the first applied batch on: task start, group join and table creation are a fixed cost.
                stack.await(engine.label() + " first row of " + topic, () -> anyRow(c, table), deployed, size.timeout(), name);
                CpuMeter.Sample cpu = stack.cpu().sample();
                long start = System.nanoTime();
                long nanos = stack.await(engine.label() + " sink applying " + topic, () -> sentinelVisible(c, table),
                        start, size.timeout(), name);
                CpuMeter.Usage usage = stack.cpu().since(cpu, mix.events(rows));
                long left = count(c, table);
                double rate = mix.events(rows) / (nanos / 1e9);
                log.printf("sink%s: %s %s %,.0f rows/s, %,.0f CPU-ms per million rows (%,d rows left, %,d expected)%n", runLabel(run),
                        engine.label(), mix, rate, usage.totalPerMillion(), left, mix.rowsLeft(rows));
                if (left != mix.rowsLeft(rows)) {
                    return List.of(Measurement.failed(engine, mix.scenario, "destination has " + left + " rows, source " + mix.rowsLeft(rows)));
                }
                return List.of(Measurement.of(engine, mix.scenario, rate,
                        Map.of("events", mix.events(rows), "seconds", nanos / 1e9, "rows_left", left,
                                "seconds_from_deploy", (System.nanoTime() - deployed) / 1e9)),
                        Measurement.of(engine, mix.cpu, usage.totalPerMillion(), usage.details()));
            }
        } catch (Exception e) {
            log.printf("sink%s: %s %s failed: %s%n", runLabel(run), engine.label(), mix, e.getMessage());
            return List.of(Measurement.failed(engine, mix.scenario, SourceBench.firstLine(e)));
        } finally {
            stack.removeConnector(name);
        }
    }

    private static boolean anyRow(Connection c, String table) {
        return tableExists(c, table) && exists(c, "SELECT EXISTS (SELECT 1 FROM " + Workload.name(table) + ")");
    }

    private static boolean sentinelVisible(Connection c, String table) {
        return exists(c, "SELECT EXISTS (SELECT 1 FROM " + Workload.name(table) + " WHERE aid = -1)");
    }

    private static boolean tableExists(Connection c, String table) {
        try (PreparedStatement s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            s.setString(1, Workload.name(table));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot look for table " + table, e);
        }
    }

    private static boolean exists(Connection c, String sql) {
        try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            // The sink may be creating or altering the table right now.
            return false;
        }
    }

    private static long count(Connection c, String table) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM " + Workload.name(table)); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
