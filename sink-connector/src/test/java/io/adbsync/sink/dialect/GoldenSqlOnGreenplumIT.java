package io.adbsync.sink.dialect;

import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.ddl.DestinationCatalog;
import io.adbsync.sink.ddl.TableState;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.Sql;
import io.adbsync.sink.precheck.SinkPrecheck;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every golden statement of Greenplum 7 and the shared ones run on a real Greenplum cluster (coordinator and
 * segments) and do what they are meant to; the catalog queries of the dialect and the precheck read its real catalogs.
 */
class GoldenSqlOnGreenplumIT {

    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final TableId TABLE = GoldenSql.TABLE;
    private static PostgresServer gp;
    private static String db;
    private static Dialect dialect;

    @BeforeAll
    static void cluster() throws SQLException {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        gp = Greenplum.shared();
        db = gp.createDatabase("golden_gp");
        try (Connection c = gp.connect(db)) {
            dialect = Dialects.detect(c);
        }
    }

    @AfterAll
    static void dropDatabase() throws SQLException {
        if (db != null) {
            gp.dropDatabase(db);
        }
    }

    @BeforeEach
    void freshSchemas() throws SQLException {
        sql("DROP SCHEMA IF EXISTS sales CASCADE", "DROP SCHEMA IF EXISTS adbsync CASCADE", "CREATE SCHEMA sales",
                "CREATE SCHEMA adbsync");
    }

    @Test
    void theServerIsDetectedAsGreenplum7WithoutBeamAndItsSqlIsTheGoldenSql() throws Exception {
        assertThat(dialect.name()).isEqualTo("greenplum7");
        assertThat(dialect.supports(StorageEngine.HEAP)).isTrue();
        assertThat(dialect.supports(StorageEngine.AO_ROW)).isTrue();
        assertThat(dialect.supports(StorageEngine.AO_COLUMN)).isTrue();
        assertThat(dialect.supports(StorageEngine.BEAM)).as("Beam as pg_am says").isEqualTo(hasBeam());
        Map<String, String> ddl = GoldenSql.ddl(dialect);
        assertThat(ddl).containsKeys("create_table_heap", "create_table_ao_row", "create_table_ao_column");
        for (Map.Entry<String, String> e : ddl.entrySet()) {
            assertThat(e.getValue() + ";\n").as(e.getKey())
                    .isEqualTo(Files.readString(GOLDEN.resolve("greenplum7").resolve(e.getKey() + ".sql")));
        }
    }

    @Test
    void eachGoldenTableIsCreatedWithItsStorageAndDistributionAsTheCatalogQueriesReadThem() throws Exception {
        Map<String, String> ddl = GoldenSql.ddl(dialect);
        Map<String, Expected> expected = Map.of(
                "create_table_heap", new Expected(StorageEngine.HEAP, "DISTRIBUTED BY (order_id, line)", List.of("order_id", "line"), true),
                "create_table_ao_row", new Expected(StorageEngine.AO_ROW, "DISTRIBUTED BY (order_id, line)", List.of("order_id", "line"), false),
                "create_table_ao_column", new Expected(StorageEngine.AO_COLUMN, "DISTRIBUTED BY (order_id, line)", List.of("order_id", "line"), false),
                "create_table_distributed_by_order", new Expected(StorageEngine.HEAP, "DISTRIBUTED BY (order_id)", List.of("order_id"), true),
                "create_table_without_key", new Expected(StorageEngine.HEAP, "DISTRIBUTED RANDOMLY", List.of(), false));
        for (Map.Entry<String, Expected> e : expected.entrySet()) {
            sql(ddl.get(e.getKey()));
            TableState state = load(TABLE);
            Expected want = e.getValue();
            assertThat(state.storage()).as(e.getKey() + " storage").contains(want.storage());
            assertThat(scalar("SELECT pg_get_table_distributedby(" + regclass() + ")")).as(e.getKey()).isEqualTo(want.distributedBy());
            assertThat(state.distributionKey()).as(e.getKey() + " distribution key").isEqualTo(want.distributionKey());
            assertThat(state.uniqueKeys()).as(e.getKey() + " unique keys")
                    .isEqualTo(want.primaryKey() ? List.of(Set.of("order_id", "line")) : List.of());
            assertThat(state.supportsOnConflict(GoldenSql.KEYS)).as(e.getKey() + " ON CONFLICT").isEqualTo(want.primaryKey());
            assertThat(state.columns()).as(e.getKey() + " columns").containsExactly(Map.entry("order_id", "bigint"),
                    Map.entry("line", "integer"), Map.entry("amount", "numeric(12,2)"),
                    Map.entry("note", "character varying(200)"), Map.entry("tags", "text[]"));
            sql("DROP TABLE " + TABLE.quoted());
        }
        assertThat(load(TABLE).exists()).isFalse();
    }

