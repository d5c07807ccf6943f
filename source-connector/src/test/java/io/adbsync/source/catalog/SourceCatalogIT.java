package io.adbsync.source.catalog;

import io.adbsync.common.contract.EventContract;
import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.source.Sql;
import io.adbsync.source.catalog.CapturedTable.CapturedColumn;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.catalog.UnchangedToastLoader.KeyValue;
import io.adbsync.source.types.TypeMapper;
import io.adbsync.stack.postgres.LocalPostgres;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The unchanged-TOAST re-read of {@link SourceCatalog} against a real server whose defaults print values differently. */
class SourceCatalogIT {

    private PostgresServer server;
    private String database;
    private SourceCatalog catalog;
    private CapturedTable docs;

    @BeforeEach
    void setUp() throws SQLException {
        server = Postgres.shared();
        database = server.createDatabase("toast");
        sql("ALTER DATABASE " + database + " SET bytea_output = 'escape'",
                "ALTER DATABASE " + database + " SET DateStyle = 'SQL, DMY'",
                "ALTER DATABASE " + database + " SET IntervalStyle = 'postgres_verbose'",
                "ALTER DATABASE " + database + " SET TimeZone = 'Asia/Tokyo'",
                "CREATE TABLE docs (id int PRIMARY KEY, body text, blob bytea, span interval, at timestamptz, code char(6))",
                "INSERT INTO docs VALUES (1, 'original', '\\xdeadbeef', '1 day 2 hours', '2024-02-29 13:14:15+00', 'ab')");
        catalog = new SourceCatalog(new ConnectionConfig(server.jdbcUrl(database), server.user(),
                server.password() == null ? null : new Password(server.password())));
        TypeMapper types = new TypeMapper(catalog::formatType);
        docs = new RelationRegistry("p", types, catalog::primaryKey, catalog::missingValues).update(catalog.relation("public", "docs"));
    }

    @AfterEach
    void tearDown() {
        catalog.close();
    }

