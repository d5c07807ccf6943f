package io.adbsync.source.snapshot;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.stream.OffsetScope;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.types.TypeMapper;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The order key ranges compare a key's columns in, fresh and resumed, against a real server's catalog. */
class KeyRangePlanIT {

    private static final OffsetScope P = OffsetScope.of("p");

    private PostgresServer server;
    private String database;
    private SourceCatalog catalog;
    private CapturedTable pairs;

    @BeforeEach
    void setUp() throws SQLException {
        server = Postgres.shared();
        database = server.createDatabase("keyorder");
        try (var c = server.connect(database); var s = c.createStatement()) {
            s.execute("CREATE TABLE pairs (a int, b int, note text, PRIMARY KEY (b, a))");
            s.execute("INSERT INTO pairs SELECT g % 10, g / 10, 'p' FROM generate_series(0, 99) g");
        }
        catalog = new SourceCatalog(new ConnectionConfig(server.jdbcUrl(database), server.user(),
                server.password() == null ? null : new Password(server.password())));
        pairs = describe();
    }

    @AfterEach
    void tearDown() throws SQLException {
        catalog.close();
        server.dropDatabase(database);
    }

    private KeyRangePlan.IndexOrder indexOrder() {
        return () -> catalog.keyIndexOrder(pairs.oid());
    }

    @Test
    void aFreshCopyRangesInTheKeyIndexsOrderAndStoresIt() throws SQLException {
        assertThat(catalog.keyIndexOrder(pairs.oid())).containsExactly("b", "a");
        KeyRangePlan plan = KeyRangePlan.fresh(pairs, null, 100, 30, P, indexOrder());
        TablePlan.Chunk first = plan.next(catalog);
        assertThat(first.condition()).isEqualTo("(\"b\", \"a\") <= (CAST(" + TablePlan.parameter(0) + " AS integer), CAST("
                + TablePlan.parameter(1) + " AS integer))");
        // The 30th row in (b, a) order is b = 2, a = 9.
        assertThat(first.parameters()).containsExactly("2", "9");
        // The order as positions among the key's columns in column order (a, b): b is 1, a is 0.
        assertThat(first.afterChunk()).containsEntry("order_count", 2).containsEntry("order_0", 1)
                .containsEntry("order_1", 0).containsEntry("after_0", "2").containsEntry("after_1", "9");
    }

    /** A copy stored by a version that ranged in column order goes on in that order: its bound is an (a, b) key. */
    @Test
    void aCopyStoredWithoutItsOrderGoesOnInColumnOrder() throws SQLException {
        Map<String, Object> stored = new HashMap<>(Map.of("chunking", "key", "oid", (long) pairs.oid(), "after_count", 2L,
                "after_0", "4", "after_1", "7", "done", false));
        KeyRangePlan plan = KeyRangePlan.resume(pairs, null, 100, 30, P, SnapshotOffsets.parse(stored), indexOrder());
        TablePlan.Chunk next = plan.next(catalog);
        assertThat(next.condition()).startsWith("(\"a\", \"b\") > (");
        // Rows with (a, b) after (4, 7) in (a, b) order: the 30th is a = 7, b = 7.
        assertThat(next.parameters()).containsExactly("4", "7", "7", "7");
        assertThat(next.afterChunk()).containsEntry("order_0", 0).containsEntry("order_1", 1);
    }

    @Test
    void aCopyStoredWithItsOrderGoesOnInThatOrder() throws SQLException {
        Map<String, Object> stored = new HashMap<>(KeyRangePlan.offset(List.of(1, 0), List.of("2", "9"), false));
        KeyRangePlan plan = KeyRangePlan.resume(pairs, null, 100, 30, P, SnapshotOffsets.parse(stored), indexOrder());
        TablePlan.Chunk next = plan.next(catalog);
        assertThat(next.condition()).startsWith("(\"b\", \"a\") > (");
        assertThat(next.parameters()).containsExactly("2", "9", "5", "9");
    }

    /** The order is kept as positions: a key column renamed during the copy is still the one the bound is of. */
    @Test
    void aCopyGoesOnInItsOrderAfterAKeyColumnWasRenamed() throws SQLException {
        Map<String, Object> stored = new HashMap<>(KeyRangePlan.offset(List.of(1, 0), List.of("2", "9"), false));
        sql("ALTER TABLE pairs RENAME COLUMN b TO bee");
        CapturedTable renamed = describe();
        KeyRangePlan plan = KeyRangePlan.resume(renamed, null, 100, 30, P, SnapshotOffsets.parse(stored),
                () -> catalog.keyIndexOrder(renamed.oid()));
        TablePlan.Chunk next = plan.next(catalog);
        assertThat(next.condition()).startsWith("(\"bee\", \"a\") > (");
        assertThat(next.parameters()).containsExactly("2", "9", "5", "9");
    }

    /**
     * Neither a copy done nor one with nothing copied yet has a bound to read in an order: a key changed since (here a
     * third column in the primary key, and the key now declared (c, a, b)) does not stop them, and the latter starts in
     * the index's order now.
     */
    @Test
    void aCopyDoneOrNotBegunIgnoresTheOrderItStoredWhenTheKeyChanged() throws SQLException {
        Map<String, Object> done = new HashMap<>(KeyRangePlan.offset(List.of(1, 0), null, true));
        Map<String, Object> notBegun = new HashMap<>(KeyRangePlan.offset(List.of(1, 0), null, false));
        sql("ALTER TABLE pairs ADD COLUMN c int NOT NULL DEFAULT 0", "ALTER TABLE pairs DROP CONSTRAINT pairs_pkey",
                "ALTER TABLE pairs ADD PRIMARY KEY (c, a, b)");
        CapturedTable changed = describe();
        KeyRangePlan.IndexOrder now = () -> catalog.keyIndexOrder(changed.oid());
        assertThat(KeyRangePlan.resume(changed, null, 100, 30, P, SnapshotOffsets.parse(done), now).next(catalog)).isNull();
        TablePlan.Chunk first = KeyRangePlan.resume(changed, null, 100, 30, P, SnapshotOffsets.parse(notBegun), now)
                .next(catalog);
        assertThat(first.condition()).startsWith("(\"c\", \"a\", \"b\") <= (");
        assertThat(first.afterChunk()).containsEntry("order_0", 2).containsEntry("order_1", 0).containsEntry("order_2", 1);
    }

    private CapturedTable describe() throws SQLException {
        return new RelationRegistry("p", new TypeMapper(catalog::formatType), catalog::primaryKey, catalog::missingValues)
                .update(catalog.relation("public", "pairs"));
    }

    private void sql(String... statements) throws SQLException {
        try (var c = server.connect(database); var s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }
}
