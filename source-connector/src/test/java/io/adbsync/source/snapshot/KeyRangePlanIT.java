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
        pairs = new RelationRegistry("p", new TypeMapper(catalog::formatType), catalog::primaryKey, catalog::missingValues)
                .update(catalog.relation("public", "pairs"));
    }

    @AfterEach
    void tearDown() throws SQLException {
        catalog.close();
        server.dropDatabase(database);
    }

    @Test
    void aFreshCopyRangesInTheKeyIndexsOrderAndStoresIt() throws SQLException {
        assertThat(catalog.keyIndexOrder(pairs.oid())).containsExactly("b", "a");
        KeyRangePlan plan = KeyRangePlan.fresh(pairs, null, 100, 30, P, catalog.keyIndexOrder(pairs.oid()));
        TablePlan.Chunk first = plan.next(catalog);
        assertThat(first.condition()).isEqualTo("(\"b\", \"a\") <= (CAST(" + TablePlan.parameter(0) + " AS integer), CAST("
                + TablePlan.parameter(1) + " AS integer))");
        // The 30th row in (b, a) order is b = 2, a = 9.
        assertThat(first.parameters()).containsExactly("2", "9");
        assertThat(first.afterChunk()).containsEntry("order_count", 2).containsEntry("order_0", "b")
                .containsEntry("order_1", "a").containsEntry("after_0", "2").containsEntry("after_1", "9");
    }

    /** A copy stored by a version that ranged in column order goes on in that order: its bound is an (a, b) key. */
    @Test
    void aCopyStoredWithoutItsOrderGoesOnInColumnOrder() throws SQLException {
        Map<String, Object> stored = new HashMap<>(Map.of("chunking", "key", "oid", (long) pairs.oid(), "after_count", 2L,
                "after_0", "4", "after_1", "7", "done", false));
        KeyRangePlan plan = KeyRangePlan.resume(pairs, null, 100, 30, P, SnapshotOffsets.parse(stored));
        TablePlan.Chunk next = plan.next(catalog);
        assertThat(next.condition()).startsWith("(\"a\", \"b\") > (");
        assertThat(next.parameters()).startsWith("4", "7");
        // Rows with (a, b) after (4, 7) in (a, b) order: the 30th is a = 7, b = 7.
        assertThat(next.parameters().subList(2, 4)).containsExactly("7", "7");
        assertThat(next.afterChunk()).containsEntry("order_0", "a").containsEntry("order_1", "b");
    }

    @Test
    void aCopyStoredWithItsOrderGoesOnInThatOrder() throws SQLException {
        Map<String, Object> stored = new HashMap<>(KeyRangePlan.offset(List.of("b", "a"), List.of("2", "9"), false));
        KeyRangePlan plan = KeyRangePlan.resume(pairs, null, 100, 30, P, SnapshotOffsets.parse(stored));
        TablePlan.Chunk next = plan.next(catalog);
        assertThat(next.condition()).startsWith("(\"b\", \"a\") > (");
        assertThat(next.parameters()).containsExactly("2", "9", "5", "9");
    }
}
