package io.adbsync.sink.dialect;

import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every golden statement PostgreSQL also accepts runs against a real PostgreSQL and does what it is meant to. */
class GoldenSqlOnPostgresIT {

    @Test
    void postgresDdlAndTheSharedMergeStatementsRunAndMerge() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("golden");
        Map<String, String> ddl = GoldenSql.ddl(new PostgresDialect());
        Map<String, String> shared = GoldenSql.shared();
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA sales");
            s.execute("CREATE SCHEMA adbsync");
            for (String name : new String[]{"create_table_without_key", "create_table_distributed_by_order"}) {
                s.execute(ddl.get(name));
                s.execute("DROP TABLE sales.\"Order Lines\"");
            }
            s.execute(ddl.get("create_table_heap"));
            s.execute(ddl.get("create_offsets_table"));
            s.execute(shared.get("add_column"));
            s.execute("INSERT INTO sales.\"Order Lines\" VALUES (1, 1, 1.00, 'old', '{a}'), (1, 2, 2.00, 'gone', NULL), (3, 1, 9.99, 'kept', NULL)");
            c.setAutoCommit(false);

            stage(c, ddl, shared, "1\t1\t10.50\tnew\t{x,y}\n1\t3\t3.00\t\\N\t\\N\n");
            s.execute(shared.get("upsert_on_conflict"));
            stage2(c, ddl, "1\t2\n");
            s.execute(shared.get("delete_using").replace("adbsync_stage_1", "adbsync_stage_2"));
            c.commit();
            assertThat(rows(c)).isEqualTo("1|1|10.50|new|{x,y};1|3|3.00|null|null;3|1|9.99|kept|null;");

            stage(c, ddl, shared, "3\t1\t0.00\tsnapshot\t\\N\n4\t1\t4.00\tfresh\t\\N\n");
            s.execute(shared.get("insert_if_absent"));
            c.commit();
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
            assertThat(rows(c)).isEqualTo("1|1|1.00|replaced|null;1|3|3.00|null|null;3|1|9.99|kept|null;"
                    + "4|1|4.00|fresh|null;5|1|5.00|fresh|null;");

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
            }
            s.execute(shared.get("truncate"));
            c.commit();
            try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM sales.\"Order Lines\"), string_agg(next_offset::text, ',' ORDER BY kafka_partition) FROM adbsync.offsets")) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
                assertThat(rs.getString(2)).isEqualTo("9,5");
            }
        }
    }

    @Test
    void aColumnAddedFilledGivesTheRowsThereTheValueAndNewRowsNoDefault() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("golden_filled");
        Map<String, String> shared = GoldenSql.shared();
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA sales");
            s.execute(GoldenSql.ddl(new PostgresDialect()).get("create_table_heap"));
            s.execute("INSERT INTO sales.\"Order Lines\" VALUES (1, 1, 1.00, 'old', '{a}'), (3, 1, 9.99, 'kept', NULL)");
            s.execute(shared.get("add_column_filled"));
            s.execute(shared.get("drop_default"));
            s.execute("INSERT INTO sales.\"Order Lines\" (order_id, line) VALUES (4, 1)");
            try (ResultSet rs = s.executeQuery("SELECT string_agg(coalesce(remark, 'null'), ';' ORDER BY order_id) "
                    + "FROM sales.\"Order Lines\"")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("it's 'a', \"b\" \\x;it's 'a', \"b\" \\x;null");
            }
        }
    }

    /** The partitions an offsets statement returns as written, as {@code topic/partition} in order. */
    private static String written(PreparedStatement ps) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                sb.append(sb.isEmpty() ? "" : " ").append(rs.getString(1)).append('/').append(rs.getInt(2));
            }
        }
        return sb.toString();
    }

    private static void stage(Connection c, Map<String, String> ddl, Map<String, String> shared, String rows) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute(ddl.get("create_staging"));
        }
        c.unwrap(PGConnection.class).getCopyAPI().copyIn(shared.get("copy_in"), new StringReader(rows));
    }

    private static void stage2(Connection c, Map<String, String> ddl, String rows) throws Exception {
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
