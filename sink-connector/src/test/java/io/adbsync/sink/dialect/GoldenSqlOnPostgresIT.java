package io.adbsync.sink.dialect;

import io.adbsync.stack.postgres.Postgres;
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
                first.setString(1, "c");
                first.setString(2, "t");
                first.setInt(3, 0);
                first.setLong(4, 5);
                assertThat(first.executeUpdate()).isEqualTo(1);
                first.setLong(4, 7);
                assertThat(first.executeUpdate()).as("a second first offset").isZero();
                for (long[] step : new long[][]{{9, 5, 1}, {12, 5, 0}}) {
                    advance.setLong(1, step[0]);
                    advance.setString(2, "c");
                    advance.setString(3, "t");
                    advance.setInt(4, 0);
                    advance.setLong(5, step[1]);
                    assertThat(advance.executeUpdate()).as("advance from " + step[1]).isEqualTo((int) step[2]);
                }
            }
            s.execute(shared.get("truncate"));
            c.commit();
            try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM sales.\"Order Lines\"), next_offset FROM adbsync.offsets")) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
                assertThat(rs.getLong(2)).isEqualTo(9);
            }
        }
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
