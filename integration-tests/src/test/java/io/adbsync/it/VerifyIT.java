package io.adbsync.it;

import io.adbsync.stack.verify.Verify;
import io.adbsync.stack.verify.TableDiff;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VerifyIT {

    private final PostgresServer server = Postgres.shared();

    private void sql(String db, String... statements) throws SQLException {
        try (Connection c = server.connect(db); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    /** Two new databases, source and destination, each with {@code both} run in it. */
    private String[] twoDatabases(String prefix, String... both) throws SQLException {
        String[] pair = {server.createDatabase(prefix + "_a"), server.createDatabase(prefix + "_b")};
        for (String db : pair) {
            sql(db, both);
        }
        return pair;
    }

    private List<TableDiff> verifyQuietly(String[] pair, int chunkRows) throws SQLException {
        return Verify.run(url(pair[0]), url(pair[1]), List.of(), chunkRows, new PrintStream(new ByteArrayOutputStream(), true));
    }

    private String url(String db) {
        return server.jdbcUrl(db) + "?user=" + server.user() + (server.password() == null ? "" : "&password=" + server.password());
    }

    @Test
    void equalTablesPassAndEveryKindOfDifferenceIsReportedWithItsKeyRange() throws Exception {
        String a = server.createDatabase("verify_a");
        String b = server.createDatabase("verify_b");
        for (String db : List.of(a, b)) {
            sql(db, "CREATE TABLE same (id int PRIMARY KEY, v text, n numeric)",
                    "INSERT INTO same SELECT g, 'v' || g, g / 3.0 FROM generate_series(1, 2500) g",
                    "CREATE TABLE composite (k1 text, k2 int, v jsonb, PRIMARY KEY (k1, k2))",
                    "INSERT INTO composite SELECT 'k' || (g % 7), g, jsonb_build_object('g', g) FROM generate_series(1, 900) g",
                    "CREATE TABLE drift (id int PRIMARY KEY, v text)",
                    "INSERT INTO drift SELECT g, 'x' FROM generate_series(1, 3000) g");
        }
        sql(b, "UPDATE drift SET v = 'changed' WHERE id = 1500", "DELETE FROM drift WHERE id = 2999",
                "UPDATE composite SET v = NULL WHERE k2 = 5");
        sql(a, "CREATE TABLE only_source (id int PRIMARY KEY)");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<TableDiff> diffs = Verify.run(url(a), url(b), List.of(), 1000, new PrintStream(out, true));
        String report = out.toString();

        assertThat(diffs).filteredOn(d -> d.table().equals("public.same")).singleElement()
                .satisfies(d -> assertThat(d.equal()).isTrue());
        TableDiff drift = diffs.stream().filter(d -> d.table().equals("public.drift")).findFirst().orElseThrow();
        assertThat(drift.equal()).isFalse();
        assertThat(drift.sourceRows()).isEqualTo(3000);
        assertThat(drift.destinationRows()).isEqualTo(2999);
        assertThat(drift.differingRanges()).containsExactly("[1001 .. 2001)", "[2001 .. end)");
        assertThat(diffs.stream().filter(d -> d.table().equals("public.composite")).findFirst().orElseThrow().equal()).isFalse();
        assertThat(report).contains("public.only_source: missing at the destination").contains("3 of 4 table(s) differ");
    }

    @Test
    void theSourceConnectorsHeartbeatTableIsLeftOutWhateverItIsNamed() throws Exception {
        String a = server.createDatabase("verify_hb_a");
        String b = server.createDatabase("verify_hb_b");
        for (String db : List.of(a, b)) {
            sql(db, "CREATE TABLE same (id int PRIMARY KEY)", "INSERT INTO same SELECT generate_series(1, 10)");
        }
        // The heartbeat's rows go to the heartbeat topic, never to the destination.
        sql(a, "CREATE SCHEMA ops", "CREATE TABLE ops.beat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL)",
                "INSERT INTO ops.beat VALUES ('slot', now())");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<TableDiff> diffs = Verify.run(url(a), url(b), List.of(), new TableId("ops", "beat"), 1000, new PrintStream(out, true));

        assertThat(diffs).extracting(TableDiff::table).containsExactly("public.same");
        assertThat(out.toString()).contains("All 1 table(s) equal.");
    }

    /**
     * A partitioned table is captured as one table and the sink writes all its rows into one destination table of the
     * root's name: its partitions are compared through the root, not as tables of their own that the destination has
     * not. (Red before: each partition was listed and reported missing at the destination.)
     */
    @Test
    void aPartitionedTableIsComparedThroughItsRootAlone() throws Exception {
        String a = server.createDatabase("verify_part_a");
        String b = server.createDatabase("verify_part_b");
        sql(a, "CREATE TABLE events (id int, day date, v text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE events_01 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
                "CREATE TABLE events_02 PARTITION OF events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01') "
                        + "PARTITION BY HASH (id)",
                "CREATE TABLE events_02_a PARTITION OF events_02 FOR VALUES WITH (MODULUS 2, REMAINDER 0)",
                "CREATE TABLE events_02_b PARTITION OF events_02 FOR VALUES WITH (MODULUS 2, REMAINDER 1)",
                "INSERT INTO events SELECT g, date '2024-01-01' + g % 50, 'v' || g FROM generate_series(1, 500) g");
        sql(b, "CREATE TABLE events (id int, day date, v text, PRIMARY KEY (id, day))",
                "INSERT INTO events SELECT g, date '2024-01-01' + g % 50, 'v' || g FROM generate_series(1, 500) g");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<TableDiff> diffs = Verify.run(url(a), url(b), List.of(), 1000, new PrintStream(out, true));

        assertThat(diffs).extracting(TableDiff::table).containsExactly("public.events");
        assertThat(diffs.get(0).sourceRows()).isEqualTo(500);
        assertThat(out.toString()).contains("All 1 table(s) equal.");
    }

    /** Only pg_catalog, information_schema and pg_* schemas are the server's: a schema named pgadmin or pgbench is compared. */
    @Test
    void aUsersSchemaWhoseNameStartsWithPgIsCompared() throws Exception {
        String a = server.createDatabase("verify_pg_a");
        String b = server.createDatabase("verify_pg_b");
        for (String db : List.of(a, b)) {
            sql(db, "CREATE SCHEMA pgbench", "CREATE TABLE pgbench.accounts (aid int PRIMARY KEY, abalance int)");
        }
        sql(a, "INSERT INTO pgbench.accounts VALUES (1, 10)");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<TableDiff> diffs = Verify.run(url(a), url(b), List.of(), 1000, new PrintStream(out, true));

        assertThat(diffs).extracting(TableDiff::table).containsExactly("pgbench.accounts");
        assertThat(diffs.get(0).equal()).isFalse();
    }

    /**
     * Rows whose column texts would read the same once joined: a NULL and the text \N, a '|' moving between two
     * columns, a line moving between two rows. Each pair must be told apart.
     */
    @Test
    void rowsThatDifferOnlyWhereTheirTextsWouldJoinAlikeAreDifferent() throws Exception {
        String[] pair = twoDatabases("verify_text", "CREATE TABLE t (id int PRIMARY KEY, x text, y text)",
                "CREATE TABLE n (id int PRIMARY KEY, v text)");
        sql(pair[0], "INSERT INTO t VALUES (1, NULL, 'z'), (2, 'p|q', 'r')", "INSERT INTO n VALUES (1, E'a\\n2|b'), (3, 'c')");
        sql(pair[1], "INSERT INTO t VALUES (1, '\\N', 'z'), (2, 'p', 'q|r')", "INSERT INTO n VALUES (1, 'a'), (2, E'b\\n3|c')");

        List<TableDiff> diffs = verifyQuietly(pair, 1000);

        assertThat(diffs).extracting(TableDiff::table).containsExactly("public.n", "public.t");
        assertThat(diffs).allSatisfy(d -> assertThat(d.equal()).as(d.describe()).isFalse());
    }

    /**
     * A table without a primary key is captured through its replica identity index: it is compared on that index's
     * columns, never left out of "All N table(s) equal". A table the source cannot capture is named, not compared.
     */
    @Test
    void aTableCapturedThroughItsReplicaIdentityIndexIsCompared() throws Exception {
        String[] pair = twoDatabases("verify_ri", "CREATE TABLE ri (a int NOT NULL, v text)", "CREATE UNIQUE INDEX ri_a ON ri (a)",
                "ALTER TABLE ri REPLICA IDENTITY USING INDEX ri_a", "INSERT INTO ri SELECT g, 'v' || g FROM generate_series(1, 30) g",
                "CREATE TABLE keyless (v text)");
        sql(pair[1], "UPDATE ri SET v = 'changed' WHERE a = 7");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<TableDiff> diffs = Verify.run(url(pair[0]), url(pair[1]), List.of(), 10, new PrintStream(out, true));

        assertThat(diffs).extracting(TableDiff::table).containsExactly("public.ri");
        assertThat(diffs.get(0).equal()).isFalse();
        assertThat(diffs.get(0).differingRanges()).containsExactly("[start .. 11)");
        assertThat(out.toString()).contains("public.keyless: not compared");
    }

    /** A key column may have any name, also one the comparison's own queries use. */
    @Test
    void aKeyColumnNamedLikeTheQuerysOwnColumnsIsCompared() throws Exception {
        String[] pair = twoDatabases("verify_rn", "CREATE TABLE r (rn int PRIMARY KEY)", "INSERT INTO r SELECT generate_series(1, 25)");

        List<TableDiff> diffs = verifyQuietly(pair, 10);

        assertThat(diffs).singleElement().satisfies(d -> assertThat(d.equal()).as(d.describe()).isTrue());
    }

    /** Schemas may hold a dot in their name, as tables are captured and written whatever their names. */
    @Test
    void aTableInASchemaWithADotInItsNameIsCompared() throws Exception {
        String[] pair = twoDatabases("verify_dot", "CREATE SCHEMA \"my.schema\"", "CREATE TABLE \"my.schema\".t (id int PRIMARY KEY)",
                "INSERT INTO \"my.schema\".t VALUES (1)");

        List<TableDiff> diffs = verifyQuietly(pair, 10);

        assertThat(diffs).singleElement().satisfies(d -> assertThat(d.equal()).as(d.describe()).isTrue());
    }

    /**
     * pg_sequences shows no position for a sequence the role may not read, as for one never used: such a sequence is
     * not "ready", whatever the destination's holds.
     */
    @Test
    void aSourceSequenceTheRoleCannotReadIsNotReady() throws Exception {
        String[] pair = twoDatabases("verify_seq", "CREATE SEQUENCE s", "CREATE TABLE same (id int PRIMARY KEY)");
        String a = pair[0];
        String b = pair[1];
        sql(a, "SELECT nextval('s') FROM generate_series(1, 100)");
        String role = "verify_reader_" + Long.toHexString(System.nanoTime());
        sql(a, "CREATE ROLE " + role + " LOGIN PASSWORD 'pw'", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role);
        try {
            String reader = server.jdbcUrl(a) + "?user=" + role + "&password=pw";
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Verify.run(reader, url(b), List.of(), 10, new PrintStream(out, true));
            assertThat(out.toString()).contains("sequence public.s: ").doesNotContain("sequence public.s: ready")
                    .contains("1 of 1 sequence(s) not ready");
        } finally {
            sql(a, "DROP OWNED BY " + role, "DROP ROLE " + role);
        }
    }
}
