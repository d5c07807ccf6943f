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

    private KeyRangePlan.ColumnOrders orders() {
        return () -> catalog.columnOrders(pairs.oid());
    }

    @Test
    void aFreshCopyRangesInTheKeyIndexsOrderAndStoresIt() throws SQLException {
        assertThat(catalog.keyIndexOrder(pairs.oid())).containsExactly("b", "a");
        KeyRangePlan plan = KeyRangePlan.fresh(pairs, null, 100, 30, P, indexOrder(), orders());
        TablePlan.Chunk first = plan.next(catalog);
        assertThat(first.condition()).isEqualTo("(\"b\", \"a\") <= (CAST(" + TablePlan.parameter(0) + " AS integer), CAST("
                + TablePlan.parameter(1) + " AS integer))");
        // The 30th row in (b, a) order is b = 2, a = 9.
        assertThat(first.parameters()).containsExactly("2", "9");
        assertThat(first.afterChunk()).containsEntry("order_count", 2).containsEntry("order_0", "b")
                .containsEntry("order_1", "a").containsEntry("after_0", "2").containsEntry("after_1", "9")
                // integer, which has no collation
                .containsEntry("order_sort_0", "pg_catalog.int4 (column 2)").containsEntry("order_sort_1", "pg_catalog.int4 (column 1)");
    }

    /**
     * A bound stored under one order of a key column (its type and collation) and resumed under another: the ranges
     * after it would not be those of the rows not copied, so the copy is planned afresh; under the same order it goes on.
     */
    @Test
    void aCopyWhoseKeyColumnsOrderOtherwiseNowStartsAgain() throws SQLException {
        sql("CREATE TABLE words (w text PRIMARY KEY)", "INSERT INTO words SELECT 'w' || g FROM generate_series(1, 100) g");
        CapturedTable words = describe("words");
        KeyRangePlan.ColumnOrders now = () -> catalog.columnOrders(words.oid());
        String text = now.byName().get("w");
        Map<String, Object> stored = new HashMap<>(KeyRangePlan.offset(List.of("w"), List.of(text), List.of("w50"), false));
        assertThat(KeyRangePlan.resume(words, null, 100, () -> 30, P, SnapshotOffsets.parse(stored),
                () -> List.of("w"), now)).isNotNull();
        sql("ALTER TABLE words ALTER COLUMN w TYPE text COLLATE \"POSIX\"");
        assertThat(now.byName().get("w")).isNotEqualTo(text);
        assertThat(KeyRangePlan.resume(words, null, 100, () -> 30, P, SnapshotOffsets.parse(stored),
                () -> List.of("w"), now)).isNull();
    }

    /** A copy stored by a version that ranged in column order goes on in that order: its bound is an (a, b) key. */
    @Test
    void aCopyStoredWithoutItsOrderGoesOnInColumnOrder() throws SQLException {
        Map<String, Object> stored = new HashMap<>(Map.of("chunking", "key", "oid", (long) pairs.oid(), "after_count", 2L,
                "after_0", "4", "after_1", "7", "done", false));
        KeyRangePlan plan = KeyRangePlan.resume(pairs, null, 100, () -> 30, P, SnapshotOffsets.parse(stored), indexOrder(), orders());
        TablePlan.Chunk next = plan.next(catalog);
        assertThat(next.condition()).startsWith("(\"a\", \"b\") > (");
        // Rows with (a, b) after (4, 7) in (a, b) order: the 30th is a = 7, b = 7.
        assertThat(next.parameters()).containsExactly("4", "7", "7", "7");
        assertThat(next.afterChunk()).containsEntry("order_0", "a").containsEntry("order_1", "b");
    }

    @Test
    void aCopyStoredWithItsOrderGoesOnInThatOrder() throws SQLException {
        Map<String, Object> stored = new HashMap<>(KeyRangePlan.offset(List.of("b", "a"), List.of(), List.of("2", "9"), false));
        KeyRangePlan plan = KeyRangePlan.resume(pairs, null, 100, () -> 30, P, SnapshotOffsets.parse(stored), indexOrder(), orders());
        TablePlan.Chunk next = plan.next(catalog);
        assertThat(next.condition()).startsWith("(\"b\", \"a\") > (");
        assertThat(next.parameters()).containsExactly("2", "9", "5", "9");
    }

    /**
     * A bound that is no longer a key of the table's key columns cannot say which rows were copied: a key column renamed
     * during the copy, or another key of as many columns ((b, c) for (b, a), where positions or column order would read
     * the bound's a as c and skip rows). The copy is planned afresh (null), which sends rows again, never fewer.
     */
    @Test
    void aCopyWhoseBoundIsNotAKeyOfTheTableNowStartsAgain() throws SQLException {
        Map<String, Object> stored = new HashMap<>(KeyRangePlan.offset(List.of("b", "a"), List.of(), List.of("2", "9"), false));
        sql("ALTER TABLE pairs RENAME COLUMN b TO bee");
        CapturedTable renamed = describe();
        assertThat(KeyRangePlan.resume(renamed, null, 100, () -> 30, P, SnapshotOffsets.parse(stored),
                () -> catalog.keyIndexOrder(renamed.oid()), orders())).isNull();

        sql("ALTER TABLE pairs RENAME COLUMN bee TO b", "ALTER TABLE pairs ADD COLUMN c int NOT NULL DEFAULT 0",
                "UPDATE pairs SET c = a", "ALTER TABLE pairs DROP CONSTRAINT pairs_pkey", "ALTER TABLE pairs ADD PRIMARY KEY (b, c)");
        CapturedTable otherKey = describe();
        assertThat(KeyRangePlan.resume(otherKey, null, 100, () -> 30, P, SnapshotOffsets.parse(stored),
                () -> catalog.keyIndexOrder(otherKey.oid()), orders())).isNull();
    }

    /**
     * A copy done has no bound to read in an order: a key changed since (here a third column in the primary key, now
     * declared (c, a, b)) does not stop it; one with nothing copied yet is planned afresh.
     */
    @Test
    void aCopyDoneOrNotBegunIgnoresTheOrderItStoredWhenTheKeyChanged() throws SQLException {
        Map<String, Object> done = new HashMap<>(KeyRangePlan.offset(List.of("b", "a"), List.of(), null, true));
        Map<String, Object> notBegun = new HashMap<>(KeyRangePlan.offset(List.of("b", "a"), List.of(), null, false));
        sql("ALTER TABLE pairs ADD COLUMN c int NOT NULL DEFAULT 0", "ALTER TABLE pairs DROP CONSTRAINT pairs_pkey",
                "ALTER TABLE pairs ADD PRIMARY KEY (c, a, b)");
        CapturedTable changed = describe();
        KeyRangePlan.IndexOrder now = () -> catalog.keyIndexOrder(changed.oid());
        assertThat(KeyRangePlan.resume(changed, null, 100, () -> 30, P, SnapshotOffsets.parse(done), now, orders()).next(catalog)).isNull();
        assertThat(KeyRangePlan.resume(changed, null, 100, () -> 30, P, SnapshotOffsets.parse(notBegun), now, orders())).isNull();
        TablePlan.Chunk first = KeyRangePlan.fresh(changed, null, 100, 30, P, now, orders()).next(catalog);
        assertThat(first.condition()).startsWith("(\"c\", \"a\", \"b\") <= (");
        assertThat(first.afterChunk()).containsEntry("order_0", "c").containsEntry("order_1", "a").containsEntry("order_2", "b");
    }

    /**
     * The last range is checked as every other: it is handed out (the plan then says it is done) before it is read, as
     * are the others of its round, and a key whose order changed in between would have it read after a bound found in
     * the old order. (Red before: the plan, done, said its ranges held.)
     */
    @Test
    void theLastRangeIsCheckedAgainstTheKeysOrderAsEveryOtherIs() throws SQLException {
        sql("CREATE TABLE words (w text PRIMARY KEY)", "INSERT INTO words SELECT 'w' || g FROM generate_series(1, 100) g");
        CapturedTable words = describe("words");
        KeyRangePlan plan = KeyRangePlan.fresh(words, null, 100, 1000, P, () -> List.of("w"),
                () -> catalog.columnOrders(words.oid()));
        assertThat(plan.next(catalog).afterChunk()).containsEntry("done", true);
        assertThat(plan.rangesNoLongerHold(locked(words))).isNull();
        sql("ALTER TABLE words ALTER COLUMN w TYPE text COLLATE \"POSIX\"");
        assertThat(plan.rangesNoLongerHold(locked(words))).startsWith("key column w is another column or orders "
                + "otherwise (pg_catalog.text COLLATE pg_catalog.\"default\" (column 1) then, pg_catalog.text COLLATE pg_catalog.\"POSIX\" (column 1) now)");
    }

    /**
     * Two key columns of one type that swap names (three renames) keep every name and type of the key: the stored
     * bound would be read with its values in each other's columns. The columns are not the same ones, so the copy is
     * planned afresh.
     */
    @Test
    void aCopyWhoseKeyColumnsSwappedNamesStartsAgain() throws SQLException {
        Map<String, Object> stored = new HashMap<>(KeyRangePlan.fresh(pairs, null, 100, 30, P, indexOrder(), orders())
                .next(catalog).afterChunk());
        assertThat(KeyRangePlan.resume(pairs, null, 100, () -> 30, P, SnapshotOffsets.parse(stored), indexOrder(),
                orders())).isNotNull();
        sql("ALTER TABLE pairs RENAME COLUMN a TO tmp", "ALTER TABLE pairs RENAME COLUMN b TO a",
                "ALTER TABLE pairs RENAME COLUMN tmp TO b");
        CapturedTable swapped = describe();
        assertThat(KeyRangePlan.resume(swapped, null, 100, () -> 30, P, SnapshotOffsets.parse(stored),
                () -> catalog.keyIndexOrder(swapped.oid()), orders())).isNull();
    }

    /**
     * A key column of a domain with a collation of its own, given another collation: a bound cast to the domain carries
     * the domain's collation, which conflicts with the column's ("could not determine which collation to use"), and
     * the copy failed at its second range on every retry. The ranges compare under the column's collation, as the key
     * index and ORDER BY do, and cover every row once.
     */
    @Test
    void aKeyOfADomainWithItsOwnCollationIsRangedUnderTheColumnsCollation() throws SQLException {
        sql("CREATE DOMAIN posix_text AS text COLLATE \"POSIX\"",
                "CREATE TABLE labels (l posix_text COLLATE \"C\" PRIMARY KEY)",
                "INSERT INTO labels SELECT 'l' || g FROM generate_series(1, 100) g");
        CapturedTable labels = describe("labels");
        KeyRangePlan plan = KeyRangePlan.fresh(labels, null, 100, 30, P, () -> List.of("l"),
                () -> catalog.columnOrders(labels.oid()));
        long copied = 0;
        int chunks = 0;
        for (TablePlan.Chunk chunk = plan.next(catalog); chunk != null; chunk = plan.next(catalog)) {
            copied += rowsIn("labels", chunk);
            chunks++;
        }
        assertThat(chunks).isEqualTo(4);
        assertThat(copied).isEqualTo(100);
    }

    /**
     * A bound names its collation only where it cannot compare without: naming one needs USAGE on its schema, which the
     * column's own collation, used implicitly, does not.
     */
    @Test
    void aBoundNamesNoCollationWhereTheColumnsOwnComparesIt() throws SQLException {
        sql("CREATE TABLE words (w text COLLATE \"C\" PRIMARY KEY)", "INSERT INTO words SELECT 'w' || g FROM generate_series(1, 100) g");
        CapturedTable words = describe("words");
        KeyRangePlan plan = KeyRangePlan.fresh(words, null, 100, 30, P, () -> List.of("w"),
                () -> catalog.columnOrders(words.oid()));
        plan.next(catalog);
        assertThat(plan.next(catalog).condition()).doesNotContain("COLLATE");
    }

    /** How many rows of {@code table} {@code chunk}'s condition selects, its parameters bound as a chunk's read binds them. */
    private long rowsIn(String table, TablePlan.Chunk chunk) throws SQLException {
        try (var c = server.connect(database)) {
            c.setAutoCommit(false);
            for (int i = 0; i < chunk.parameters().size(); i++) {
                try (var ps = c.prepareStatement("SELECT set_config(?, ?, true)")) {
                    ps.setString(1, TablePlan.parameterSetting(i));
                    ps.setString(2, chunk.parameters().get(i));
                    ps.execute();
                }
            }
            try (var s = c.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM " + table
                    + (chunk.condition() == null ? "" : " WHERE " + chunk.condition()))) {
                rs.next();
                return rs.getLong(1);
            } finally {
                c.rollback();
            }
        }
    }

    /** The table as a chunk's lock finds it. */
    private SourceCatalog.LockedShape locked(CapturedTable table) throws SQLException {
        try (var c = server.connect(database)) {
            c.setAutoCommit(false);
            try {
                return SourceCatalog.lockAndDescribe(c, "public", table.table(), table.oid(), null, table.oid());
            } finally {
                c.rollback();
            }
        }
    }

    private CapturedTable describe() throws SQLException {
        return describe("pairs");
    }

    private CapturedTable describe(String table) throws SQLException {
        return new RelationRegistry("p", new TypeMapper(catalog::formatType), catalog::primaryKey, catalog::missingValues)
                .update(catalog.relation("public", table));
    }

    private void sql(String... statements) throws SQLException {
        try (var c = server.connect(database); var s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }
}