    @Test
    void tablesMadeOutsideTheSinkAreReadAsTheyAre() throws Exception {
        // Greenplum 6 syntax, as older tooling creates append-optimized tables, still works on 7: read through pg_am.
        for (StorageEngine storage : List.of(StorageEngine.AO_ROW, StorageEngine.AO_COLUMN)) {
            sql(GoldenSql.ddl(new GreenplumDialect(false, false)).get("create_table_" + storage.accessMethod()));
            assertThat(load(TABLE).storage()).as(storage + " made with WITH (appendonly=...)").contains(storage);
            sql("DROP TABLE " + TABLE.quoted());
        }
        // Greenplum 7 has no pg_class.relstorage: only the Greenplum 6 dialect may read it.
        assertThatThrownBy(() -> scalar(new GreenplumDialect(false, false).storageQuery().replace("?", "'pg_class'")))
                .isInstanceOf(SQLException.class).hasMessageContaining("relstorage");

        // A distribution key in another order than the columns: read in its own order.
        sql("CREATE TABLE sales.reordered (a int, b int, c text, PRIMARY KEY (a, b)) DISTRIBUTED BY (b, a)");
        assertThat(load(new TableId("sales", "reordered")).distributionKey()).containsExactly("b", "a");
        // Replicated: no distribution key, and the key's unique index takes ON CONFLICT.
        sql("CREATE TABLE sales.everywhere (id int PRIMARY KEY, v text) DISTRIBUTED REPLICATED",
                "INSERT INTO sales.everywhere VALUES (1, 'a')");
        TableState replicated = load(new TableId("sales", "everywhere"));
        assertThat(replicated.distributionKey()).isEmpty();
        assertThat(replicated.supportsOnConflict(List.of("id"))).isTrue();
        sql("INSERT INTO sales.everywhere VALUES (1, 'b'), (2, 'c') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v");
        assertThat(scalar("SELECT string_agg(id || v, ',' ORDER BY id) FROM sales.everywhere")).isEqualTo("1b,2c");
    }

    @Test
    void onAHeapTableTheMergeStatementsRunAndMerge() throws Exception {
        Map<String, String> ddl = GoldenSql.ddl(dialect);
        Map<String, String> shared = GoldenSql.shared();
        try (Connection c = gp.connect(db); Statement s = c.createStatement()) {
            s.execute(ddl.get("create_table_heap"));
            s.execute(shared.get("add_column"));
            s.execute("INSERT INTO sales.\"Order Lines\" VALUES (1, 1, 1.00, 'old', '{a}'), (1, 2, 2.00, 'gone', NULL), (3, 1, 9.99, 'kept', NULL)");
            c.setAutoCommit(false);

            stage(c, ddl, shared, "1\t1\t10.50\tnew\t{x,y}\n1\t3\t3.00\t\\N\t\\N\n");
            s.execute(shared.get("upsert_on_conflict"));
            stageKeys(c, ddl, "1\t2\n");
            s.execute(shared.get("delete_using").replace("adbsync_stage_1", "adbsync_stage_2"));
            c.commit();
            assertThat(rows(c)).isEqualTo("1|1|10.50|new|{x,y};1|3|3.00|null|null;3|1|9.99|kept|null;");

            stage(c, ddl, shared, "3\t1\t0.00\tsnapshot\t\\N\n5\t1\t5.00\tfresh\t\\N\n");
            s.execute(shared.get("insert_if_absent_on_conflict"));
            c.commit();
            stage(c, ddl, shared, "1\t1\t1.00\treplaced\t\\N\n");
            s.execute(shared.get("delete_using"));
            s.execute(shared.get("insert"));
            c.commit();
            stage(c, ddl, shared, "1\t1\t\\N\t\\N\t\\N\n");
            s.execute(shared.get("upsert_key_only"));
            c.commit();
            assertThat(rows(c)).isEqualTo("1|1|1.00|replaced|null;1|3|3.00|null|null;3|1|9.99|kept|null;5|1|5.00|fresh|null;");

            partialUpdates(c, ddl, shared);
            assertThat(rows(c)).isEqualTo("1|1|1.00|partial|{p};1|3|3.00|null|null;3|1|9.99|kept|null;5|1|5.00|fresh|null;");
            s.execute(shared.get("truncate"));
            c.commit();
            assertThat(rows(c)).isEmpty();
        }
    }

