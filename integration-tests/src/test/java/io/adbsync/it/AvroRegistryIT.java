package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.fixtures.kafka.TopicReader;
import io.adbsync.fixtures.net.TcpProxy;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.stack.registry.AvroConverterSettings;
import io.adbsync.stack.registry.LocalRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Avro end to end through a real schema registry: the packaged source and sink with Apicurio's Avro converter
 * (Confluent's wire format) loaded from the worker's plugin.path, the registry beside the broker.
 */
@WithSchemaRegistry
class AvroRegistryIT extends WithLocalStack {

    private static final String COLUMNS = "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull, ', ' "
            + "ORDER BY attnum) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attnum > 0 AND NOT attisdropped";

    private static LocalRegistry registry() {
        return stack.registry().orElseThrow();
    }

    /** The registry's Confluent-compatible API, read as Confluent's clients read it. */
    private static ConnectRestClient confluentApi() {
        return new ConnectRestClient(URI.create(registry().confluentApiUrl() + "/"));
    }

    /** Source and sink through Avro and the registry API at {@code registryApiUrl}, with {@code sinkExtra} on the sink. */
    private static ConnectRestClient deployAvroPair(String src, String dst, String prefix, String registryApiUrl,
                                                    Map<String, String> sinkExtra) {
        Map<String, String> avro = AvroConverterSettings.forConnector(registryApiUrl);
        Map<String, String> source = new HashMap<>(avro);
        source.putAll(Map.of("snapshot.mode", "initial", "heartbeat.interval.ms", "0"));
        Map<String, String> sink = new HashMap<>(avro);
        sink.putAll(sinkExtra);
        return deployPair(src, dst, prefix, source, sink);
    }

    @Test
    void everyTypeWithEdgeValuesIsEqualAfterSnapshotAndStreamWithSchemasInTheRegistry() throws Exception {
        String src = postgres.createDatabase("avro_src");
        String dst = postgres.createDatabase("avro_dst");
        String prefix = "avr";
        String type = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')";
        String everything = """
                CREATE TABLE everything (
                  id int PRIMARY KEY, b boolean, i2 smallint, i8 bigint, n numeric(12,3), nn numeric, r real,
                  d double precision, m money, c char(3), vc varchar(20), t text, by bytea, u uuid, j json, jb jsonb,
                  x xml, dt date, tm time(6), ttz timetz, ts timestamp, tstz timestamptz, iv interval, bt bit(4),
                  vb varbit(8), ip inet, net cidr, mac macaddr, pt point, bx box, arr int[], tarr text[], ra real[],
                  da double precision[], rng int4range, tsv tsvector, mo mood, "Mixed Case" text)""";
        sql(postgres, src, type, everything,
                "CREATE TABLE lines (order_id int, line int, qty int, PRIMARY KEY (order_id, line))",
                "CREATE TABLE renamed (id int PRIMARY KEY, v text)");
        sql(postgres, dst, type);
        String row1 = """
                (1, true, -32768, 9223372036854775807, 123456789.123, 'NaN', 'NaN', 'Infinity', 12.34,
                 'ab', 'tab\tnew\nline\\back', 'text "quoted"', '\\x00ff5c0a', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                 '{"a": [1, 2]}', '{"b": null}', '<r>x</r>', '2024-02-29', '23:59:59.999999', '12:00:00+05:30',
                 '2000-01-01 00:00:00.000001', '2024-06-01 12:34:56.789012+02', 'P1Y2M-3DT4H5M6.000007S', '1010',
                 '101', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '(1.5,2)', '((0,0),(1,1))',
                 '{1,NULL,3}', '{"a b","c,d",NULL}', '{NaN,Infinity,-Infinity,-0,1.5}', '{-Infinity,NULL,-0}',
                 '[1,10)', 'fat cat sat', 'happy', 'Mixed')""";
        String row2 = """
                (2, false, 0, -1, -0.001, '-Infinity', '-Infinity', '-0', -0.5, NULL, '', NULL, '\\x', NULL, 'null', '[]',
                 NULL, 'infinity', '24:00:00', NULL, '-infinity', 'infinity', '-1 day', NULL, '', '::1', NULL, NULL,
                 NULL, NULL, '{}', '{}', '{}', NULL, 'empty', '', 'sad', NULL)""";
        String row3 = """
                (3, NULL, NULL, NULL, NULL, NULL, 3.4028235e38, -1e308, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                 '0044-03-15 BC', '00:00:00', '00:00:00-12', '0001-12-31 23:59:59.5 BC', '-infinity', '0', NULL, NULL,
                 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)""";
        // Rows 1 and 2 are copied by the snapshot; the same values arrive streamed as rows 11 and 12.
        sql(postgres, src, "INSERT INTO everything VALUES " + row1 + ", " + row2,
                "INSERT INTO lines SELECT o, l, o * l FROM generate_series(1, 20) o, generate_series(1, 3) l",
                "INSERT INTO renamed VALUES (1, 'one')");

        ConnectRestClient rest = deployAvroPair(src, dst, prefix, registry().registryApiUrl(),
                Map.of("table.name.map", "public.renamed=public.renamed_here"));

        sql(postgres, src, "INSERT INTO everything VALUES " + row3,
                "INSERT INTO everything SELECT id + 10, b, i2, i8, n, nn, r, d, m, c, vc, t, by, u, j, jb, x, dt, tm, ttz, ts, tstz, iv, "
                        + "bt, vb, ip, net, mac, pt, bx, arr, tarr, ra, da, rng, tsv, mo, \"Mixed Case\" FROM everything WHERE id IN (1, 2)",
                "UPDATE everything SET r = 'Infinity', d = 'NaN', t = 'updated' WHERE id = 2",
                "UPDATE everything SET id = 40 WHERE id = 3",
                "UPDATE lines SET line = 9 WHERE order_id = 1 AND line = 1",
                "UPDATE lines SET qty = 0 WHERE order_id = 2",
                "DELETE FROM lines WHERE order_id = 3",
                "INSERT INTO renamed VALUES (2, 'two')",
                "DELETE FROM everything WHERE id = 12");

        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "public.everything")).isEqualTo(rows(postgres, src, "public.everything"));
                    assertThat(rows(postgres, dst, "public.lines")).isEqualTo(rows(postgres, src, "public.lines"));
                    assertThat(rows(postgres, dst, "public.renamed_here")).isEqualTo(rows(postgres, src, "public.renamed"));
                });
        assertThat(rows(postgres, dst, "public.everything")).hasSize(4);
        // The special floats arrived as themselves (NaN stays NaN, -0 stays -0), not as a look-alike.
        assertThat(scalar(postgres, dst, "SELECT r::text || ' ' || d::text || ' ' || ra::text FROM everything WHERE id = 1"))
                .isEqualTo("NaN Infinity {NaN,Infinity,-Infinity,-0,1.5}");
        // Types are exact: the source types travelled as schema parameters through the registry.
        assertThat(scalar(postgres, dst, COLUMNS.formatted("public.everything")))
                .isEqualTo(scalar(postgres, src, COLUMNS.formatted("public.everything")));
        assertThat(scalar(postgres, dst, "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                + "WHERE conrelid = 'public.lines'::regclass AND contype = 'p'")).isEqualTo("PRIMARY KEY (order_id, line)");

        // Subjects by TopicNameStrategy, keys and values, as Confluent's clients find them.
        ConnectRestClient api = confluentApi();
        List<String> subjects = new ArrayList<>();
        api.get("subjects").body().forEach(s -> subjects.add(s.asText()));
        for (String table : List.of("everything", "lines", "renamed")) {
            assertThat(subjects).contains(prefix + ".public." + table + "-key", prefix + ".public." + table + "-value");
        }
        String everythingValue = api.get("subjects/" + prefix + ".public.everything-value/versions/latest").body().get("schema").asText();
        for (String logical : List.of("io.debezium.time.MicroTimestamp", "io.debezium.time.ZonedTimestamp", "io.debezium.data.Json",
                "io.debezium.data.Uuid", "io.debezium.time.Date", "io.debezium.time.MicroTime", "io.debezium.data.Xml")) {
            assertThat(everythingValue).as("logical name %s in the registered schema", logical).contains("\"" + logical + "\"");
        }
        String linesKey = api.get("subjects/" + prefix + ".public.lines-key/versions/latest").body().get("schema").asText();
        assertThat(linesKey).contains("\"order_id\"", "\"line\"");

        // On the wire: Confluent's framing (magic byte 0, the 4-byte id the registry serves), and a tombstone after a delete.
        String linesTopic = prefix + ".public.lines";
        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.readUntil(stack.bootstrapServers(), linesTopic,
                rs -> !rs.isEmpty() && rs.get(rs.size() - 1).value() == null, Duration.ofSeconds(30));
        ConsumerRecord<byte[], byte[]> first = records.get(0);
        for (byte[] framed : List.of(first.key(), first.value())) {
            assertThat(framed[0]).isZero();
            int id = ByteBuffer.wrap(framed, 1, 4).getInt();
            assertThat(api.get("schemas/ids/" + id).ok()).as("schema id %d known to the registry", id).isTrue();
        }
        ConsumerRecord<byte[], byte[]> tombstone = records.get(records.size() - 1);
        assertThat(tombstone.key()).isNotNull();
        assertThat(records.get(records.size() - 2).value()).as("the delete before its tombstone").isNotNull();

        rest.remove(prefix + "-sink");
        rest.remove(prefix + "-source");
    }

    @Test
    void columnsAddedAndDroppedMidStreamRegisterNewVersionsUnderBackwardAndFullCompatibility() throws Exception {
        String src = postgres.createDatabase("avro_evo_src");
        String dst = postgres.createDatabase("avro_evo_dst");
        String prefix = "avevo";
        ConnectRestClient api = confluentApi();
        // items under BACKWARD (what consumers upgraded first need), things under FULL (both directions).
        assertThat(api.put("config/" + prefix + ".public.items-value", Map.of("compatibility", "BACKWARD")).ok()).isTrue();
        assertThat(api.put("config/" + prefix + ".public.things-value", Map.of("compatibility", "FULL")).ok()).isTrue();
        sql(postgres, src, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2))",
                "INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, 10) g",
                "CREATE TABLE things (id int PRIMARY KEY, a text NOT NULL)",
                "INSERT INTO things SELECT g, 'a' || g FROM generate_series(1, 5) g");
        ConnectRestClient rest = deployAvroPair(src, dst, prefix, registry().registryApiUrl(), Map.of());
        Awaitility.await("snapshot").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "public.items")).isEqualTo(rows(postgres, src, "public.items"));
                    assertThat(rows(postgres, dst, "public.things")).isEqualTo(rows(postgres, src, "public.things"));
                });
        int itemsBefore = versions(api, prefix + ".public.items-value");
        int thingsBefore = versions(api, prefix + ".public.things-value");

        // Added columns (every non-key column is optional in the schema, with default null, NOT NULL or not).
        sql(postgres, src, "ALTER TABLE items ADD COLUMN color text",
                "INSERT INTO items VALUES (11, 'eleven', 11, 'red')",
                "UPDATE items SET color = 'blue' WHERE id = 1",
                "ALTER TABLE things ADD COLUMN b int",
                "INSERT INTO things VALUES (6, 'a6', 8)",
                "UPDATE things SET b = id",
                "ALTER TABLE things ALTER COLUMN b SET NOT NULL");
        Awaitility.await("added columns applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "public.items")).isEqualTo(rows(postgres, src, "public.items"));
                    assertThat(rows(postgres, dst, "public.things")).isEqualTo(rows(postgres, src, "public.things"));
                });
        int itemsAfterAdd = versions(api, prefix + ".public.items-value");
        int thingsAfterAdd = versions(api, prefix + ".public.things-value");
        assertThat(itemsAfterAdd).as("a new version for the added column").isGreaterThan(itemsBefore);
        assertThat(thingsAfterAdd).as("a new version for the added column, under FULL").isGreaterThan(thingsBefore);

        // Dropped: a nullable column, and a NOT NULL one.
        sql(postgres, src, "ALTER TABLE items DROP COLUMN price",
                "INSERT INTO items VALUES (12, 'twelve', 'green')",
                "UPDATE items SET name = 'renamed' WHERE id = 2",
                "ALTER TABLE things DROP COLUMN a",
                "INSERT INTO things VALUES (7, 9)");
        Awaitility.await("rows after the drops applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(rows(postgres, dst, "(SELECT id, name, color FROM public.items)"))
                            .isEqualTo(rows(postgres, src, "(SELECT id, name, color FROM public.items)"));
                    assertThat(rows(postgres, dst, "(SELECT id, b FROM public.things)"))
                            .isEqualTo(rows(postgres, src, "(SELECT id, b FROM public.things)"));
                });
        assertThat(versions(api, prefix + ".public.items-value")).as("a new version without the dropped column").isGreaterThan(itemsAfterAdd);
        assertThat(versions(api, prefix + ".public.things-value")).as("a new version without the dropped NOT NULL column, under FULL")
                .isGreaterThan(thingsAfterAdd);
        assertThat(rest.status(prefix + "-source").get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
        JsonNode latest = api.get("subjects/" + prefix + ".public.items-value/versions/latest").body();
        assertThat(latest.get("schema").asText()).contains("\"color\"").doesNotContain("\"price\"");
        rest.remove(prefix + "-sink");
        rest.remove(prefix + "-source");
    }

    /** The stored value of a fast default travels as a schema parameter through the registry to the sink. */
    @Test
    void aColumnAddedWithAFastDefaultFillsTheDestinationsRowsThroughTheRegistry() throws Exception {
        String src = postgres.createDatabase("avro_fd_src");
        String dst = postgres.createDatabase("avro_fd_dst");
        String prefix = "avfd";
        assertThat(confluentApi().put("config/" + prefix + ".public.t-value", Map.of("compatibility", "FULL")).ok()).isTrue();
        sql(postgres, src, "CREATE TABLE t (id int PRIMARY KEY, a text)", "INSERT INTO t VALUES (1, 'a1'), (2, 'a2')");
        ConnectRestClient rest = deployAvroPair(src, dst, prefix, registry().registryApiUrl(), Map.of());
        Awaitility.await("snapshot").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t")));

        sql(postgres, src, "ALTER TABLE t ADD COLUMN b int NOT NULL DEFAULT 7, ADD COLUMN c timestamptz DEFAULT now()",
                "UPDATE t SET a = 'changed' WHERE id = 2");
        Awaitility.await("added columns applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(rows(postgres, dst, "public.t")).isEqualTo(rows(postgres, src, "public.t")));
        assertThat(rows(postgres, dst, "public.t").get(0)).startsWith("(1,a1,7,\"");
        rest.remove(prefix + "-sink");
        rest.remove(prefix + "-source");
    }

    private static int versions(ConnectRestClient api, String subject) {
        return api.get("subjects/" + subject + "/versions").body().size();
    }

    @Test
    void aRegistryThatIsDownHoldsTheTasksUpAndTheyGoOnOnceItIsBackLosingNothing() throws Exception {
        String src = postgres.createDatabase("avro_down_src");
        String dst = postgres.createDatabase("avro_down_dst");
        String prefix = "avdown";
        sql(postgres, src, "CREATE TABLE events (id int PRIMARY KEY, v text)",
                "INSERT INTO events SELECT g, 'v' || g FROM generate_series(1, 50) g");
        try (TcpProxy proxy = TcpProxy.start("127.0.0.1", registry().port())) {
            String viaProxy = "http://127.0.0.1:" + proxy.port() + "/apis/registry/v2";
            ConnectRestClient rest = deployAvroPair(src, dst, prefix, viaProxy, Map.of());
            Awaitility.await("snapshot").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(rows(postgres, dst, "public.events")).isEqualTo(rows(postgres, src, "public.events")));

            proxy.cut();
            // A new column is a new schema: the converters must reach the registry to write and read it.
            sql(postgres, src, "ALTER TABLE events ADD COLUMN w int",
                    "INSERT INTO events SELECT g, 'v' || g, g FROM generate_series(51, 100) g",
                    "UPDATE events SET w = -1 WHERE id <= 10",
                    "DELETE FROM events WHERE id BETWEEN 20 AND 25");
            // Apicurio's client alone fails the task at the first refused connection; retried by Connect
            // (RetryingAvroConverter, errors.retry.timeout), the tasks wait: several tries, none FAILED.
            Awaitility.await("the converter retrying").atMost(Duration.ofSeconds(60)).until(() -> proxy.turnedAway() >= 3);
            for (String name : List.of(prefix + "-source", prefix + "-sink")) {
                assertThat(rest.status(name).get("tasks").get(0).get("state").asText()).as(name).isEqualTo("RUNNING");
            }
            proxy.restore();
            Awaitility.await("destination equals source once the registry is back").atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                        assertThat(rows(postgres, dst, "public.events")).isEqualTo(rows(postgres, src, "public.events"));
                        for (String name : List.of(prefix + "-source", prefix + "-sink")) {
                            assertThat(rest.status(name).get("tasks").get(0).get("state").asText()).as(name).isEqualTo("RUNNING");
                        }
                    });
            rest.remove(prefix + "-sink");
            rest.remove(prefix + "-source");
        }
    }
}