    /**
     * A change committed before the call is behind the position it gives, also under synchronous_commit=off: such a
     * commit is visible before its WAL is written, and the WAL writer writes a partly filled page only every
     * wal_writer_delay. (Red before: the position was pg_current_wal_lsn(), where WAL is written, short of the commit;
     * a copy waiting for the stream to pass it could go out before the commit's changes.)
     */
    @Test
    void theStreamServersPositionIsPastEveryVisibleChangeUnderAsynchronousCommit() throws Exception {
        sql("ALTER SYSTEM SET wal_writer_delay = '10s'", "SELECT pg_reload_conf()");
        try (Connection c = server.connect(database); Statement s = c.createStatement()) {
            // The writer takes the new delay at its next wake-up.
            Thread.sleep(500);
            s.execute("SET synchronous_commit = off");
            s.execute("INSERT INTO docs VALUES (2, 'async', NULL, NULL, NULL, NULL)");
            long committedUpTo;
            try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
                rs.next();
                committedUpTo = rs.getLong(1);
            }
            // Where the next record begins: past the commit, or past a page header where the commit filled its page.
            long inPage = committedUpTo % 8192;
            long commitEnd = inPage == 24 || inPage == 40 ? committedUpTo - inPage : committedUpTo;
            assertThat(catalog.streamServerLsn().value()).isGreaterThanOrEqualTo(commitEnd);
        } finally {
            sql("ALTER SYSTEM RESET wal_writer_delay", "SELECT pg_reload_conf()");
        }
    }

    /**
     * Narrow rows first and wide ones after them: the rows measured are picked at random across the sampled blocks, so
     * the wide ones count (the first 200 rows of the sample, all narrow, measured ~10 bytes against an average of ~1,800).
     */
    @Test
    void theWidthOfRowsIsMeasuredAcrossTheSampleNotOnItsFirstRows() throws SQLException {
        sql("CREATE TABLE mixed (id int PRIMARY KEY, v text)",
                "INSERT INTO mixed SELECT g, 'n' FROM generate_series(1, 20000) g",
                "INSERT INTO mixed SELECT g, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 625) i) "
                        + "FROM generate_series(20001, 22000) g", "ANALYZE mixed");
        SourceCatalog.RelationSize size = catalog.sizeOf("public", "mixed", oid("mixed"));
        // 2,000 of 22,000 rows are 20,000 bytes wide: ~1,820 bytes a row.
        assertThat(catalog.textBytesPerRow(new io.adbsync.common.sql.TableId("public", "mixed"), size,
                List.of("id", "v"), 200)).isBetween(300L, 3_600L);
    }

    /**
     * Each value as COPY would send it, whatever the columns are called: a column named like the sample's alias counts
     * as one, quotes once (a record's text form would double them), a char(n) padded.
     */
    @Test
    void theWidthOfRowsCountsEachCopiedColumnsText() throws SQLException {
        sql("CREATE TABLE \"we\"\"ird\" (r int PRIMARY KEY, \"quo\"\"ted\" text, padded char(500), skipped text)",
                "INSERT INTO \"we\"\"ird\" SELECT g, repeat('\"', 1000), 'p', repeat('s', 5000) FROM generate_series(1, 500) g");
        SourceCatalog.RelationSize size = catalog.sizeOf("public", "we\"ird", oid("\"we\"\"ird\""));
        // 1,000 quote characters, 500 of char(500), the key's 1 to 3 digits, three separators; the column the copy does
        // not read is not measured.
        assertThat(catalog.textBytesPerRow(new io.adbsync.common.sql.TableId("public", "we\"ird"), size,
                List.of("r", "quo\"ted", "padded"), 200)).isBetween(1_504L, 1_506L);
    }

    /**
     * Snapshot readers name types on the task's one catalog connection while other threads query it. The name of a user
     * type must be qualified whoever else uses the connection (the sink creates the column with it), and another
     * thread's query must run with the session's own search_path, not the one naming sets.
     */
    @Test
    void typesAreNamedQualifiedWhileOtherThreadsUseTheConnection() throws Exception {
        sql("CREATE TYPE mood AS ENUM ('ok', 'sad')", "CREATE TYPE public.\"Level\" AS ENUM ('lo', 'hi')",
                "CREATE SCHEMA elsewhere", "CREATE TYPE elsewhere.text AS ENUM ('t')");
        assertThat(catalog.formatType(Integer.parseUnsignedInt(server.scalar(database, "SELECT 'elsewhere.text'::regtype::oid")), -1))
                .isEqualTo("elsewhere.text");
        assertThat(catalog.formatType(Integer.parseUnsignedInt(server.scalar(database, "SELECT 'public.mood[]'::regtype::oid")), -1))
                .isEqualTo("public.mood[]");
        assertThat(catalog.formatType(1043, 14)).isEqualTo("character varying(10)");
        int mood = Integer.parseUnsignedInt(server.scalar(database, "SELECT 'public.mood'::regtype::oid"));
        int level = Integer.parseUnsignedInt(server.scalar(database, "SELECT 'public.\"Level\"'::regtype::oid"));
        var pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<List<String>>> namings = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                namings.add(pool.submit(() -> {
                    List<String> names = new java.util.ArrayList<>();
                    for (int i = 0; i < 150; i++) {
                        names.add(catalog.formatType(i % 2 == 0 ? mood : level, -1));
                    }
                    return names;
                }));
            }
            List<Future<List<String>>> paths = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                paths.add(pool.submit(() -> {
                    List<String> seen = new java.util.ArrayList<>();
                    for (int i = 0; i < 150; i++) {
                        try (Statement s = catalog.connection().createStatement();
                             ResultSet rs = s.executeQuery("SELECT current_setting('search_path')")) {
                            rs.next();
                            seen.add(rs.getString(1));
                        }
                    }
                    return seen;
                }));
            }
            for (Future<List<String>> names : namings) {
                assertThat(names.get(2, TimeUnit.MINUTES)).as("names of public.mood and public.\"Level\"")
                        .containsOnly("public.mood", "public.\"Level\"");
            }
            for (Future<List<String>> seen : paths) {
                assertThat(seen.get(2, TimeUnit.MINUTES)).as("search_path of other queries").containsOnly("\"$user\", public");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * An array is named after its element, qualified as the element is: the array type's own visibility differs where
     * a schema earlier in the search_path holds a type named like it ({@code _mood}) and none named like the element.
     */
    @Test
    void anArrayIsQualifiedAsItsElementIs() throws SQLException {
        sql("CREATE SCHEMA a", "CREATE SCHEMA b", "CREATE TYPE b.mood AS ENUM ('x')", "CREATE TYPE a._mood AS ENUM ('y')",
                "ALTER DATABASE " + database + " SET search_path = a, b");
        SourceCatalog other = new SourceCatalog(new ConnectionConfig(server.jdbcUrl(database), server.user(),
                server.password() == null ? null : new Password(server.password())));
        try {
            assertThat(other.formatType(Integer.parseUnsignedInt(server.scalar(database, "SELECT 'b.mood[]'::regtype::oid")), -1))
                    .isEqualTo("b.mood[]");
            assertThat(other.formatType(Integer.parseUnsignedInt(server.scalar(database, "SELECT 'b.mood'::regtype::oid")), -1))
                    .isEqualTo("b.mood");
            assertThat(other.formatType(Integer.parseUnsignedInt(server.scalar(database, "SELECT 'a._mood'::regtype::oid")), -1))
                    .isEqualTo("a._mood");
            assertThat(other.formatType(1009, -1)).isEqualTo("text[]");
        } finally {
            other.close();
        }
    }

    private int oid(String quotedTable) throws SQLException {
        return Integer.parseUnsignedInt(server.scalar(database, "SELECT '" + quotedTable.replace("'", "''")
                + "'::regclass::oid"));
    }

    @Test
    void rereadsTheTableByOidWithTheStreamsTextForms() throws SQLException {
        // The table is renamed after the change and another one takes its name.
        sql("ALTER TABLE docs RENAME TO docs_old",
                "CREATE TABLE docs (id int PRIMARY KEY, body text, blob bytea, span interval, at timestamptz, code char(6))",
                "INSERT INTO docs VALUES (1, 'impostor', '\\x00', '1 year', '2000-01-01', 'zz')");
        assertThat(load("body", 1)).isEqualTo("original");
        assertThat(load("blob", 1)).isEqualTo("\\xdeadbeef");
        assertThat(load("span", 1)).isEqualTo("P1DT2H");
        assertThat(load("at", 1)).isEqualTo("2024-02-29 13:14:15+00");
        assertThat(load("code", 1)).isEqualTo("ab    ");
    }

    @Test
    void columnsAddedWithANonVolatileDefaultReportTheStoredValueInTheStreamsTextForms() throws SQLException {
        sql("CREATE TYPE mood AS ENUM ('ok', 'sad face')",
                "CREATE TABLE added (id int PRIMARY KEY, made text DEFAULT 'with the table')",
                "INSERT INTO added VALUES (1)",
                "ALTER TABLE added ADD COLUMN i int NOT NULL DEFAULT 7, ADD COLUMN t text DEFAULT ' a, \"b\" \\x',"
                        + " ADD COLUMN e text DEFAULT '', ADD COLUMN n text DEFAULT 'NULL', ADD COLUMN z text DEFAULT NULL,"
                        + " ADD COLUMN at timestamptz DEFAULT '2024-02-29 13:14:15.5+00', ADD COLUMN num numeric DEFAULT 1.50,"
                        + " ADD COLUMN b boolean DEFAULT true, ADD COLUMN m mood DEFAULT 'sad face',"
                        + " ADD COLUMN arr text[] DEFAULT '{\"a b\",NULL}', ADD COLUMN span interval DEFAULT '1 day 2 hours',"
                        + " ADD COLUMN plain int",
                "ALTER TABLE added ADD COLUMN dropped int DEFAULT 1", "ALTER TABLE added DROP COLUMN dropped");
        int oid = catalog.relation("public", "added").oid();
        assertThat(catalog.missingValues(oid)).containsOnly(
                java.util.Map.entry("i", "7"), java.util.Map.entry("t", " a, \"b\" \\x"), java.util.Map.entry("e", ""),
                java.util.Map.entry("n", "NULL"), java.util.Map.entry("at", "2024-02-29 13:14:15.5+00"),
                java.util.Map.entry("num", "1.50"), java.util.Map.entry("b", "t"), java.util.Map.entry("m", "sad face"),
                java.util.Map.entry("arr", "{\"a b\",NULL}"), java.util.Map.entry("span", "P1DT2H"));
        CapturedTable added = new RelationRegistry("p", new TypeMapper(catalog::formatType), catalog::primaryKey,
                catalog::missingValues).update(catalog.relation("public", "added"));
        assertThat(added.rowSchema().field("m").schema().parameters())
                .containsEntry(EventContract.MISSING_VALUE_PARAMETER, "sad face")
                .containsEntry(EventContract.SOURCE_TYPE_PARAMETER, "public.mood");
        assertThat(added.rowSchema().field("made").schema().parameters()).doesNotContainKey(EventContract.MISSING_VALUE_PARAMETER);

        // A volatile default rewrites the table with a value per row: nothing is stored, and the rewrite drops the rest.
        sql("ALTER TABLE added ADD COLUMN r float8 DEFAULT random()");
        assertThat(catalog.missingValues(oid)).isEmpty();
    }

    @Test
    void aRowDeletedSinceIsReportedAsGone() throws SQLException {
        sql("DELETE FROM docs");
        assertThat(load("body", 1)).isNull();
    }

    @Test
    void aColumnDroppedOrRenamedSinceFailsNamingTableAndColumn() throws SQLException {
        sql("ALTER TABLE docs RENAME COLUMN body TO text_body");
        assertThatThrownBy(() -> load("body", 1)).isInstanceOf(ConnectException.class)
                .hasMessageStartingWith("Cannot re-read unchanged TOASTed column body of public.docs (relation OID ")
                .hasMessageContaining("column(s) body no longer exist with the type they had (dropped or renamed later)");
        sql("ALTER TABLE docs RENAME COLUMN text_body TO body", "ALTER TABLE docs DROP COLUMN body",
                "ALTER TABLE docs ADD COLUMN body int");
        assertThatThrownBy(() -> load("body", 1)).isInstanceOf(ConnectException.class)
                .hasMessageContaining("column(s) body no longer exist");
        sql("DROP TABLE docs");
        assertThatThrownBy(() -> load("body", 1)).isInstanceOf(ConnectException.class)
                .hasMessageContaining("the table no longer exists");
    }

    @Test
    void aReReadWaitsUntilTheChangesTransactionIsVisible() throws Exception {
        try (Connection writer = server.connect(database); Statement s = writer.createStatement()) {
            writer.setAutoCommit(false);
            s.execute("DELETE FROM docs WHERE id = 1");
            s.execute("INSERT INTO docs (id, body) VALUES (1, 'taken over'), (2, 'new')");
            long xid = xid(s);
            var reads = Executors.newSingleThreadExecutor();
            try {
                Future<String> takenOver = reads.submit(() -> load("body", 1, xid));
                Future<String> fresh = reads.submit(() -> load("body", 2, xid));
                Thread.sleep(500);
                assertThat(takenOver).isNotDone();
                writer.commit();
                assertThat(takenOver.get(10, TimeUnit.SECONDS)).isEqualTo("taken over");
                assertThat(fresh.get(10, TimeUnit.SECONDS)).isEqualTo("new");
            } finally {
                reads.shutdownNow();
            }
        }
    }

    @Test
    void aTransactionThatStaysInvisibleIsATransientFailureNamingIt() throws Exception {
        try (Connection writer = server.connect(database); Statement s = writer.createStatement()) {
            writer.setAutoCommit(false);
            s.execute("UPDATE docs SET id = 2 WHERE id = 1");
            long xid = xid(s);
            assertThatThrownBy(() -> load("body", 2, xid)).isInstanceOf(ConnectException.class)
                    .hasMessageStartingWith("Cannot re-read unchanged TOASTed column body of public.docs: transaction " + xid
                            + " is committed in the WAL but other sessions have not seen it for 2000 ms")
                    .hasCauseInstanceOf(SQLTransientException.class);
            writer.rollback();
        }
    }

    /**
     * A transaction is not visible while it waits to be seen committed, and an older one still running keeps the
     * snapshot's xmax below its xid. Once the server has counted past 2^32 transactions (epoch 1 and later), the
     * 32-bit xid of pgoutput's Begin must still be widened into the current epoch, not the one before.
     */
    @Test
    void aTransactionAboveTheSnapshotsXmaxIsInvisibleInLaterEpochsToo() throws Exception {
        Assumptions.assumeTrue(LocalPostgres.available() && LocalPostgres.program("pg_resetwal").isPresent());
        try (PostgresServer epochOne = Postgres.startRestartable()) {
            String dataDir;
            try (Connection c = epochOne.connect("postgres"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW data_directory")) {
                rs.next();
                dataDir = rs.getString(1);
            }
            epochOne.stop(false);
            List<String> resetwal = new java.util.ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                resetwal.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            resetwal.addAll(List.of(LocalPostgres.program("pg_resetwal").orElseThrow().toString(), "-e", "1", "-D", dataDir));
            Process p = new ProcessBuilder(resetwal).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(output).isZero();
            epochOne.start();
            String db = epochOne.createDatabase("epoch");
            try (Connection c = epochOne.connect(db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE docs (id int PRIMARY KEY, body text)");
                s.execute("INSERT INTO docs VALUES (1, 'original')");
            }
            try (SourceCatalog epochCatalog = new SourceCatalog(new ConnectionConfig(epochOne.jdbcUrl(db), epochOne.user(),
                    epochOne.password() == null ? null : new Password(epochOne.password())));
                 Connection older = epochOne.connect(db); Statement o = older.createStatement();
                 Connection writer = epochOne.connect(db); Statement w = writer.createStatement()) {
                CapturedTable table = new RelationRegistry("p", new TypeMapper(epochCatalog::formatType), epochCatalog::primaryKey,
                        epochCatalog::missingValues)
                        .update(epochCatalog.relation("public", "docs"));
                older.setAutoCommit(false);
                try (ResultSet rs = o.executeQuery("SELECT txid_current()")) {
                    rs.next();
                    assertThat(rs.getLong(1) >>> 32).isEqualTo(1);
                }
                writer.setAutoCommit(false);
                w.execute("UPDATE docs SET id = 2 WHERE id = 1");
                long xid = xid(w);
                CapturedColumn body = table.columns().get(1);
                assertThatThrownBy(() -> epochCatalog.load(table, body, List.of(new KeyValue(table.columns().get(0), "2")), xid))
                        .isInstanceOf(ConnectException.class)
                        .hasMessageContaining("transaction " + xid + " is committed in the WAL but other sessions have not seen it")
                        .hasCauseInstanceOf(SQLTransientException.class);
                writer.rollback();
                older.rollback();
            }
        }
    }

    private static long xid(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT txid_current() % 4294967296")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String load(String column, int id) throws SQLException {
        try (Connection c = server.connect(database); Statement s = c.createStatement()) {
            return load(column, id, xid(s));
        }
    }

    private String load(String column, int id, long xid) {
        CapturedColumn c = docs.columns().stream().filter(x -> x.name().equals(column)).findFirst().orElseThrow();
        return catalog.load(docs, c, List.of(new KeyValue(docs.columns().get(0), String.valueOf(id))), xid);
    }

    private void sql(String... statements) throws SQLException {
        Sql.sql(server, database, statements);
    }
}