    @Test
    void aColumnAddedFilledGivesTheRowsThereTheValueAndNewRowsNoDefault() throws Exception {
        Map<String, String> ddl = GoldenSql.ddl(dialect);
        Map<String, String> shared = GoldenSql.shared();
        for (String storage : List.of("heap", "ao_row", "ao_column")) {
            try (Connection c = gp.connect(db); Statement s = c.createStatement()) {
                s.execute(ddl.get("create_table_" + storage));
                s.execute("INSERT INTO sales.\"Order Lines\" VALUES (1, 1, 1.00, 'old', '{a}'), (3, 1, 9.99, 'kept', NULL)");
                s.execute(shared.get("add_column_filled"));
                s.execute(shared.get("drop_default"));
                s.execute("INSERT INTO sales.\"Order Lines\" (order_id, line) VALUES (4, 1)");
                try (ResultSet rs = s.executeQuery("SELECT string_agg(coalesce(remark, 'null'), ';' ORDER BY order_id) "
                        + "FROM sales.\"Order Lines\"")) {
                    rs.next();
                    assertThat(rs.getString(1)).as(storage).isEqualTo("it's 'a', \"b\" \\x;it's 'a', \"b\" \\x;null");
                }
                s.execute("DROP TABLE " + TABLE.quoted());
            }
        }
    }

    @Test
    void onAppendOptimizedTablesTheDeleteInsertStatementsRunAndMerge() throws Exception {
        Map<String, String> ddl = GoldenSql.ddl(dialect);
        Map<String, String> shared = GoldenSql.shared();
        for (String storage : List.of("ao_row", "ao_column")) {
            try (Connection c = gp.connect(db); Statement s = c.createStatement()) {
                s.execute(ddl.get("create_table_" + storage));
                s.execute(shared.get("add_column"));
                s.execute("INSERT INTO sales.\"Order Lines\" VALUES (1, 1, 1.00, 'old', '{a}'), (1, 2, 2.00, 'gone', NULL), (3, 1, 9.99, 'kept', NULL)");
                c.setAutoCommit(false);

                // What the writer runs for an upsert where ON CONFLICT cannot: delete the staged keys, insert the rows.
                stage(c, ddl, shared, "1\t1\t10.50\tnew\t{x,y}\n1\t3\t3.00\t\\N\t\\N\n");
                s.execute(shared.get("delete_using"));
                s.execute(shared.get("insert"));
                stageKeys(c, ddl, "1\t2\n");
                s.execute(shared.get("delete_using").replace("adbsync_stage_1", "adbsync_stage_2"));
                c.commit();
                assertThat(rows(c)).as(storage).isEqualTo("1|1|10.50|new|{x,y};1|3|3.00|null|null;3|1|9.99|kept|null;");

                stage(c, ddl, shared, "3\t1\t0.00\tsnapshot\t\\N\n4\t1\t4.00\tfresh\t\\N\n");
                s.execute(shared.get("insert_if_absent"));
                c.commit();
                assertThat(rows(c)).as(storage).isEqualTo("1|1|10.50|new|{x,y};1|3|3.00|null|null;3|1|9.99|kept|null;4|1|4.00|fresh|null;");

                partialUpdates(c, ddl, shared);
                assertThat(rows(c)).as(storage).isEqualTo("1|1|10.50|partial|{p};1|3|3.00|null|null;3|1|9.99|kept|null;4|1|4.00|fresh|null;");

                // The ON CONFLICT forms are refused on these tables: the writer must never pick them there.
                stage(c, ddl, shared, "1\t1\t1.00\tx\t\\N\n");
                assertThatThrownBy(() -> s.execute(shared.get("upsert_on_conflict"))).as(storage)
                        .hasMessageContaining("no unique or exclusion constraint matching the ON CONFLICT specification");
                c.rollback();
                s.execute(shared.get("truncate"));
                c.commit();
                assertThat(rows(c)).isEmpty();
                s.execute("DROP TABLE " + TABLE.quoted());
                c.commit();
            }
        }
    }

