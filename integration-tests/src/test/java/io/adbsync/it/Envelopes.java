package io.adbsync.it;

import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.common.contract.EventContract;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Change records as the adbsync source writes them (envelopes with op c/u/d/r/t, a tombstone after each delete),
 * produced with the JsonConverter (schemas on) to a {@code prefix.schema.table} topic: with several partitions, each key
 * always to the same one (by its first key field), as per-key order needs. A truncate on several partitions is one
 * copy per partition with the barrier headers, and every record then states the partition count, as the source does.
 */
final class Envelopes {

    /**
     * One record; a null {@code key} for a truncate, a null {@code value} for a tombstone. {@code partition} null: by
     * key (partition 0 without one); {@code headers}: besides the partition count.
     */
    record Rec(Struct key, Struct value, Integer partition, Map<String, String> headers) {
        Rec(Struct key, Struct value) {
            this(key, value, null, Map.of());
        }

        /** This record on {@code partition}, whatever its key. */
        Rec on(int partition) {
            return new Rec(key, value, partition, headers);
        }
    }

    private final String topic;
    private final String schema;
    private final String table;
    private final Schema keySchema;
    private final int partitions;

    /** {@code topic} is {@code prefix.schema.table}; {@code keySchema} holds the key fields of the rows. */
    Envelopes(String topic, Schema keySchema) {
        this(topic, keySchema, 1);
    }

    /** For a topic of {@code partitions} partitions (created beforehand); truncates go to partition 0 only. */
    Envelopes(String topic, Schema keySchema, int partitions) {
        String[] parts = topic.split("\\.");
        this.topic = topic;
        this.schema = parts[1];
        this.table = parts[2];
        this.keySchema = keySchema;
        this.partitions = partitions;
    }

    String topic() {
        return topic;
    }

    /** op c, or op r with {@code snapshot} (a row of the source's snapshot). */
    Rec create(Struct row, boolean snapshot) {
        return new Rec(key(row), envelope(snapshot ? EventContract.OP_READ : EventContract.OP_CREATE, null, row, snapshot));
    }

    Rec update(Struct row) {
        return new Rec(key(row), envelope(EventContract.OP_UPDATE, null, row, false));
    }

    /** The delete and the tombstone that follows it. */
    List<Rec> delete(Struct row) {
        return List.of(new Rec(key(row), envelope(EventContract.OP_DELETE, row, null, false)), new Rec(key(row), null));
    }

    /** A truncate as one record to partition 0, without barrier headers (as Debezium's or older sources send it). */
    Rec truncate(Schema rowSchema) {
        return new Rec(null, envelope(EventContract.OP_TRUNCATE, null, null, false, rowSchema));
    }

    /** A truncate as the adbsync source sends it: copy i to partition i, each naming barrier {@code id}. */
    List<Rec> barrier(Schema rowSchema, String id) {
        List<Rec> copies = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            copies.add(new Rec(null, envelope(EventContract.OP_TRUNCATE, null, null, false, rowSchema), i,
                    Map.of(BarrierHeaders.BARRIER, id)));
        }
        return copies;
    }

    int partitions() {
        return partitions;
    }

    private Struct key(Struct row) {
        Struct key = new Struct(keySchema);
        for (Field f : keySchema.fields()) {
            key.put(f.name(), row.get(f.name()));
        }
        return key;
    }

    private Struct envelope(String op, Struct before, Struct after, boolean snapshot) {
        return envelope(op, before, after, snapshot, (before != null ? before : after).schema());
    }

    private Struct envelope(String op, Struct before, Struct after, boolean snapshot, Schema rowSchema) {
        Schema envelope = EventContract.envelope(topic, rowSchema);
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql")
                .put("name", topic.split("\\.")[0]).put("ts_ms", System.currentTimeMillis()).put("db", "source")
                .put("schema", schema).put("table", table).put("snapshot", snapshot ? "true" : "false");
        return new Struct(envelope).put("op", op).put("source", source).put("before", before).put("after", after)
                .put("ts_ms", System.currentTimeMillis());
    }

    /** Writes {@code records} in order, in one producer batch where they fit, and waits until the broker has them. */
    void produce(String bootstrap, List<Rec> records) {
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "true"), true);
        JsonConverter values = new JsonConverter();
        values.configure(Map.of("schemas.enable", "true"), false);
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 100, ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Rec r : records) {
                byte[] key = r.key() == null ? null : keys.fromConnectData(topic, keySchema, r.key());
                byte[] value = r.value() == null ? null : values.fromConnectData(topic, r.value().schema(), r.value());
                int partition = r.partition() != null ? r.partition()
                        : r.key() == null ? 0 : Math.floorMod(r.key().get(keySchema.fields().get(0)).hashCode(), partitions);
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, key, value);
                Map<String, String> headers = new LinkedHashMap<>(r.headers());
                if (partitions > 1) {
                    headers.putIfAbsent(BarrierHeaders.PARTITIONS, Integer.toString(partitions));
                }
                headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
                producer.send(record);
            }
            producer.flush();
        }
    }
}
