package io.adbsync.it;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/** The packaged source connector feeding the packaged sink connector: the destination ends equal to the source. */
class SourceToSinkIT {

    private static LocalStack stack;
    private static PostgresServer pg;

    @BeforeAll
    static void start() {
        pg = Postgres.shared();
        stack = LocalStack.start(1);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static Map<String, String> connection(String db) {
        Map<String, String> config = new HashMap<>();
        config.put("tasks.max", "1");
        config.put("connection.url", pg.jdbcUrl(db));
        config.put("connection.user", pg.user());
        if (pg.password() != null) {
            config.put("connection.password", pg.password());
        }
        return config;
    }

    @Test
    void everyTypeRoundTripsThroughSourceAndSinkRowByRow() throws Exception {
        String src = pg.createDatabase("s2s_src");
        String dst = pg.createDatabase("s2s_dst");
        String prefix = "s2s";
        String type = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')";
        sql(pg, src, type, """
                CREATE TABLE everything (
                  id int PRIMARY KEY, b boolean, i2 smallint, i8 bigint, n numeric(12,3), nn numeric, r real,
                  d double precision, m money, c char(3), vc varchar(20), t text, by bytea, u uuid, j json, jb jsonb,
                  x xml, dt date, tm time(6), ttz timetz, ts timestamp, tstz timestamptz, iv interval, bt bit(4),
                  vb varbit(8), ip inet, net cidr, mac macaddr, pt point, bx box, arr int[], tarr text[],
                  rng int4range, tsv tsvector, mo mood, "Mixed Case" text)""",
                "CREATE TABLE orders (id int PRIMARY KEY, status text)");
        sql(pg, dst, type);

        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = connection(src);
        source.put("connector.class", "io.adbsync.source.AdbPgSourceConnector");
        source.put("topic.prefix", prefix);
        source.put("slot.name", "s2s_slot");
        source.put("snapshot.mode", "never");
        rest.deploy("s2s-source", source);
        rest.awaitRunning("s2s-source", 1, Duration.ofSeconds(60));
        Awaitility.await("slot active").atMost(Duration.ofSeconds(30))
                .until(() -> "true".equals(scalar(pg, src, "SELECT active::text FROM pg_replication_slots WHERE slot_name = 's2s_slot'")));

        Map<String, String> sink = connection(dst);
        sink.put("connector.class", "io.adbsync.sink.AdbPgSinkConnector");
        sink.put("topics.regex", prefix + "\\.public\\..*");
        // A regex subscription sees topics created later only at its next metadata refresh (5 minutes by default).
        sink.put("consumer.override.metadata.max.age.ms", "500");
        rest.deploy("s2s-sink", sink);
        rest.awaitRunning("s2s-sink", 1, Duration.ofSeconds(60));

        // Float NaN/Infinity/-0 are left out: the JsonConverter this worker uses cannot carry them (Avro can).
        sql(pg, src, """
                INSERT INTO everything VALUES
                 (1, true, -32768, 9223372036854775807, 123456789.123, 'NaN', 3.4028235e38, 1.0000000000000002, 12.34,
                  'ab', 'tab\tnew\nline\\back', 'text "quoted"', '\\x00ff5c0a', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                  '{"a": [1, 2]}', '{"b": null}', '<r>x</r>', '2024-02-29', '23:59:59.999999', '12:00:00+05:30',
                  '2000-01-01 00:00:00.000001', '2024-06-01 12:34:56.789012+02', 'P1Y2M-3DT4H5M6.000007S', '1010',
                  '101', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '(1.5,2)', '((0,0),(1,1))',
                  '{1,NULL,3}', '{"a b","c,d",NULL}', '[1,10)', 'fat cat sat', 'happy', 'Mixed'),
                 (2, false, 0, -1, -0.001, '-Infinity', 1.1754944e-38, -1e308, -0.5, NULL, '', NULL, '\\x', NULL, 'null', '[]',
                  NULL, 'infinity', '24:00:00', NULL, '-infinity', 'infinity', '-1 day', NULL, '', '::1', NULL, NULL,
                  NULL, NULL, '{}', '{}', 'empty', '', 'sad', NULL),
                 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                  '0044-03-15 BC', '00:00:00', '00:00:00-12', '0001-12-31 23:59:59.5 BC', '-infinity', '0', NULL, NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                 (4, true, 1, 1, 1, 1, 1, 1, 1, 'x', 'x', 'x', '\\x01', NULL, NULL, NULL, NULL, '1999-12-31', '01:02:03',
                  NULL, '1999-12-31 23:59:59', '0200-01-01 00:00:00+00 BC', '-1 year -2 mons +3 days -04:05:06.5', NULL,
                  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""",
                "UPDATE everything SET t = 'updated', vc = NULL WHERE id = 2",
                "UPDATE everything SET id = 40 WHERE id = 4",
                "INSERT INTO orders SELECT g, 'new' FROM generate_series(1, 300) g",
                "UPDATE orders SET status = 'paid' WHERE id % 3 = 0",
                "DELETE FROM orders WHERE id % 5 = 0",
                "DELETE FROM everything WHERE id = 3");

        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(pg, dst, "public.everything")).isEqualTo(rows(pg, src, "public.everything"));
                    assertThat(rows(pg, dst, "public.orders")).isEqualTo(rows(pg, src, "public.orders"));
                });
        assertThat(rows(pg, dst, "public.everything")).hasSize(3);
        assertThat(rows(pg, dst, "public.orders")).hasSize(240);
        // Types are exact, not approximations: compare the declared type of every column.
        String columns = "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull, ', ' ORDER BY attnum) "
                + "FROM pg_attribute WHERE attrelid = 'public.everything'::regclass AND attnum > 0 AND NOT attisdropped";
        assertThat(scalar(pg, dst, columns)).isEqualTo(scalar(pg, src, columns));
        assertThat(scalar(pg, dst, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'public.orders'::regclass AND contype = 'p'"))
                .isEqualTo("PRIMARY KEY (id)");

        sql(pg, src, "TRUNCATE orders");
        Awaitility.await("truncate applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> rows(pg, dst, "public.orders").isEmpty());
        rest.remove("s2s-sink");
        rest.remove("s2s-source");
    }

    @Test
    void aTableDroppedAndCreatedAgainEndsWithExactlyItsNewRowsAtTheDestination() throws Exception {
        String src = pg.createDatabase("s2s_re_src");
        String dst = pg.createDatabase("s2s_re_dst");
        sql(pg, src, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 200) g");
        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = connection(src);
        source.put("connector.class", "io.adbsync.source.AdbPgSourceConnector");
        source.put("topic.prefix", "s2sre");
        source.put("slot.name", "s2s_re_slot");
        rest.deploy("s2s-re-source", source);
        rest.awaitRunning("s2s-re-source", 1, Duration.ofSeconds(60));
        Map<String, String> sink = connection(dst);
        sink.put("connector.class", "io.adbsync.sink.AdbPgSinkConnector");
        sink.put("topics", "s2sre.public.t");
        rest.deploy("s2s-re-sink", sink);
        rest.awaitRunning("s2s-re-sink", 1, Duration.ofSeconds(60));
        Awaitility.await("first copy applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> rows(pg, dst, "public.t").size() == 200);

        sql(pg, src, "DROP TABLE t", "CREATE TABLE t (id int PRIMARY KEY, v text)",
                "INSERT INTO t SELECT g, 'new' FROM generate_series(150, 260) g");
        rest.restart("s2s-re-source", true);
        rest.awaitRunning("s2s-re-source", 1, Duration.ofSeconds(60));
        sql(pg, src, "UPDATE t SET v = 'streamed' WHERE id = 200", "DELETE FROM t WHERE id = 260");
        Awaitility.await("destination equals the re-created table").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(pg, dst, "public.t")).isEqualTo(rows(pg, src, "public.t")));
        rest.remove("s2s-re-sink");
        rest.remove("s2s-re-source");
    }
}