    @Test
    void theOffsetsTableTakesItsCompareAndSetStatements() throws Exception {
        Map<String, String> shared = GoldenSql.shared();
        try (Connection c = gp.connect(db); Statement s = c.createStatement()) {
            s.execute(GoldenSql.ddl(dialect).get("create_offsets_table"));
            // IF NOT EXISTS: a second task or a restart runs it again.
            s.execute(GoldenSql.ddl(dialect).get("create_offsets_table"));
            assertThat(load(new TableId("adbsync", "offsets")).distributionKey()).containsExactly("connector", "topic", "kafka_partition");
            c.setAutoCommit(false);
            try (PreparedStatement first = c.prepareStatement(shared.get("offsets_insert_first"));
                 PreparedStatement advance = c.prepareStatement(shared.get("offsets_advance"))) {
                for (int p = 0; p < 2; p++) {
                    first.setString(4 * p + 1, "c");
                    first.setString(4 * p + 2, "t");
                    first.setInt(4 * p + 3, p);
                    first.setLong(4 * p + 4, 5);
                }
                assertThat(written(first)).isEqualTo("t/0 t/1");
                first.setLong(4, 7);
                assertThat(written(first)).as("second first offsets").isEmpty();
                // Partition 0 moves on from 5; partition 1 is not at 6, so it stays where it is.
                long[][] rows = {{0, 9, 5}, {1, 9, 6}};
                for (int p = 0; p < 2; p++) {
                    advance.setString(4 * p + 1, "t");
                    advance.setInt(4 * p + 2, (int) rows[p][0]);
                    advance.setLong(4 * p + 3, rows[p][1]);
                    advance.setLong(4 * p + 4, rows[p][2]);
                }
                advance.setString(9, "c");
                assertThat(written(advance)).isEqualTo("t/0");
                assertThat(written(advance)).as("advance again from 5").isEmpty();
                // Past pgjdbc's prepareThreshold the statements run as server-side prepared statements.
                for (int i = 0; i < 6; i++) {
                    advance.setLong(3, 10 + i);
                    advance.setLong(4, 9 + i);
                    assertThat(written(advance)).as("advance " + i).isEqualTo("t/0");
                }
            }
            c.commit();
            assertThat(scalar("SELECT string_agg(next_offset::text, ',' ORDER BY kafka_partition) FROM adbsync.offsets")).isEqualTo("15,5");
        }
    }

    @Test
    void theBeamStatementIsRefusedByAServerWithoutBeam() throws Exception {
        assumeTrue(!hasBeam(), "this server has the Beam access method");
        String beam = Files.readString(GOLDEN.resolve("greenplum7/create_table_beam.sql"));
        assertThatThrownBy(() -> sql(beam.substring(0, beam.lastIndexOf(';'))))
                .hasMessageContaining("access method \"beam\" does not exist");
    }

    @Test
    void thePrecheckReadsTheRealCatalogs() throws Exception {
        sql("CREATE TABLE sales.taken (id int PRIMARY KEY) DISTRIBUTED BY (id)");
        assertThat(precheck("x.sales.taken,x.sales.free")).isEmpty();
        assertThat(precheck("x.sales.taken", SinkConfig.STORAGE_ENGINE, "beam"))
                .isEqualTo(hasBeam() ? Map.of() : Map.of(SinkConfig.STORAGE_ENGINE, List.of(SinkConfig.unsupportedStorage(dialect, StorageEngine.BEAM))));
        assertThat(precheck("x.sales.taken", SinkConfig.STORAGE_ENGINE, "ao_column")).isEmpty();
        Map<String, List<String>> conflict = precheck("x.sales.taken,x.sales.free", SinkConfig.TABLE_CONFLICT_MODE, "fail");
        assertThat(conflict).containsOnlyKeys(SinkConfig.TABLE_CONFLICT_MODE);
        assertThat(conflict.get(SinkConfig.TABLE_CONFLICT_MODE)).singleElement().asString().contains("sales.taken");
        assertThat(precheck("x.sales.free", SinkConfig.AUTO_CREATE, "false").get(SinkConfig.AUTO_CREATE))
                .singleElement().asString().contains("sales.free does not exist");
        // A schema that does not exist yet: the database-level CREATE privilege decides.
        assertThat(precheck("x.newschema.t")).isEmpty();
    }

