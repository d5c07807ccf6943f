package io.adbsync.it;

import io.adbsync.fixtures.kafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Avro data path without Confluent's converter (not on Maven Central): every key and value the source
 * produces, for a table of many types and every kind of change, maps to an Avro schema Apache Avro accepts (valid
 * names) and survives Avro's binary encoding unchanged.
 */
class AvroDataPathIT extends SourceConnectorTestBase {

    @Override
    String databasePrefix() {
        return "avro";
    }

    @Override
    Map<String, String> baseConfig() {
        return Map.of("snapshot.mode", "initial", "heartbeat.interval.ms", "0");
    }

    @Test
    void everyEventOfEveryTypeRoundTripsThroughAvro() throws Exception {
        sql("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE TABLE \"Mixed Case\" (id int PRIMARY KEY, \"Order Id\" bigint, n numeric(12,3), f float8, r real, "
                        + "s smallint, t text, b bytea, d date, ts timestamp(6), tstz timestamptz, tm time, iv interval, "
                        + "u uuid, j jsonb, x xml, arr int[], rng int4range, m mood, ip inet, bits bit varying(16), "
                        + "p point, money_col money, ok boolean)",
                "INSERT INTO \"Mixed Case\" SELECT g, g * 10, g / 7.0, g * 1.5, g * 0.5, g, 'row ' || g, "
                        + "decode(md5(g::text), 'hex'), date '2024-01-01' + g, timestamp '2024-01-01 00:00:00.123456', "
                        + "now(), time '12:34:56.789', make_interval(months => g, secs => 1.5), gen_random_uuid(), "
                        + "jsonb_build_object('g', g), xmlparse(content '<r/>'), ARRAY[g, NULL], int4range(g, g + 5), "
                        + "'happy', '10.0.0.1', B'1011', point(g, -g), 12.5, true FROM generate_series(1, 20) g",
                "UPDATE \"Mixed Case\" SET n = 'NaN', d = 'infinity', ts = '-infinity', t = NULL WHERE id = 1");
        rest.deploy(name, config());
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitSlotActive(database, name);
        String topic = name + ".public.Mixed_Case";
        // The copy first: a truncate that came before its first chunk would leave it nothing to copy.
        TopicReader.read(stack.bootstrapServers(), topic, 20, Duration.ofSeconds(60));
        sql("UPDATE \"Mixed Case\" SET t = 'changed' WHERE id = 2",
                "UPDATE \"Mixed Case\" SET id = 200 WHERE id = 3",
                "DELETE FROM \"Mixed Case\" WHERE id = 4",
                "TRUNCATE \"Mixed Case\"");

        List<ConsumerRecord<byte[], byte[]>> records = TopicReader.read(stack.bootstrapServers(), topic, 20 + 1 + 3 + 2 + 1, Duration.ofSeconds(60));
        JsonConverter keys = converter(true);
        JsonConverter values = converter(false);
        AvroRoundTrip avro = new AvroRoundTrip();
        int checked = 0;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            for (SchemaAndValue data : List.of(keys.toConnectData(topic, record.key()), values.toConnectData(topic, record.value()))) {
                if (data.schema() == null) {
                    continue;
                }
                assertThat(avro.roundTrip(data.schema(), data.value())).as("%s", data.value()).isEqualTo(data.value());
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(50);
        org.apache.kafka.connect.data.Schema envelope = values.toConnectData(topic, records.get(0).value()).schema();
        assertThat(avro.avroSchema(envelope).getFullName()).isEqualTo(name + ".public.Mixed_Case.Envelope");
        assertThat(envelope.field("after").schema().field("Order_Id").schema().parameters())
                .containsEntry("adbsync.column.name", "Order Id");
    }

    private static JsonConverter converter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), isKey);
        return converter;
    }
}
