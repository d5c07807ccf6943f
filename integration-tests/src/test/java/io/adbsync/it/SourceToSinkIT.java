package io.adbsync.it;

import io.adbsync.stack.connect.ConnectRestClient;
import org.apache.kafka.clients.admin.Admin;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/** The packaged source connector feeding the packaged sink connector: the destination ends equal to the source. */
class SourceToSinkIT extends WithLocalStack {




    @Test
    void everyTypeRoundTripsThroughSourceAndSinkRowByRow() throws Exception {
        String src = postgres.createDatabase("s2s_src");
        String dst = postgres.createDatabase("s2s_dst");
        String prefix = "s2s";
        String type = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')";
        sql(postgres, src, type, """
                CREATE TABLE everything (
                  id int PRIMARY KEY, b boolean, i2 smallint, i8 bigint, n numeric(12,3), nn numeric, r real,
                  d double precision, m money, c char(3), vc varchar(20), t text, by bytea, u uuid, j json, jb jsonb,
                  x xml, dt date, tm time(6), ttz timetz, ts timestamp, tstz timestamptz, iv interval, bt bit(4),
                  vb varbit(8), ip inet, net cidr, mac macaddr, pt point, bx box, arr int[], tarr text[],
                  rng int4range, tsv tsvector, mo mood, "Mixed Case" text)""",
                "CREATE TABLE orders (id int PRIMARY KEY, status text)");
        sql(postgres, dst, type);

        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, prefix, "slot.name", "s2s_slot", "tasks.max", "1");
        source.put("snapshot.mode", "never");
        rest.deploy("s2s-source", source);
        rest.awaitRunning("s2s-source", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, "s2s_slot");

        Map<String, String> sink = sinkConfigInto(dst, "tasks.max", "1");
        sink.put("truncate.enabled", "true");
        sink.put("topics.regex", prefix + "\\.public\\..*");
        // A regex subscription sees topics created later only at its next metadata refresh (5 minutes by default).
        sink.put("consumer.override.metadata.max.age.ms", "500");
        rest.deploy("s2s-sink", sink);
        rest.awaitRunning("s2s-sink", 1, Duration.ofSeconds(60));