    /** Whether the server has Beam (AnalyticDB 7.0.6.2+ given by ADBSYNC_TEST_GP_URL); the gp7 kit has none. */
    private static boolean hasBeam() throws SQLException {
        return "true".equals(scalar("SELECT EXISTS (SELECT 1 FROM pg_am WHERE amname = 'beam')::text"));
    }

    private static Map<String, List<String>> precheck(String topics, String... extra) {
        Map<String, String> props = new HashMap<>();
        props.put("connection.url", gp.jdbcUrl(db));
        props.put("connection.user", gp.user());
        if (gp.password() != null) {
            props.put("connection.password", gp.password());
        }
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i], extra[i + 1]);
        }
        return SinkPrecheck.run(new SinkConfig(props), List.of(topics.split(",")));
    }

    /** Partial rows (some columns unavailable): the first-absent-key check, then UPDATE … FROM of the columns carried. */
    private static void partialUpdates(Connection c, Map<String, String> ddl, Map<String, String> shared) throws Exception {
        try (Statement s = c.createStatement()) {
            stage(c, ddl, shared, "1\t1\t\\N\tpartial\t{p}\n");
            try (ResultSet rs = s.executeQuery(shared.get("first_absent_key"))) {
                assertThat(rs.next()).as("every staged key has a row").isFalse();
            }
            String update = shared.get("update_from");
            // The golden statement sets amount too; a partial row lacking it sets only note and tags.
            s.execute(update.replace("\"amount\" = \"s\".\"amount\", ", ""));
            c.commit();
            stage(c, ddl, shared, "9\t9\t\\N\tnone\t\\N\n");
            try (ResultSet rs = s.executeQuery(shared.get("first_absent_key"))) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1) + "/" + rs.getString(2)).isEqualTo("9/9");
            }
            c.rollback();
        }
    }

    private record Expected(StorageEngine storage, String distributedBy, List<String> distributionKey, boolean primaryKey) {
    }

    private static TableState load(TableId id) throws SQLException {
        try (Connection c = gp.connect(db)) {
            return new DestinationCatalog(dialect).load(c, id);
        }
    }

    private static String regclass() {
        return "'" + TABLE.regclassText().replace("'", "''") + "'::regclass";
    }

    private static void sql(String... statements) throws SQLException {
        Sql.sql(gp, db, statements);
    }

    private static String scalar(String query) throws SQLException {
        return Sql.scalar(gp, db, query);
    }

    /**
     * The partitions an offsets statement returns as written, as sorted {@code topic/partition}: RETURNING rows come
     * from the segments in no fixed order.
     */
    private static String written(PreparedStatement ps) throws Exception {
        List<String> written = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                written.add(rs.getString(1) + "/" + rs.getInt(2));
            }
        }
        return written.stream().sorted().collect(Collectors.joining(" "));
    }

    private static void stage(Connection c, Map<String, String> ddl, Map<String, String> shared, String rows) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute(ddl.get("create_staging"));
        }
        c.unwrap(PGConnection.class).getCopyAPI().copyIn(shared.get("copy_in"), new StringReader(rows));
    }

    /** A second staging table with the key columns only, as for deletes. */
    private static void stageKeys(Connection c, Map<String, String> ddl, String rows) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute(ddl.get("create_staging").replace("adbsync_stage_1", "adbsync_stage_2")
                    .replace(", \"amount\", \"note\", \"tags\"", ""));
        }
        c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY adbsync_stage_2 (order_id, line) FROM STDIN", new StringReader(rows));
    }

    private static String rows(Connection c) throws Exception {
        StringBuilder out = new StringBuilder();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT order_id, line, amount::text, note, tags::text FROM sales.\"Order Lines\" ORDER BY 1, 2")) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('|').append(rs.getString(2)).append('|').append(rs.getString(3))
                        .append('|').append(rs.getString(4)).append('|').append(rs.getString(5)).append(';');
            }
        }
        c.commit();
        return out.toString();
    }
}
