package io.adbsync.it;

import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.fixtures.kafka.TopicReader;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import io.adbsync.stack.verify.TableDiff;
import io.adbsync.stack.verify.Verify;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged sink through a real Connect worker into a real Greenplum 7 cluster (coordinator and segments): tables
 * it creates with each storage and distribution, change mixes with key and distribution-key changes applied row by
 * row, the exactly-once offsets table, conflict modes, added columns, and a storage engine the server lacks.
 */
class GreenplumSinkIT {

    private static final String SINK = "io.adbsync.sink.AdbPgSinkConnector";
    private static final Schema KEY = SchemaBuilder.struct().name("gp.Key").field("a", Schema.INT32_SCHEMA)
            .field("b", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().name("gp.Value").optional().field("a", Schema.INT32_SCHEMA)
            .field("b", Schema.INT32_SCHEMA).field("v", Schema.OPTIONAL_STRING_SCHEMA).build();
    /** The row after the source table gained a column. */
    private static final Schema WIDE_ROW = SchemaBuilder.struct().name("gp.Value").optional().field("a", Schema.INT32_SCHEMA)
            .field("b", Schema.INT32_SCHEMA).field("v", Schema.OPTIONAL_STRING_SCHEMA)
            .field("qty", SchemaBuilder.string().optional().parameter("adbsync.source.type", "numeric(10,2)").build()).build();
    /** Values that COPY text and the segments' hashing must carry exactly. */
    private static final String[] ODD_VALUES = {"tab\there", "new\nline", "back\\slash", "quote\"'", "ünïcödé ✓", "", "\\N"};

    private static PostgresServer gp;
    private static String db;
    private static LocalStack stack;
    private static ConnectRestClient rest;

    @BeforeAll
    static void start() throws SQLException {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        gp = Greenplum.shared();
        db = gp.createDatabase("gp_sink");
        stack = LocalStack.start(1);
        rest = stack.connect().rest();
    }

    @AfterAll
    static void stop() throws SQLException {
        if (stack != null) {
            stack.close();
        }
        if (db != null) {
            gp.dropDatabase(db);
        }
    }

    @Test
    void createdTablesTakeEachStorageAndDistributionAndEndEqualAfterMixesWithKeyChangesThenGainAColumn() throws Exception {
        // A table made before the sink, distributed by a column outside the key: updates move rows between segments.
        sql(gp, db, "CREATE TABLE public.by_v (a int NOT NULL, b int NOT NULL, v text) DISTRIBUTED BY (v)");
        Map<String, String[]> tables = new LinkedHashMap<>();
        tables.put("heap_default", new String[]{});
        tables.put("heap_by_a", new String[]{"distribution.key", "a"});
        tables.put("ao_row_by_a", new String[]{"storage.engine", "ao_row", "distribution.key", "a"});
        tables.put("ao_column", new String[]{"storage.engine", "ao_column"});
        tables.put("by_v", new String[]{});
        Map<String, Mix> mixes = new LinkedHashMap<>();
        long seed = 12;
        for (Map.Entry<String, String[]> t : tables.entrySet()) {
            String topic = "gp.public." + t.getKey();
            rest.deploy(t.getKey().replace('_', '-'), sinkConfig(topic, t.getValue()));
            mixes.put(t.getKey(), new Mix(new Envelopes(topic, KEY), seed++));
        }
        for (String name : tables.keySet()) {
            rest.awaitRunning(name.replace('_', '-'), 1, Duration.ofSeconds(60));
        }
        for (int round = 0; round < 6; round++) {
            for (Mix mix : mixes.values()) {
                mix.feed.produce(stack.bootstrapServers(), mix.batch(120));
            }
        }
        for (Map.Entry<String, Mix> e : mixes.entrySet()) {
            awaitRows("public." + e.getKey(), "a, b, v", e.getValue().expected(false));
        }
        assertThat(mixes.values()).allSatisfy(m -> assertThat(m.truncates).as("truncates in the mix").isPositive());
        assertThat(mixes.values()).allSatisfy(m -> assertThat(m.distributionKeyChanges).isGreaterThan(20));

        assertTable("heap_default", "heap", "DISTRIBUTED BY (a, b)", "PRIMARY KEY (a, b)");
        assertTable("heap_by_a", "heap", "DISTRIBUTED BY (a)", "PRIMARY KEY (a, b)");
        assertTable("ao_row_by_a", "ao_row", "DISTRIBUTED BY (a)", null);
        assertTable("ao_column", "ao_column", "DISTRIBUTED BY (a, b)", null);
        assertTable("by_v", "heap", "DISTRIBUTED BY (v)", null);
        // Both segments hold rows of each table: the distribution is real, not everything on one segment.
        for (String table : tables.keySet()) {
            assertThat(scalar(gp, db, "SELECT count(DISTINCT gp_segment_id) FROM public." + table)).as(table).isEqualTo("2");
        }

        // The source table gains a column: each table is altered (heap and append-optimized) and takes its values.
        for (Mix mix : mixes.values()) {
            mix.feed.produce(stack.bootstrapServers(), mix.widen());
        }
        for (Map.Entry<String, Mix> e : mixes.entrySet()) {
            awaitRows("public." + e.getKey(), "a, b, v, qty::text", e.getValue().expected(true));
            assertThat(scalar(gp, db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public."
                    + e.getKey() + "'::regclass AND attname = 'qty'")).isEqualTo("numeric(10,2)");
        }
        for (String name : tables.keySet()) {
            rest.checkNotFailed(name.replace('_', '-'));
            rest.remove(name.replace('_', '-'));
        }
    }

    @Test
    void theExactlyOnceOffsetsTableIsWrittenWithTheRowsAndAStoredOffsetBehindKafkaReplaysTheMissingRecords() throws Exception {
        Envelopes feed = new Envelopes("eo.public.counted", KEY);
        rest.deploy("offsets", sinkConfig(feed.topic(), "storage.engine", "ao_column", "exactly.once.offsets.table", "adbsync.offsets"));
        rest.awaitRunning("offsets", 1, Duration.ofSeconds(60));
        List<Envelopes.Rec> first = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            first.add(feed.create(row(i, 1, "a" + i), false));
            expected.add(i + "|1|a" + i);
        }
        feed.produce(stack.bootstrapServers(), first);
        awaitRows("public.counted", "a, b, v", sorted(expected));
        awaitOffset(feed.topic(), "10");
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('adbsync.offsets'::regclass) || ' ' || "
                + "(SELECT amname FROM pg_am WHERE oid = (SELECT relam FROM pg_class WHERE oid = 'adbsync.offsets'::regclass))"))
                .isEqualTo("DISTRIBUTED BY (connector, topic, kafka_partition) heap");

        // As a restore from a backup taken after offset 3: the destination forgets offsets 4..9 and their rows.
        assertThat(rest.put("connectors/offsets/stop", null).ok()).isTrue();
        Awaitility.await("stopped").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "STOPPED".equals(rest.status("offsets").get("connector").get("state").asText()));
        sql(gp, db, "UPDATE adbsync.offsets SET next_offset = 4", "DELETE FROM public.counted WHERE a >= 4",
                "UPDATE public.counted SET v = 'restored' WHERE a = 3");
        rest.resume("offsets");
        rest.awaitRunning("offsets", 1, Duration.ofSeconds(60));
        feed.produce(stack.bootstrapServers(), List.of(feed.update(row(3, 1, "b3")), feed.create(row(10, 1, "b10"), false)));
        expected.set(3, "3|1|b3");
        expected.add("10|1|b10");
        awaitRows("public.counted", "a, b, v", sorted(expected));
        awaitOffset(feed.topic(), "12");
        rest.checkNotFailed("offsets");
        rest.remove("offsets");
    }

    @Test
    void conflictModesFailOnAnExistingTableOrKeepItsRowsAgainstSnapshotRowsOnHeapAndAppendOptimized() throws Exception {
        sql(gp, db, "CREATE TABLE public.kept_heap (a int, b int, v text, PRIMARY KEY (a, b)) DISTRIBUTED BY (a)",
                "CREATE TABLE public.kept_ao (a int NOT NULL, b int NOT NULL, v text) USING ao_row DISTRIBUTED BY (a, b)");
        for (String table : List.of("kept_heap", "kept_ao")) {
            sql(gp, db, "INSERT INTO public." + table + " VALUES (1, 1, 'dest'), (3, 1, 'dest')");
            Envelopes feed = new Envelopes("cm.public." + table, KEY);
            Map<String, String> fail = sinkConfig(feed.topic(), "table.conflict.mode", "fail");
            assertThat(rest.validate(SINK, fail).get("table.conflict.mode")).singleElement().asString()
                    .contains("Destination table public." + table + " already exists");
            ConnectRestClient.Response refused = rest.put("connectors/refused/config", fail);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body().toString()).contains("public." + table + " already exists");

            String name = "ignore-" + table.replace('_', '-');
            rest.deploy(name, sinkConfig(feed.topic()));
            rest.awaitRunning(name, 1, Duration.ofSeconds(60));
            // Snapshot rows never overwrite what is there; streamed changes do, also within the same batch.
            feed.produce(stack.bootstrapServers(), List.of(feed.create(row(1, 1, "snapshot"), true),
                    feed.create(row(2, 1, "snapshot"), true), feed.update(row(3, 1, "streamed")),
                    feed.create(row(3, 1, "snapshot"), true)));
            awaitRows("public." + table, "a, b, v", List.of("1|1|dest", "2|1|snapshot", "3|1|streamed"));
            rest.remove(name);
        }
    }

    @Test
    void refusedRecordsAloneGoToTheDeadLetterQueueFromHeapAndAppendOptimizedTables() throws Exception {
        sql(gp, db, "CREATE TABLE public.checked_heap (a int, b int, v varchar(6) CHECK (v <> 'bad'), PRIMARY KEY (a, b)) DISTRIBUTED BY (a)",
                "CREATE TABLE public.checked_ao (a int NOT NULL, b int NOT NULL, v varchar(6) CHECK (v <> 'bad')) USING ao_column DISTRIBUTED BY (a)");
        for (String table : List.of("checked_heap", "checked_ao")) {
            Envelopes feed = new Envelopes("dlq.public." + table, KEY);
            String name = "dlq-" + table.replace('_', '-');
            rest.deploy(name, sinkConfig(feed.topic(), "errors.tolerance", "all", "errors.deadletterqueue.topic.name",
                    name + "-out", "errors.deadletterqueue.topic.replication.factor", "1",
                    "errors.deadletterqueue.context.headers.enable", "true"));
            rest.awaitRunning(name, 1, Duration.ofSeconds(60));
            // A CHECK refused on a segment during the merge, a value too long refused by COPY into the staging table.
            feed.produce(stack.bootstrapServers(), List.of(feed.create(row(1, 1, "ok"), false), feed.create(row(2, 1, "bad"), false),
                    feed.create(row(3, 1, "toolong"), false), feed.create(row(4, 1, "fine"), false)));
            awaitRows("public." + table, "a, b, v", List.of("1|1|ok", "4|1|fine"));
            List<String> reasons = new ArrayList<>();
            for (var dead : TopicReader.read(stack.bootstrapServers(), name + "-out", 2, Duration.ofSeconds(60))) {
                reasons.add(new String(dead.headers().lastHeader("__connect.errors.exception.message").value(),
                        StandardCharsets.UTF_8));
            }
            assertThat(reasons).as(table).hasSize(2);
            assertThat(reasons.get(0)).contains("offset 1").contains("public." + table).contains("23514");
            assertThat(reasons.get(1)).contains("offset 2").contains("public." + table).contains("column v").contains("22001");
            rest.checkNotFailed(name);
            rest.remove(name);
        }
    }

    @Test
    void twoTasksWriteOneTableConcurrentlyWithTheirOffsetsInTheDestination() throws Exception {
        Map<String, Mix> mixes = new LinkedHashMap<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            for (String table : List.of("parallel_heap", "parallel_ao")) {
                admin.createTopics(List.of(new NewTopic("par.public." + table, 2, (short) 1))).all().get();
                mixes.put(table, new Mix(new Envelopes("par.public." + table, KEY, 2), table.length()));
            }
        }
        rest.deploy("parallel-heap", sinkConfig("par.public.parallel_heap", "tasks.max", "2", "exactly.once.offsets.table", "adbsync.parallel_offsets"));
        rest.deploy("parallel-ao", sinkConfig("par.public.parallel_ao", "tasks.max", "2", "storage.engine", "ao_row",
                "exactly.once.offsets.table", "adbsync.parallel_offsets"));
        rest.awaitRunning("parallel-heap", 2, Duration.ofSeconds(60));
        rest.awaitRunning("parallel-ao", 2, Duration.ofSeconds(60));
        for (int round = 0; round < 5; round++) {
            for (Mix mix : mixes.values()) {
                mix.feed.produce(stack.bootstrapServers(), mix.batch(150));
            }
        }
        for (Map.Entry<String, Mix> e : mixes.entrySet()) {
            awaitRows("public." + e.getKey(), "a, b, v", e.getValue().expected(false));
            // Its truncates went to both partitions, each applied once both tasks reached its copy.
            assertThat(e.getValue().truncates).as(e.getKey() + " truncates").isPositive();
            assertThat(scalar(gp, db, "SELECT count(*) FROM public.adbsync_truncate_barriers WHERE applied AND topic = 'par.public."
                    + e.getKey() + "'")).isEqualTo(Integer.toString(2 * e.getValue().truncates));
        }
        // Each task stored the offsets of its own partition; together they cover both partitions.
        Awaitility.await("offsets of both partitions of both topics").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> "4".equals(scalar(gp, db, "SELECT count(*) FROM adbsync.parallel_offsets")));
        assertThat(rest.status("parallel-heap").get("tasks")).hasSize(2);
        rest.checkNotFailed("parallel-heap");
        rest.checkNotFailed("parallel-ao");
        rest.remove("parallel-heap");
        rest.remove("parallel-ao");
    }

    @Test
    void beamIsRefusedWithTheReasonWhereTheServerHasNone() throws SQLException {
        assumeTrue("false".equals(scalar(gp, db, "SELECT EXISTS (SELECT 1 FROM pg_am WHERE amname = 'beam')::text")),
                "this server has the Beam access method");
        Map<String, String> beam = sinkConfig("beam.public.t", "storage.engine", "beam");
        String reason = "storage.engine=beam is not available on the destination (greenplum7): it has no beam table "
                + "access method (Beam exists on AnalyticDB for PostgreSQL 7.0.6.2 and later); use heap, ao_row, ao_column";
        assertThat(rest.validate(SINK, beam)).containsOnlyKeys("storage.engine");
        assertThat(rest.validate(SINK, beam).get("storage.engine")).containsExactly(reason);
        ConnectRestClient.Response refused = rest.put("connectors/beam/config", beam);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().get("message").asText()).contains(reason);
        assertThat(rest.get("connectors/beam/status").status()).isEqualTo(404);
    }

    @Test
    void aPostgresSourceFeedsGreenplumHeapAndAppendOptimizedEveryTypeEndsEqualAndVerifyAgrees() throws Exception {
        PostgresServer pg = Postgres.shared();
        String src = pg.createDatabase("gp_pipe_src");
        String ao = gp.createDatabase("gp_pipe_ao");
        try {
            String type = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')";
            // What Greenplum 7 (PostgreSQL 12 based) cannot hold stays out: numeric ±Infinity (PostgreSQL 14+; the sink
            // refuses such a record naming the column), and xml values, as this build has no libxml ("unsupported
            // XML feature"; the column travels, NULL only).
            sql(pg, src, type, """
                    CREATE TABLE everything (
                      id int PRIMARY KEY, b boolean, i2 smallint, i8 bigint, n numeric(12,3), nn numeric, r real,
                      d double precision, m money, c char(3), vc varchar(20), t text, by bytea, u uuid, j json, jb jsonb,
                      x xml, dt date, tm time(6), ttz timetz, ts timestamp, tstz timestamptz, iv interval, bt bit(4),
                      vb varbit(8), ip inet, net cidr, mac macaddr, pt point, bx box, arr int[], tarr text[],
                      rng int4range, tsv tsvector, mo mood, "Mixed Case" text)""",
                    "CREATE TABLE orders (id int PRIMARY KEY, region int NOT NULL, status text)",
                    "INSERT INTO orders SELECT g, g % 7, 'snapshot' FROM generate_series(1, 500) g");
            sql(gp, db, type);
            sql(gp, ao, type);

            Map<String, String> source = new HashMap<>();
            source.put("connector.class", "io.adbsync.source.AdbPgSourceConnector");
            source.put("tasks.max", "1");
            source.put("connection.url", pg.jdbcUrl(src));
            source.put("connection.user", pg.user());
            if (pg.password() != null) {
                source.put("connection.password", pg.password());
            }
            source.put("topic.prefix", "pipe");
            source.put("slot.name", "gp_pipe_slot");
            rest.deploy("pipe-source", source);
            rest.awaitRunning("pipe-source", 1, Duration.ofSeconds(60));
            Map<String, String> heapSink = sinkConfig("pipe.public.everything,pipe.public.orders");
            rest.deploy("pipe-heap", heapSink);
            Map<String, String> aoSink = sinkConfig("pipe.public.everything,pipe.public.orders", "storage.engine", "ao_column");
            aoSink.put("connection.url", gp.jdbcUrl(ao));
            rest.deploy("pipe-ao", aoSink);
            rest.awaitRunning("pipe-heap", 1, Duration.ofSeconds(60));
            rest.awaitRunning("pipe-ao", 1, Duration.ofSeconds(60));
            Awaitility.await("slot active").atMost(Duration.ofSeconds(30)).until(() -> "true".equals(
                    scalar(pg, src, "SELECT active::text FROM pg_replication_slots WHERE slot_name = 'gp_pipe_slot'")));

            sql(pg, src, """
                    INSERT INTO everything VALUES
                     (1, true, -32768, 9223372036854775807, 123456789.123, 'NaN', 3.4028235e38, 1.0000000000000002, 12.34,
                      'ab', 'tab\tnew\nline\\back', 'text "quoted"', '\\x00ff5c0a', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                      '{"a": [1, 2]}', '{"b": null}', NULL, '2024-02-29', '23:59:59.999999', '12:00:00+05:30',
                      '2000-01-01 00:00:00.000001', '2024-06-01 12:34:56.789012+02', 'P1Y2M-3DT4H5M6.000007S', '1010',
                      '101', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '(1.5,2)', '((0,0),(1,1))',
                      '{1,NULL,3}', '{"a b","c,d",NULL}', '[1,10)', 'fat cat sat', 'happy', 'Mixed'),
                     (2, false, 0, -1, -0.001, '-1.5e-20', 1.1754944e-38, -1e308, -0.5, NULL, '', NULL, '\\x', NULL, 'null', '[]',
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
                    "DELETE FROM everything WHERE id = 3",
                    "INSERT INTO orders SELECT g, g % 7, 'new' FROM generate_series(501, 800) g",
                    "UPDATE orders SET status = 'paid', region = region + 1 WHERE id % 3 = 0",
                    "UPDATE orders SET id = id + 10000 WHERE id % 11 = 0",
                    "DELETE FROM orders WHERE id % 5 = 0");

            for (String dst : List.of(db, ao)) {
                Awaitility.await("destination " + dst + " equals source").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                            for (String name : List.of("pipe-source", "pipe-heap", "pipe-ao")) {
                                rest.checkNotFailed(name);
                            }
                            assertThat(Tables.rows(gp, dst, "public.everything")).isEqualTo(Tables.rows(pg, src, "public.everything"));
                            assertThat(Tables.rows(gp, dst, "public.orders")).isEqualTo(Tables.rows(pg, src, "public.orders"));
                        });
                String columns = "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull, ', ' "
                        + "ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'public.everything'::regclass AND attnum > 0 AND NOT attisdropped";
                assertThat(scalar(gp, dst, columns)).isEqualTo(scalar(pg, src, columns));
            }
            assertThat(Tables.rows(gp, db, "public.everything")).hasSize(3);
            assertThat(scalar(gp, ao, "SELECT amname FROM pg_am WHERE oid = (SELECT relam FROM pg_class WHERE oid = 'public.orders'::regclass)"))
                    .isEqualTo("ao_column");

            // bin/adbsync verify reads both sides: equal now, and a row changed on the destination is found.
            ByteArrayOutputStream report = new ByteArrayOutputStream();
            List<TableDiff> diffs = Verify.run(urlWithUser(pg, src), urlWithUser(gp, ao), List.of(), 100,
                    new PrintStream(report, true, StandardCharsets.UTF_8));
            assertThat(diffs).as(report.toString(StandardCharsets.UTF_8)).hasSize(2).allSatisfy(d -> assertThat(d.equal()).isTrue());
            assertThat(diffs).filteredOn(d -> d.table().equals("public.orders")).singleElement()
                    .satisfies(d -> assertThat(d.chunks()).isGreaterThan(3));
            assertThat(scalar(gp, ao, "SELECT count(*) FROM public.orders WHERE id = 251")).isEqualTo("1");
            sql(gp, ao, "UPDATE public.orders SET status = 'drifted' WHERE id = 251");
            List<TableDiff> drifted = Verify.run(urlWithUser(pg, src), urlWithUser(gp, ao), List.of("public.orders"), 100,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertThat(drifted).singleElement().satisfies(d -> {
                assertThat(d.equal()).isFalse();
                assertThat(d.differingRanges()).hasSize(1);
            });

            sql(pg, src, "TRUNCATE orders");
            for (String dst : List.of(db, ao)) {
                Awaitility.await("truncate applied on " + dst).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> Tables.rows(gp, dst, "public.orders").isEmpty());
            }
            for (String name : List.of("pipe-heap", "pipe-ao", "pipe-source")) {
                rest.checkNotFailed(name);
            }

            // A value Greenplum 7 cannot hold is not changed on the way: the record is refused, naming the column.
            sql(pg, src, "INSERT INTO everything (id, nn) VALUES (5, 'Infinity')");
            Awaitility.await("sink task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                    .until(() -> "FAILED".equals(rest.status("pipe-heap").get("tasks").get(0).get("state").asText()));
            assertThat(rest.status("pipe-heap").get("tasks").get(0).get("trace").asText())
                    .contains("for table public.everything, column nn: ERROR: invalid input syntax for type numeric: \"Infinity\"")
                    .contains("SQLState 22P02");
            assertThat(scalar(gp, db, "SELECT count(*) FROM public.everything WHERE id = 5")).isEqualTo("0");
            for (String name : List.of("pipe-heap", "pipe-ao", "pipe-source")) {
                rest.remove(name);
            }
        } finally {
            // The source database goes with the shared PostgreSQL server; a failed run may leave its slot active.
            gp.dropDatabase(ao);
        }
    }

    private static String urlWithUser(PostgresServer server, String database) {
        return server.jdbcUrl(database) + "?user=" + server.user() + (server.password() == null ? "" : "&password=" + server.password());
    }

    private static Struct row(int a, int b, String v) {
        return new Struct(ROW).put("a", a).put("b", b).put("v", v);
    }

    private static Map<String, String> sinkConfig(String topic, String... extra) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", SINK);
        config.put("tasks.max", "1");
        config.put("topics", topic);
        // The mixes and the pipeline carry truncates, which a sink applies only when asked to.
        config.put("truncate.enabled", "true");
        config.put("connection.url", gp.jdbcUrl(db));
        config.put("connection.user", gp.user());
        if (gp.password() != null) {
            config.put("connection.password", gp.password());
        }
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }

    private static void assertTable(String table, String storage, String distributedBy, String primaryKey) throws SQLException {
        assertThat(scalar(gp, db, "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.oid = 'public."
                + table + "'::regclass")).as(table + " storage").isEqualTo(storage);
        assertThat(scalar(gp, db, "SELECT pg_get_table_distributedby('public." + table + "'::regclass)"))
                .as(table + " distribution").isEqualTo(distributedBy);
        assertThat(scalar(gp, db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'public." + table
                + "'::regclass AND contype = 'p'")).as(table + " primary key").isEqualTo(primaryKey);
    }

    private static void awaitOffset(String topic, String offset) {
        Awaitility.await("offset " + offset + " stored").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> offset.equals(scalar(gp, db, "SELECT next_offset::text FROM adbsync.offsets WHERE topic = '" + topic + "'")));
    }

    private static void awaitRows(String table, String columns, List<String> expected) {
        Awaitility.await(table + " equal to the changes applied one by one").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(rows(table, columns)).isEqualTo(expected));
    }

    /** The rows as {@code a|b|v[|qty]} ordered by the key; null as "null". */
    private static List<String> rows(String table, String columns) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = gp.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + columns + " FROM " + table + " ORDER BY a, b")) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    row.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                rows.add(row.toString());
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return List.of();
            }
            throw e;
        }
        return rows;
    }

    private static List<String> sorted(List<String> rows) {
        List<String> copy = new ArrayList<>(rows);
        copy.sort(Comparator.comparing((String r) -> Integer.parseInt(r.split("\\|")[0]))
                .thenComparing(r -> Integer.parseInt(r.split("\\|")[1])));
        return copy;
    }

    /**
     * A deterministic stream of changes of a table keyed (a, b), and the rows it leaves when applied one by one:
     * inserts, updates, deletes (each with its tombstone), changes of b (the key but not the distribution key
     * {@code a}), changes of a (the distribution key: the row moves to another segment), and truncates.
     */
    private static final class Mix {
        private static final Comparator<List<Integer>> BY_KEY = Comparator.<List<Integer>, Integer>comparing(k -> k.get(0))
                .thenComparing(k -> k.get(1));
        final Envelopes feed;
        private final Random random;
        private final TreeMap<List<Integer>, String> rows = new TreeMap<>(BY_KEY);
        private final Map<List<Integer>, String> quantities = new HashMap<>();
        private int counter;
        int truncates;
        int distributionKeyChanges;

        Mix(Envelopes feed, long seed) {
            this.feed = feed;
            this.random = new Random(seed);
        }

        List<Envelopes.Rec> batch(int events) {
            List<Envelopes.Rec> out = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                int dice = random.nextInt(100);
                List<Integer> existing = rows.isEmpty() ? null : new ArrayList<>(rows.keySet()).get(random.nextInt(rows.size()));
                if (dice < 1 && truncates < 3) {
                    // On several partitions, as the adbsync source sends it: a copy to each, applied as a barrier.
                    out.addAll(feed.partitions() > 1 ? feed.barrier(ROW, "stream:0/" + (truncates + 1) + ":0")
                            : List.of(feed.truncate(ROW)));
                    rows.clear();
                    truncates++;
                } else if (existing == null || dice < 40) {
                    List<Integer> key = List.of(random.nextInt(40), random.nextInt(6));
                    String v = value();
                    out.add(rows.containsKey(key) ? feed.update(row(key, v)) : feed.create(row(key, v), false));
                    rows.put(key, v);
                } else if (dice < 60) {
                    String v = value();
                    out.add(feed.update(row(existing, v)));
                    rows.put(existing, v);
                } else if (dice < 72) {
                    out.addAll(feed.delete(row(existing, rows.get(existing))));
                    rows.remove(existing);
                } else {
                    // A key change: the source sends the old key's delete (and tombstone), then the new key's create.
                    boolean distributionKey = dice >= 86;
                    List<Integer> moved = distributionKey ? List.of(random.nextInt(40), existing.get(1))
                            : List.of(existing.get(0), random.nextInt(6));
                    if (rows.containsKey(moved)) {
                        continue;
                    }
                    String v = rows.remove(existing);
                    out.addAll(feed.delete(row(existing, v)));
                    out.add(feed.create(row(moved, v), false));
                    rows.put(moved, v);
                    if (distributionKey) {
                        distributionKeyChanges++;
                    }
                }
            }
            return out;
        }

        /** After the source table gained qty: every row is updated with it, a few created, one deleted. */
        List<Envelopes.Rec> widen() {
            List<Envelopes.Rec> out = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rows.putIfAbsent(List.of(100 + i, i), "wide");
            }
            List<Integer> deleted = rows.firstKey();
            for (Map.Entry<List<Integer>, String> e : rows.entrySet()) {
                String qty = new BigDecimal(e.getKey().get(0) * 100 + e.getKey().get(1)).movePointLeft(2).toPlainString();
                quantities.put(e.getKey(), qty);
                out.add(feed.update(new Struct(WIDE_ROW).put("a", e.getKey().get(0)).put("b", e.getKey().get(1))
                        .put("v", e.getValue()).put("qty", qty)));
            }
            out.addAll(feed.delete(new Struct(WIDE_ROW).put("a", deleted.get(0)).put("b", deleted.get(1))
                    .put("v", rows.get(deleted))));
            rows.remove(deleted);
            return out;
        }

        List<String> expected(boolean withQuantity) {
            List<String> out = new ArrayList<>();
            rows.forEach((k, v) -> out.add(k.get(0) + "|" + k.get(1) + "|" + v
                    + (withQuantity ? "|" + quantities.get(k) : "")));
            return out;
        }

        private String value() {
            int n = ++counter;
            int pick = random.nextInt(10);
            return pick == 0 ? null : pick == 1 ? ODD_VALUES[n % ODD_VALUES.length] + n : "v" + n;
        }

        private static Struct row(List<Integer> key, String v) {
            return GreenplumSinkIT.row(key.get(0), key.get(1), v);
        }
    }
}
