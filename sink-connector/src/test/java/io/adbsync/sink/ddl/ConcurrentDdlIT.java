package io.adbsync.sink.ddl;

import io.adbsync.sink.dialect.ColumnDefinition;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.sink.dialect.TableDefinition;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.record.Column;
import io.adbsync.sink.record.TableChanges;
import io.adbsync.sink.writer.OffsetStore;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.connect.data.Schema;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Several sink tasks of one connector create the same tables at once (the offsets table, a table of a topic with
 * several partitions, a column a record brought): the one that loses the race goes on with what the other made.
 */
class ConcurrentDdlIT {

    private static final TableId OFFSETS = new TableId("adbsync", "offsets");
    private static final TableId ITEMS = new TableId("sales", "items");
    private static final List<Column> KEY = List.of(new Column("id", Schema.INT32_SCHEMA));
    private static final List<Column> COLUMNS = List.of(new Column("id", Schema.INT32_SCHEMA),
            new Column("name", Schema.OPTIONAL_STRING_SCHEMA));
    private static final List<Column> WIDER = List.of(new Column("id", Schema.INT32_SCHEMA),
            new Column("name", Schema.OPTIONAL_STRING_SCHEMA), new Column("price", Schema.OPTIONAL_FLOAT64_SCHEMA));

    @Test
    void onPostgres() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("concurrent_ddl");
        try {
            losersOfEachRaceGoOn(pg, db);
        } finally {
            pg.dropDatabase(db);
        }
    }

    @Test
    void onGreenplum() throws Exception {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String db = gp.createDatabase("concurrent_ddl");
        try {
            losersOfEachRaceGoOn(gp, db);
        } finally {
            gp.dropDatabase(db);
        }
    }

    private static void losersOfEachRaceGoOn(PostgresServer server, String db) throws Exception {
        try (Connection winner = server.connect(db); Connection loser = server.connect(db)) {
            Dialect dialect = Dialects.detect(loser);
            winner.setAutoCommit(false);
            loser.setAutoCommit(false);

            // The offsets table, schema included, made by another task that commits while this one waits on it.
            race(winner, loser, List.of("CREATE SCHEMA adbsync", OffsetStore.createTable(OFFSETS, dialect)),
                    () -> new OffsetStore(OFFSETS, "c", dialect).ensureTable(loser));
            assertThat(exists(loser, OFFSETS)).isTrue();

            // A table auto-created by another task from the same topic.
            SchemaSync sync = new SchemaSync(dialect, true, true, StorageEngine.HEAP, List.of());
            TableDefinition items = new TableDefinition(ITEMS, List.of(new ColumnDefinition("id", "integer", true),
                    new ColumnDefinition("name", "text", false)), List.of("id"), List.of());
            race(winner, loser, List.of("CREATE SCHEMA sales", dialect.createTable(items, StorageEngine.HEAP)),
                    () -> sync.ensure(loser, changes(COLUMNS)));
            assertThat(sync.ensure(loser, changes(COLUMNS)).columns()).containsOnlyKeys("id", "name");

            // A column another task added for the same new record schema.
            race(winner, loser, List.of(SchemaSync.addColumn(ITEMS, new ColumnDefinition("price", "double precision", false))),
                    () -> sync.ensure(loser, changes(WIDER)));
            sync.forget();
            assertThat(sync.ensure(loser, changes(WIDER)).columns()).containsOnlyKeys("id", "name", "price");
        }
    }

    /** Runs {@code ddl} on {@code winner} uncommitted, starts {@code loser}'s DDL, waits until it is blocked, commits. */
    private static void race(Connection winner, Connection loser, List<String> ddl, Ddl losing) throws Exception {
        try (Statement s = winner.createStatement()) {
            for (String sql : ddl) {
                s.execute(sql);
            }
        }
        int loserPid = pid(loser);
        CompletableFuture<Void> lost = CompletableFuture.runAsync(() -> {
            try {
                losing.run();
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
            }
        });
        Awaitility.await("the second task waits on the first one's DDL").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50)).until(() -> lost.isDone() || waiting(winner, loserPid));
        winner.commit();
        lost.get(30, TimeUnit.SECONDS);
    }

    @FunctionalInterface
    private interface Ddl {
        void run() throws SQLException;
    }

    private static TableChanges changes(List<Column> columns) {
        return new TableChanges(ITEMS, false, KEY, columns, List.of(), List.of(), List.of(), List.of(), List.of());
    }

    private static boolean waiting(Connection c, int pid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_locks WHERE pid = ? AND NOT granted")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            int pid = rs.getInt(1);
            c.commit();
            return pid;
        }
    }

    private static boolean exists(Connection c, TableId id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, id.regclassText());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                boolean exists = rs.getBoolean(1);
                c.commit();
                return exists;
            }
        }
    }
}