        // Float NaN/Infinity/-0 are left out: the JsonConverter this worker uses cannot carry them (the sink refuses
        // them, and SchemaCachingJsonConverter and Avro carry them: see the tests below).
        sql(postgres, src, """
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
                    assertThat(rows(postgres, dst, "public.everything")).isEqualTo(rows(postgres, src, "public.everything"));
                    assertThat(rows(postgres, dst, "public.orders")).isEqualTo(rows(postgres, src, "public.orders"));
                });
        assertThat(rows(postgres, dst, "public.everything")).hasSize(3);
        assertThat(rows(postgres, dst, "public.orders")).hasSize(240);
        // Types are exact, not approximations: compare the declared type of every column.
        String columns = "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull, ', ' ORDER BY attnum) "
                + "FROM pg_attribute WHERE attrelid = 'public.everything'::regclass AND attnum > 0 AND NOT attisdropped";
        assertThat(scalar(postgres, dst, columns)).isEqualTo(scalar(postgres, src, columns));
        assertThat(scalar(postgres, dst, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'public.orders'::regclass AND contype = 'p'"))
                .isEqualTo("PRIMARY KEY (id)");

        sql(postgres, src, "TRUNCATE orders");
        Awaitility.await("truncate applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> rows(postgres, dst, "public.orders").isEmpty());
        rest.remove("s2s-sink");
        rest.remove("s2s-source");
    }

    private static final String OUR_CONVERTER = "io.adbsync.common.json.SchemaCachingJsonConverter";

    /** Source and sink of one table through this worker; {@code converter}, when given, is the key and value converter of both. */
    private static ConnectRestClient deployPair(String src, String dst, String prefix, String snapshotMode, String converter) {
        Map<String, String> converters = converter == null ? Map.of() : Map.of("key.converter", converter, "value.converter", converter);
        Map<String, String> source = new java.util.HashMap<>(converters);
        source.put("snapshot.mode", snapshotMode);
        return WithLocalStack.deployPair(src, dst, prefix, source, converters);
    }

    /**
     * Columns added with a non-volatile default give the rows already there that value at the source without a table
     * rewrite or any decoded change (PostgreSQL 11+ "fast default"); the destination's rows must get the same stored
     * value, now() included as it was evaluated at the ALTER, not again at the destination.
     */
    @Test
    void columnsAddedWithAFastDefaultGiveTheExistingDestinationRowsTheSourcesStoredValue() throws Exception {
        String src = postgres.createDatabase("s2s_fd_src");
        String dst = postgres.createDatabase("s2s_fd_dst");
        sql(postgres, src, "CREATE TABLE t (id int PRIMARY KEY, a text)", "INSERT INTO t VALUES (1, 'a1'), (2, 'a2'), (3, 'a3')");
        ConnectRestClient rest = deployPair(src, dst, "s2sfd", "initial", OUR_CONVERTER);
        Awaitility.await("snapshot: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t")));

        sql(postgres, src, "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 7",
                "ALTER TABLE t ADD COLUMN c text DEFAULT 'a, \"b\" \\x'",
                "ALTER TABLE t ADD COLUMN d timestamptz DEFAULT now()",
                "ALTER TABLE t ADD COLUMN e numeric DEFAULT 1.50, ADD COLUMN f boolean DEFAULT true",
                "UPDATE t SET a = 'a2 changed' WHERE id = 2");
        assertThat(scalar(postgres, src, "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND atthasmissing"))
                .isEqualTo("5");
        Awaitility.await("stream: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t")));
        assertThat(rows(postgres, dst, "public.t").get(0)).startsWith("(1,a1,7,\"a, \"\"b\"\" \\\\x\",\"");
        rest.remove("s2sfd-sink");
        rest.remove("s2sfd-source");
    }

    @Test
    void rowsChangedBeforeAFastDefaultColumnInTheSameSinkBatchKeepTheFilledValue() throws Exception {
        String src = postgres.createDatabase("s2s_fdb_src");
        String dst = postgres.createDatabase("s2s_fdb_dst");
        sql(postgres, src, "CREATE TABLE t (id int PRIMARY KEY, a text)", "INSERT INTO t VALUES (1, 'a1'), (2, 'a2'), (3, 'a3')");
        ConnectRestClient rest = deployPair(src, dst, "s2sfdb", "initial", OUR_CONVERTER);
        Awaitility.await("snapshot: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t")));

        // The sink paused, so that changes from before and after the ALTER reach it in one batch.
        rest.pause("s2sfdb-sink");
        Awaitility.await("sink paused").atMost(Duration.ofSeconds(30))
                .until(() -> "PAUSED".equals(rest.status("s2sfdb-sink").get("tasks").get(0).get("state").asText()));
        sql(postgres, src, "UPDATE t SET a = 'a1 changed' WHERE id = 1",
                "INSERT INTO t VALUES (4, 'a4')",
                "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 7",
                "UPDATE t SET a = 'a2 changed' WHERE id = 2");
        io.adbsync.fixtures.kafka.TopicReader.readUntil(stack.bootstrapServers(), "s2sfdb.public.t", records -> records.size() >= 6,
                Duration.ofSeconds(60));
        rest.resume("s2sfdb-sink");
        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t")));
        rest.remove("s2sfdb-sink");
        rest.remove("s2sfdb-source");
    }

    @Test
    void aPartitionedTablePublishedThroughItsRootGetsTheFastDefaultOfItsPartitions() throws Exception {
        String src = postgres.createDatabase("s2s_fdp_src");
        String dst = postgres.createDatabase("s2s_fdp_dst");
        sql(postgres, src, "CREATE TABLE p (id int PRIMARY KEY, a text) PARTITION BY RANGE (id)",
                "CREATE TABLE p_low PARTITION OF p FOR VALUES FROM (0) TO (100)",
                "CREATE TABLE p_high PARTITION OF p FOR VALUES FROM (100) TO (200)",
                "INSERT INTO p VALUES (1, 'a1'), (2, 'a2'), (150, 'a150')");
        ConnectRestClient rest = deployPair(src, dst, "s2sfdp", "initial", OUR_CONVERTER);
        Awaitility.await("snapshot: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.p")).isEqualTo(rows(postgres, src, "public.p")));

        sql(postgres, src, "ALTER TABLE p ADD COLUMN b int DEFAULT 7", "UPDATE p SET a = 'a2 changed' WHERE id = 2");
        Awaitility.await("stream: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.p")).isEqualTo(rows(postgres, src, "public.p")));
        rest.remove("s2sfdp-sink");
        rest.remove("s2sfdp-source");
    }

    @Test
    void nanInfinityAndNegativeZeroFloatsArriveExactlyThroughSchemaCachingJsonConverter() throws Exception {
        String src = postgres.createDatabase("s2s_fsrc");
        String dst = postgres.createDatabase("s2s_fdst");
        sql(postgres, src, "CREATE TABLE floats (id int PRIMARY KEY, r real, d double precision, ra real[], da double precision[])",
                "INSERT INTO floats VALUES (1, 'NaN', 'Infinity', '{NaN,Infinity,-Infinity,-0,1.5}', '{-Infinity,NULL,-0}'),"
                        + " (2, '-Infinity', '-0', NULL, '{NaN}'), (3, 1.5, -2.25, '{1}', '{2}')");
        ConnectRestClient rest = deployPair(src, dst, "s2sf", "initial", OUR_CONVERTER);
        Awaitility.await("snapshot: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.floats")).isEqualTo(rows(postgres, src, "public.floats")));

        sql(postgres, src, "INSERT INTO floats VALUES (4, '-0', 'NaN', '{-0}', '{Infinity,NaN}')",
                "UPDATE floats SET r = 'Infinity', d = '-Infinity' WHERE id = 3",
                "UPDATE floats SET d = 1 WHERE id = 1",
                "DELETE FROM floats WHERE id = 2");
        Awaitility.await("stream: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.floats")).isEqualTo(rows(postgres, src, "public.floats")));
        assertThat(rows(postgres, dst, "public.floats")).containsExactly(
                "(1,NaN,1,\"{NaN,Infinity,-Infinity,-0,1.5}\",\"{-Infinity,NULL,-0}\")",
                "(3,Infinity,-Infinity,{1},{2})",
                "(4,-0,NaN,{-0},\"{Infinity,NaN}\")");
        rest.remove("s2sf-sink");
        rest.remove("s2sf-source");
    }

    @Test
    void withKafkasJsonConverterTheSinkFailsNamingTheFloatColumnInsteadOfWritingZeros() throws Exception {
        String src = postgres.createDatabase("s2s_psrc");
        String dst = postgres.createDatabase("s2s_pdst");
        sql(postgres, src, "CREATE TABLE floats (id int PRIMARY KEY, r real, d double precision)");
        // No converter set: the worker's default, Kafka's JsonConverter, on both sides, as a new user has it.
        ConnectRestClient rest = deployPair(src, dst, "s2sp", "never", null);
        sql(postgres, src, "INSERT INTO floats VALUES (1, 1.5, 2.5), (2, 1, 'NaN')");
        Awaitility.await("sink task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status("s2sp-sink").get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText());
                });
        String trace = rest.status("s2sp-sink").get("tasks").get(0).get("trace").asText();
        assertThat(trace).contains("Column d of public.floats held NaN, Infinity or -0 at the source but reads as 0.0 here "
                + "(topic s2sp.public.floats, partition 0, offset 1)").contains("SchemaCachingJsonConverter or Avro");
        assertThat(rows(postgres, dst, "public.floats")).noneMatch(row -> row.startsWith("(2,"));
        rest.remove("s2sp-sink");
        rest.remove("s2sp-source");
    }

    @Test
    void tablesWhoseNamesTopicNamesCannotHoldArriveUnderTheirExactNames() throws Exception {
        String src = postgres.createDatabase("s2s_nsrc");
        String dst = postgres.createDatabase("s2s_ndst");
        String tables = """
                CREATE SCHEMA "my.schema"; CREATE SCHEMA schema;
                CREATE TABLE "my.schema".t (id int PRIMARY KEY, v text);
                CREATE TABLE schema.t (id int PRIMARY KEY, v text);
                CREATE TABLE public."Order Items" (id int PRIMARY KEY, v text)""";
        sql(postgres, src, tables);
        sql(postgres, dst, "CREATE SCHEMA \"my.schema\"; CREATE SCHEMA schema");
        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, "s2sn", "slot.name", "s2sn_slot", "tasks.max", "1");
        source.put("snapshot.mode", "initial");
        Map<String, String> sink = sinkConfigInto(dst, "tasks.max", "1");
        sink.put("topics.regex", "s2sn\\..*");
        sink.put("consumer.override.metadata.max.age.ms", "500");
        sql(postgres, src, "INSERT INTO \"my.schema\".t VALUES (1, 'dotted'), (2, 'dotted')",
                "INSERT INTO schema.t VALUES (1, 'plain'), (3, 'plain')",
                "INSERT INTO \"Order Items\" VALUES (1, 'snap'), (2, 'snap')");
        rest.deploy("s2sn-source", source);
        rest.awaitRunning("s2sn-source", 1, Duration.ofSeconds(60));
        rest.deploy("s2sn-sink", sink);
        rest.awaitRunning("s2sn-sink", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, "s2sn_slot");

        sql(postgres, src, "INSERT INTO \"my.schema\".t VALUES (4, 'streamed')", "UPDATE \"my.schema\".t SET v = 'upd' WHERE id = 1",
                "DELETE FROM \"my.schema\".t WHERE id = 2", "UPDATE \"my.schema\".t SET id = 5 WHERE id = 4",
                "DELETE FROM schema.t WHERE id = 3",
                "INSERT INTO \"Order Items\" VALUES (3, 'streamed')", "UPDATE \"Order Items\" SET v = 'upd' WHERE id = 1",
                "DELETE FROM \"Order Items\" WHERE id = 2", "UPDATE \"Order Items\" SET id = 6 WHERE id = 3");
        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "\"my.schema\".t")).containsExactly("(1,upd)", "(5,streamed)");
                    assertThat(rows(postgres, dst, "schema.t")).containsExactly("(1,plain)");
                    assertThat(rows(postgres, dst, "public.\"Order Items\"")).containsExactly("(1,upd)", "(6,streamed)");
                });
        assertThat(rows(postgres, dst, "\"my.schema\".t")).isEqualTo(rows(postgres, src, "\"my.schema\".t"));
        assertThat(rows(postgres, dst, "public.\"Order Items\"")).isEqualTo(rows(postgres, src, "public.\"Order Items\""));
        assertThat(scalar(postgres, dst, "SELECT count(*) FROM pg_tables WHERE tablename = 'Order_Items'")).isEqualTo("0");
        rest.remove("s2sn-sink");
        rest.remove("s2sn-source");
    }

    @Test
    void twoCapturedTablesWhoseNamesMapToOneTopicAreRefusedAtStartNamingBoth() throws Exception {
        String src = postgres.createDatabase("s2s_csrc");
        sql(postgres, src, "CREATE TABLE \"订单\" (id int PRIMARY KEY)", "CREATE TABLE \"客户\" (id int PRIMARY KEY)");
        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, "s2sc", "slot.name", "s2sc_slot", "tasks.max", "1");
        rest.deploy("s2sc-source", source);
        Awaitility.await("source task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status("s2sc-source").get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText());
                });
        assertThat(rest.status("s2sc-source").get("tasks").get(0).get("trace").asText())
                .contains("both map to topic s2sc.public.__").contains("\"public\".\"客户\"")
                .contains("\"public\".\"订单\"").contains("table.exclude.list");
        assertThat(scalar(postgres, src, "SELECT count(*)::text FROM pg_replication_slots WHERE slot_name = 's2sc_slot'")).isEqualTo("0");
        rest.remove("s2sc-source");
    }

    /**
     * money prints after lc_monetary ("-1.234,56 €" vs "-1 234,56 €"): each side reading the other's text would
     * misread it. Needs the fr_FR.UTF-8 and de_DE.UTF-8 locales: generated with localedef where missing (a fresh
     * Debian machine has the definitions but not the compiled locales), skipped only where that is impossible.
     */
    @Test
    void moneyKeepsItsValueWhateverEachSidesLcMonetary() throws Exception {
        String src = postgres.createDatabase("money_src");
        String dst = postgres.createDatabase("money_dst");
        for (String[] side : new String[][] {{src, "fr_FR.UTF-8"}, {dst, "de_DE.UTF-8"}}) {
            Assumptions.assumeTrue(localeWorks(side[0], side[1]) || generateLocale(side[1]) && localeWorks(side[0], side[1]),
                    "locale " + side[1] + " is not installed and localedef could not generate it");
            sql(postgres, side[0], "ALTER DATABASE " + side[0] + " SET lc_monetary = '" + side[1] + "'");
        }
        sql(postgres, src, "CREATE TABLE prices (id int PRIMARY KEY, m money, ms money[])");

        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, "money", "slot.name", "money_slot", "tasks.max", "1");
        rest.deploy("money-source", source);
        rest.awaitRunning("money-source", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, "money_slot");
        Map<String, String> sink = sinkConfigInto(dst, "tasks.max", "1");
        sink.put("topics", "money.public.prices");
        rest.deploy("money-sink", sink);
        rest.awaitRunning("money-sink", 1, Duration.ofSeconds(60));

        // Numeric literals, cast without regard to the locale.
        sql(postgres, src, "INSERT INTO prices VALUES (1, -1234567.89, ARRAY[1234.5::money, (-0.01)::money]), (2, 0.07, NULL), "
                + "(3, NULL, '{}'), (4, -92233720368547758.08, NULL), (5, 92233720368547758.07, NULL)");
        String values = "SELECT string_agg(id || ' ' || coalesce(m::numeric::text, 'null') || ' '"
                + " || coalesce((SELECT string_agg(e::numeric::text, ',') FROM unnest(ms) e), 'null'), '; ' ORDER BY id) FROM prices";
        try {
            Awaitility.await("destination has the rows").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> "5".equals(scalar(postgres, dst, "SELECT count(*)::text FROM prices")));
            assertThat(scalar(postgres, dst, values)).isEqualTo(scalar(postgres, src, values))
                    .isEqualTo("1 -1234567.89 1234.50,-0.01; 2 0.07 null; 3 null null; 4 -92233720368547758.08 null; "
                            + "5 92233720368547758.07 null");
        } finally {
            rest.remove("money-sink");
            rest.remove("money-source");
        }
    }

    /**
     * Session settings in connection.url's {@code options} (a statement_timeout, a setting of the user's own) add to
     * the ones the connectors set for themselves instead of replacing them: money keeps its value under lc_monetary
     * of fr_FR and de_DE (the connectors' lc_monetary=C still applies), and the user's setting reaches the source's
     * snapshot and row-filter sessions and the sink's session (a destination column default reads it).
     */
    @Test
    void optionsInTheUrlAddToTheSessionSettingsTheConnectorsNeed() throws Exception {
        String src = postgres.createDatabase("opts_src");
        String dst = postgres.createDatabase("opts_dst");
        for (String[] side : new String[][] {{src, "fr_FR.UTF-8"}, {dst, "de_DE.UTF-8"}}) {
            Assumptions.assumeTrue(localeWorks(side[0], side[1]) || generateLocale(side[1]) && localeWorks(side[0], side[1]),
                    "locale " + side[1] + " is not installed and localedef could not generate it");
            sql(postgres, side[0], "ALTER DATABASE " + side[0] + " SET lc_monetary = '" + side[1] + "'");
        }
        sql(postgres, src, "CREATE TABLE prices (id int PRIMARY KEY, region text, m money)",
                "INSERT INTO prices VALUES (1, 'eu', -1234567.89), (2, 'us', 1.5)");
        sql(postgres, dst, "CREATE TABLE prices (id int PRIMARY KEY, region text, m money, "
                + "written_in text DEFAULT current_setting('adbsync.region', true))");
        String options = "?options=-c%20statement_timeout%3D0%20-c%20adbsync.region%3Deu";

        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, "opts", "slot.name", "opts_slot", "tasks.max", "1");
        source.put("connection.url", postgres.jdbcUrl(src) + options);
        source.put("table.filters", "public.prices: region = current_setting('adbsync.region')");
        source.put("table.filters.mode", "connector");
        source.put("replica.identity.full", "true");
        rest.deploy("opts-source", source);
        rest.awaitRunning("opts-source", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, "opts_slot");
        Map<String, String> sink = sinkConfigInto(dst, "tasks.max", "1");
        sink.put("connection.url", postgres.jdbcUrl(dst) + options);
        sink.put("topics", "opts.public.prices");
        rest.deploy("opts-sink", sink);
        rest.awaitRunning("opts-sink", 1, Duration.ofSeconds(60));

        sql(postgres, src, "INSERT INTO prices VALUES (3, 'eu', 0.07), (4, 'us', 2)",
                "UPDATE prices SET m = 92233720368547758.07 WHERE id = 1");
        String values = "SELECT string_agg(id || ' ' || region || ' ' || m::numeric || ' ' || coalesce(written_in, 'null'), "
                + "'; ' ORDER BY id) FROM prices";
        try {
            Awaitility.await("destination has the filtered rows").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        rest.checkNotFailed("opts-source");
                        rest.checkNotFailed("opts-sink");
                        return "1 eu 92233720368547758.07 eu; 3 eu 0.07 eu".equals(scalar(postgres, dst, values));
                    });
        } finally {
            rest.remove("opts-sink");
            rest.remove("opts-source");
        }
    }

    /** {@code localedef -i fr_FR -f UTF-8 fr_FR.UTF-8}: new server backends see the locale at once. */
    private static boolean generateLocale(String locale) {
        String[] parts = locale.split("\\.", 2);
        try {
            Process p = new ProcessBuilder("localedef", "-i", parts[0], "-f", parts[1], locale).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            p.waitFor(); // exit code 1 only means warnings: whether the locale works is checked next
            return true;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean localeWorks(String db, String locale) {
        try {
            scalar(postgres, db, "SELECT set_config('lc_monetary', '" + locale + "', false)");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void partitionedTablesArriveUnderTheirRootThroughPublishViaPartitionRoot() throws Exception {
        partitionedTablesEndEqualAtTheDestination("root");
    }

    @Test
    void partitionedTablesArriveUnderTheirRootWithLeavesMappedByTheConnector() throws Exception {
        partitionedTablesEndEqualAtTheDestination("leaves");
    }

    /**
     * A table range-partitioned by date (with a default partition, and a partition attached while streaming whose
     * columns are in another order) and a two-level one: snapshot in CTID chunks per partition, then inserts into
     * each partition, updates that move rows across partitions, deletes and a TRUNCATE of the root. Only the roots'
     * topics exist, and the destination ends equal to the source row by row.
     */
    private void partitionedTablesEndEqualAtTheDestination(String mode) throws Exception {
        String src = postgres.createDatabase("s2sp_src");
        String dst = postgres.createDatabase("s2sp_dst");
        String prefix = "s2sp" + mode;
        String slot = "s2sp_" + mode;
        sql(postgres, src,
                "CREATE TABLE events (id int, day date, note text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE events_2024_01 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
                "CREATE TABLE events_2024_02 PARTITION OF events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
                "CREATE TABLE events_default PARTITION OF events DEFAULT",
                "CREATE TABLE metrics (id int, region text, day date, v numeric, PRIMARY KEY (id, region, day)) PARTITION BY LIST (region)",
                "CREATE TABLE metrics_eu PARTITION OF metrics FOR VALUES IN ('eu') PARTITION BY RANGE (day)",
                "CREATE TABLE metrics_eu_2024 PARTITION OF metrics_eu FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                "CREATE TABLE metrics_us PARTITION OF metrics FOR VALUES IN ('us')",
                "INSERT INTO events SELECT g, date '2024-01-01' + g % 59, 'snapshot ' || g FROM generate_series(1, 3000) g",
                "INSERT INTO events SELECT g, date '2024-07-01' + g % 30, 'default ' || g FROM generate_series(3001, 3500) g",
                "INSERT INTO metrics SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, date '2024-01-01' + g % 300, g / 7.0 "
                        + "FROM generate_series(1, 1000) g",
                // Statistics make the snapshot plan several CTID chunks per partition.
                "ANALYZE events", "ANALYZE metrics");
        if (mode.equals("root")) {
            // A publication made before, without publish_via_partition_root: the connector must alter it.
            sql(postgres, src, "CREATE PUBLICATION adbsync_publication FOR TABLE events, metrics");
        }

        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, prefix, "slot.name", slot, "tasks.max", "1");
        source.put("table.include.list", "public\\.events,public\\.metrics");
        source.put("publication.partitions", mode);
        source.put("snapshot.chunk.rows", "500");
        rest.deploy(prefix + "-source", source);
        rest.awaitRunning(prefix + "-source", 1, Duration.ofSeconds(60));
        Map<String, String> sink = sinkConfigInto(dst, "tasks.max", "1");
        sink.put("truncate.enabled", "true");
        sink.put("topics.regex", prefix + "\\.public\\..*");
        sink.put("consumer.override.metadata.max.age.ms", "500");
        rest.deploy(prefix + "-sink", sink);
        rest.awaitRunning(prefix + "-sink", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, slot);

        sql(postgres, src,
                "INSERT INTO events VALUES (5001, '2024-01-15', 'jan'), (5002, '2024-02-15', 'feb'), (5003, '2024-08-01', 'default')",
                // Attached while streaming, with rows of its own and its columns in another order than the root's.
                "CREATE TABLE events_2024_03 (note text, day date NOT NULL, id int NOT NULL)",
                "INSERT INTO events_2024_03 VALUES ('before attach', '2024-03-05', 6001)",
                "ALTER TABLE events ATTACH PARTITION events_2024_03 FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')",
                "INSERT INTO events VALUES (6002, '2024-03-06', 'after attach')",
                // Key changes that move rows across partitions, one into the partition just attached.
                "UPDATE events SET day = '2024-02-20', note = 'moved jan to feb' WHERE id = 10",
                "UPDATE events SET day = '2024-03-20', note = 'moved into march' WHERE id = 11",
                "UPDATE events SET day = '2024-09-09', note = 'moved into default' WHERE id = 12",
                "UPDATE events SET note = 'same partition' WHERE id = 13",
                "DELETE FROM events WHERE id % 7 = 0",
                "UPDATE metrics SET region = 'us', v = -1 WHERE id = 2",
                "UPDATE metrics SET v = v + 1 WHERE id % 5 = 0",
                "DELETE FROM metrics WHERE id % 11 = 0",
                // The default partition split while streaming: its July rows move to a new partition attached with them.
                "CREATE TABLE events_2024_07 (LIKE events)",
                "INSERT INTO events_2024_07 SELECT * FROM events_default WHERE day >= '2024-07-01' AND day < '2024-08-01'",
                "DELETE FROM events_default WHERE day >= '2024-07-01' AND day < '2024-08-01'",
                "ALTER TABLE events ATTACH PARTITION events_2024_07 FOR VALUES FROM ('2024-07-01') TO ('2024-08-01')");
        if (mode.equals("leaves")) {
            Awaitility.await("attached partition published").atMost(Duration.ofSeconds(30)).until(() -> "1".equals(scalar(postgres, src,
                    "SELECT count(*) FROM pg_publication_tables WHERE tablename = 'events_2024_03'")));
        }
        sql(postgres, src,
                "INSERT INTO events VALUES (6003, '2024-03-07', 'march, later')",
                "UPDATE events SET note = 'march, updated' WHERE id = 6001",
                "UPDATE events SET day = '2024-01-02', note = 'moved out of march' WHERE id = 6002",
                "TRUNCATE metrics",
                "INSERT INTO metrics VALUES (1, 'eu', '2024-05-05', 1.5), (2, 'us', '2024-05-05', 2.5)");

        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "public.events")).isEqualTo(rows(postgres, src, "public.events"));
                    assertThat(rows(postgres, dst, "public.metrics")).isEqualTo(rows(postgres, src, "public.metrics"));
                });

        // While the connector is away (slot and offsets kept), rows land in the default partition and are split out.
        rest.remove(prefix + "-source");
        Awaitility.await("slot released").atMost(Duration.ofSeconds(30))
                .until(() -> "false".equals(scalar(postgres, src, "SELECT active::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'")));
        // A column added to the root between changes the restarted task decodes: the server describes each leaf as
        // it was at the change, while the catalog already has the column.
        sql(postgres, src,
                "UPDATE events SET note = 'before the column' WHERE id = 20",
                "ALTER TABLE events ADD COLUMN extra int",
                "UPDATE events SET note = 'after the column', extra = 7 WHERE id = 22",
                "INSERT INTO events SELECT g, date '2024-08-01' + g % 28, 'august ' || g FROM generate_series(8001, 8200) g",
                "CREATE TABLE events_2024_08 (LIKE events)",
                "INSERT INTO events_2024_08 SELECT * FROM events_default WHERE day >= '2024-08-01' AND day < '2024-09-01'",
                "DELETE FROM events_default WHERE day >= '2024-08-01' AND day < '2024-09-01'",
                "ALTER TABLE events ATTACH PARTITION events_2024_08 FOR VALUES FROM ('2024-08-01') TO ('2024-09-01')");
        rest.deploy(prefix + "-source", source);
        rest.awaitRunning(prefix + "-source", 1, Duration.ofSeconds(60));
        Awaitility.await("destination equals source after the restart").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.events")).isEqualTo(rows(postgres, src, "public.events")));
        assertThat(rows(postgres, dst, "public.events")).hasSize(Integer.parseInt(scalar(postgres, src, "SELECT count(*) FROM events")));
        assertThat(scalar(postgres, dst, "SELECT count(*) FROM events WHERE note LIKE 'august%'")).isEqualTo("200");
        assertThat(scalar(postgres, dst, "SELECT note FROM events WHERE id = 11")).isEqualTo("moved into march");
        assertThat(scalar(postgres, dst, "SELECT note || ' ' || extra FROM events WHERE id = 22")).isEqualTo("after the column 7");
        assertThat(scalar(postgres, src, "SELECT pubviaroot::text FROM pg_publication")).isEqualTo(mode.equals("root") ? "true" : "false");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            // Data topics: one per root, none per leaf (the schema channel's topic is there too).
            assertThat(admin.listTopics().names().get().stream().filter(t -> t.startsWith(prefix + ".")).sorted().toList())
                    .containsExactly(prefix + ".public.events", prefix + ".public.metrics", prefix + ".schema-changes");
        }
        rest.remove(prefix + "-sink");
        rest.remove(prefix + "-source");
    }

    @Test
    void aTableDroppedAndCreatedAgainEndsWithExactlyItsNewRowsAtTheDestination() throws Exception {
        String src = postgres.createDatabase("s2s_re_src");
        String dst = postgres.createDatabase("s2s_re_dst");
        sql(postgres, src, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 200) g");
        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, "s2sre", "slot.name", "s2s_re_slot", "tasks.max", "1");
        rest.deploy("s2s-re-source", source);
        rest.awaitRunning("s2s-re-source", 1, Duration.ofSeconds(60));
        Map<String, String> sink = sinkConfigInto(dst, "tasks.max", "1");
        sink.put("topics", "s2sre.public.t");
        // The re-created table's copy starts with a truncate that drops the old rows.
        sink.put("truncate.enabled", "true");
        rest.deploy("s2s-re-sink", sink);
        rest.awaitRunning("s2s-re-sink", 1, Duration.ofSeconds(60));
        Awaitility.await("first copy applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> rows(postgres, dst, "public.t").size() == 200);

        sql(postgres, src, "DROP TABLE t", "CREATE TABLE t (id int PRIMARY KEY, v text)",
                "INSERT INTO t SELECT g, 'new' FROM generate_series(150, 260) g");
        rest.restart("s2s-re-source", true);
        rest.awaitRunning("s2s-re-source", 1, Duration.ofSeconds(60));
        sql(postgres, src, "UPDATE t SET v = 'streamed' WHERE id = 200", "DELETE FROM t WHERE id = 260");
        Awaitility.await("destination equals the re-created table").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t")));
        rest.remove("s2s-re-sink");
        rest.remove("s2s-re-source");
    }

    /**
     * The server sends a transaction once its commit is in the WAL, which can be before other sessions see it (a
     * synchronous standby being waited for widens that moment from microseconds to as long as it takes). An unchanged
     * TOASTed value is re-read by the new key; read that early, a fresh key is not there yet (the value went out
     * NULL) and a key the same transaction deleted and then took over still shows the deleted row's value.
     */
    @Test
    void unchangedToastedValuesOfKeyChangesAreReadOnlyOnceTheirTransactionIsVisible() throws Exception {
        String src = postgres.createDatabase("s2s_vis_src");
        String dst = postgres.createDatabase("s2s_vis_dst");
        sql(postgres, src, "CREATE TABLE docs (id int PRIMARY KEY, body text)", "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO docs VALUES (1, repeat('a', 5000)), (2, repeat('b', 5000)), (5, repeat('c', 5000))");
        ConnectRestClient rest = deployPair(src, dst, "s2svis", "initial", OUR_CONVERTER);
        Awaitility.await("snapshot: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.docs")).isEqualTo(rows(postgres, src, "public.docs")));

        Thread writer;
        sql(postgres, src, "ALTER SYSTEM SET synchronous_standby_names = 'adbsync_absent_standby'", "SELECT pg_reload_conf()");
        try {
            writer = new Thread(() -> {
                try {
                    sql(postgres, src, "BEGIN; DELETE FROM docs WHERE id = 2; UPDATE docs SET id = 2 WHERE id = 1; "
                            + "UPDATE docs SET id = 6 WHERE id = 5; COMMIT");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            Awaitility.await("commit in the WAL, waiting for the absent standby").atMost(Duration.ofSeconds(30))
                    .until(() -> scalar(postgres, src, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'").equals("1"));
            String flushed = scalar(postgres, src, "SELECT pg_current_wal_flush_lsn()::text");
            Awaitility.await("the commit sent to the connector").atMost(Duration.ofSeconds(30)).until(() -> "t".equals(scalar(postgres, src,
                    "SELECT r.sent_lsn >= '" + flushed + "'::pg_lsn FROM pg_stat_replication r JOIN pg_replication_slots s "
                            + "ON s.active_pid = r.pid WHERE s.slot_name = 's2svis_slot'")));
            // Longer than a re-read waits (2 s): the task also gives up, reconnects and converts it again.
            Thread.sleep(8_000);
        } finally {
            sql(postgres, src, "ALTER SYSTEM RESET synchronous_standby_names", "SELECT pg_reload_conf()");
        }
        writer.join(30_000);
        assertThat(rows(postgres, src, "public.docs")).hasSize(2);
        Awaitility.await("stream: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.docs")).isEqualTo(rows(postgres, src, "public.docs")));
        rest.remove("s2svis-sink");
        rest.remove("s2svis-source");
    }

    /**
     * While the task streams: a captured table dropped and created again (the publication loses it on DROP), and a
     * table created anew that matches the include list. Both are added to the publication and copied without a
     * restart; the re-created one's earlier rows are dropped at the destination first.
     */
    @Test
    void tablesCreatedOrReCreatedWhileStreamingArriveWithoutARestart() throws Exception {
        String src = postgres.createDatabase("s2s_live_src");
        String dst = postgres.createDatabase("s2s_live_dst");
        sql(postgres, src, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 200) g");
        ConnectRestClient rest = deployPair(src, dst, "s2slive", "initial", OUR_CONVERTER);
        Awaitility.await("first copy applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> rows(postgres, dst, "public.t").size() == 200);

        sql(postgres, src, "DROP TABLE t", "CREATE TABLE t (id int PRIMARY KEY, v text)",
                "INSERT INTO t SELECT g, 'new' FROM generate_series(150, 260) g",
                "CREATE TABLE fresh (id int PRIMARY KEY, v text)", "INSERT INTO fresh SELECT g, 'fresh' FROM generate_series(1, 50) g",
                "CREATE TABLE keyless (v text)");
        sql(postgres, src, "UPDATE t SET v = 'streamed' WHERE id = 200", "DELETE FROM t WHERE id = 260",
                "UPDATE fresh SET v = 'streamed' WHERE id = 7");
        Awaitility.await("destination equals the source's new tables").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t"));
                    assertThat(rows(postgres, dst, "public.fresh")).isEqualTo(rows(postgres, src, "public.fresh"));
                });
        sql(postgres, src, "UPDATE t SET v = 'later' WHERE id = 151", "INSERT INTO fresh VALUES (51, 'later')", "INSERT INTO keyless VALUES ('x')");
        Awaitility.await("and streamed from then on").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t"));
                    assertThat(rows(postgres, dst, "public.fresh")).isEqualTo(rows(postgres, src, "public.fresh"));
                });
        assertThat(rows(postgres, dst, "public.t")).hasSize(110).allMatch(row -> !row.contains("old"));
        // A table without a key is not added to the publication: the application's own UPDATEs keep working.
        sql(postgres, src, "UPDATE keyless SET v = 'y'");
        assertThat(scalar(postgres, src, "SELECT count(*) FROM pg_publication_tables WHERE tablename = 'keyless'")).isEqualTo("0");
        // Given a key, it is picked up.
        sql(postgres, src, "ALTER TABLE keyless ADD COLUMN id serial PRIMARY KEY");
        Awaitility.await("a table given a key is captured").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.keyless")).isEqualTo(rows(postgres, src, "public.keyless")).hasSize(1));
        rest.checkNotFailed("s2slive-source");
        rest.remove("s2slive-sink");
        rest.remove("s2slive-source");
    }

    /**
     * A table created and a partition attached while streaming, each locked by another transaction (a long CREATE INDEX,
     * here LOCK TABLE … IN SHARE MODE) before the task publishes it (leaves published, so the partition is added on its
     * own): the other tables stream on meanwhile, and both are captured once the locks go.
     */
    @Test
    void aNewTableOrPartitionLockedByAnotherTransactionDoesNotHoldUpTheStream() throws Exception {
        String src = postgres.createDatabase("s2s_locked_src");
        String dst = postgres.createDatabase("s2s_locked_dst");
        sql(postgres, src, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'copied')",
                "CREATE TABLE p (id int, day date, v text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE p_01 PARTITION OF p FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
                "INSERT INTO p VALUES (1, '2024-01-05', 'copied')");
        ConnectRestClient rest = WithLocalStack.deployPair(src, dst, "s2slocked", Map.of("snapshot.mode", "initial",
                "publication.partitions", "leaves", "key.converter", OUR_CONVERTER, "value.converter", OUR_CONVERTER),
                Map.of("key.converter", OUR_CONVERTER, "value.converter", OUR_CONVERTER));
        Awaitility.await("first copy applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> rows(postgres, dst, "public.t").size() == 1 && rows(postgres, dst, "public.p").size() == 1);
        sql(postgres, src, "CREATE TABLE busy (id int PRIMARY KEY, v text)", "INSERT INTO busy VALUES (1, 'before')",
                "CREATE TABLE p_02 PARTITION OF p FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
                "INSERT INTO p VALUES (2, '2024-02-05', 'before')");
        try (Connection locker = postgres.connect(src); Statement s = locker.createStatement()) {
            locker.setAutoCommit(false);
            s.execute("LOCK TABLE busy, p_02 IN SHARE MODE");
            for (String locked : List.of("public.busy", "public.p_02")) {
                Awaitility.await("the task asking for a lock on " + locked).atMost(Duration.ofSeconds(40))
                        .pollInterval(Duration.ofMillis(100)).until(() -> !"0".equals(scalar(postgres, src,
                                "SELECT count(*) FROM pg_locks WHERE relation = '" + locked + "'::regclass AND NOT granted")));
            }
            sql(postgres, src, "INSERT INTO t VALUES (2, 'streamed while busy and p_02 are locked')");
            Awaitility.await("t streamed while busy and p_02 are locked").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t")));
            locker.commit();
        }
        sql(postgres, src, "INSERT INTO busy VALUES (2, 'after')", "INSERT INTO p VALUES (3, '2024-02-07', 'after')");
        Awaitility.await("busy and p_02 captured once the locks went").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "public.busy")).isEqualTo(rows(postgres, src, "public.busy")).hasSize(2);
                    assertThat(rows(postgres, dst, "public.p")).isEqualTo(rows(postgres, src, "public.p")).hasSize(3);
                });
        rest.checkNotFailed("s2slocked-source");
        rest.remove("s2slocked-sink");
        rest.remove("s2slocked-source");
    }

    /**
     * Where leaves are published (PostgreSQL 12's only way), a partitioned table created while streaming is published
     * leaf by leaf: one created without partitions yet, and partitions created or attached under a new table later,
     * are published as they come, and the destination ends equal to the source.
     */
    @Test
    void partitionedTablesCreatedWhileStreamingInLeavesModeGetTheirLaterPartitions() throws Exception {
        String src = postgres.createDatabase("s2s_lvl_src");
        String dst = postgres.createDatabase("s2s_lvl_dst");
        sql(postgres, src, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'one')");
        ConnectRestClient rest = stack.connect().rest();
        Map<String, String> source = sourceConfig(src, "s2slvl", "slot.name", "s2slvl_slot", "tasks.max", "1");
        source.put("publication.partitions", "leaves");
        rest.deploy("s2slvl-source", source);
        rest.awaitRunning("s2slvl-source", 1, Duration.ofSeconds(60));
        Map<String, String> sink = sinkConfigInto(dst, "tasks.max", "1");
        sink.put("topics.regex", "s2slvl\\.public\\..*");
        sink.put("consumer.override.metadata.max.age.ms", "500");
        rest.deploy("s2slvl-sink", sink);
        rest.awaitRunning("s2slvl-sink", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, "s2slvl_slot");

        sql(postgres, src, "CREATE TABLE empty_root (id int, day date, v text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE grown (id int, day date, v text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE grown_01 PARTITION OF grown FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
                "INSERT INTO grown SELECT g, date '2024-01-01' + g % 28, 'jan' FROM generate_series(1, 20) g");
        Awaitility.await("the new table with a partition arrives").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    rest.checkNotFailed("s2slvl-source");
                    assertThat(rows(postgres, dst, "public.grown")).isEqualTo(rows(postgres, src, "public.grown")).hasSize(20);
                });
        // Several looks for new tables pass while the first one still has no partition.
        Thread.sleep(7_000);
        rest.checkNotFailed("s2slvl-source");
        sql(postgres, src, "CREATE TABLE empty_root_01 PARTITION OF empty_root FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
                "INSERT INTO empty_root SELECT g, date '2024-01-01' + g % 28, 'first' FROM generate_series(1, 10) g",
                "CREATE TABLE grown_02 PARTITION OF grown FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
                "CREATE TABLE grown_03 (id int NOT NULL, day date NOT NULL, v text)",
                "INSERT INTO grown_03 VALUES (100, '2024-03-03', 'attached with its rows')",
                "ALTER TABLE grown ATTACH PARTITION grown_03 FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')",
                "INSERT INTO grown SELECT g, date '2024-02-01' + g % 28, 'feb' FROM generate_series(21, 30) g",
                "UPDATE grown SET v = 'moved' , day = '2024-02-10' WHERE id = 3");
        sql(postgres, src, "INSERT INTO t VALUES (2, 'two')");
        Awaitility.await("partitions of tables new while streaming arrive").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    rest.checkNotFailed("s2slvl-source");
                    assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t"));
                    assertThat(rows(postgres, dst, "public.empty_root")).isEqualTo(rows(postgres, src, "public.empty_root")).hasSize(10);
                    assertThat(rows(postgres, dst, "public.grown")).isEqualTo(rows(postgres, src, "public.grown")).hasSize(31);
                });
        rest.remove("s2slvl-sink");
        rest.remove("s2slvl-source");
    }

    /**
     * An update that left a TOASTed value unchanged, decoded only after its table was dropped: the value is nowhere to
     * be read any more. The change (and the dropped table's later ones) are skipped with a warning instead of failing
     * the task for good; a table created again under the name is copied anew, so the destination ends equal.
     */
    @Test
    void aChangeNeedingAValueOnlyADroppedTableHeldDoesNotStopTheTask() throws Exception {
        String src = postgres.createDatabase("s2s_drop_src");
        String dst = postgres.createDatabase("s2s_drop_dst");
        sql(postgres, src, "CREATE TABLE docs (id int PRIMARY KEY, body text, v int)", "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO docs SELECT g, repeat('x', 5000), 0 FROM generate_series(1, 5) g");
        ConnectRestClient rest = deployPair(src, dst, "s2sdrop", "initial", OUR_CONVERTER);
        Awaitility.await("snapshot: destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.docs")).isEqualTo(rows(postgres, src, "public.docs")));

        rest.pause("s2sdrop-source");
        Awaitility.await("source paused").atMost(Duration.ofSeconds(30)).until(() ->
                "PAUSED".equals(rest.status("s2sdrop-source").get("tasks").get(0).get("state").asText()));
        sql(postgres, src, "UPDATE docs SET v = 1 WHERE id = 1", "DROP TABLE docs",
                "CREATE TABLE docs (id int PRIMARY KEY, body text, v int)", "INSERT INTO docs VALUES (7, 'new', 7)");
        rest.resume("s2sdrop-source");
        Awaitility.await("destination equals the new table").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.docs")).isEqualTo(rows(postgres, src, "public.docs")));
        sql(postgres, src, "UPDATE docs SET v = 8 WHERE id = 7");
        Awaitility.await("and streamed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.docs")).containsExactly("(7,new,8)"));
        rest.checkNotFailed("s2sdrop-source");
        rest.remove("s2sdrop-sink");
        rest.remove("s2sdrop-source");
    }
}
