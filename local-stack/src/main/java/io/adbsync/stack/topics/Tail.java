package io.adbsync.stack.topics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;

/**
 * {@code bin/adbsync tail}: the records of a topic decoded, one JSON object per record. Values in Confluent's wire
 * format (magic byte 0, 4-byte schema id, Avro binary) are decoded with their schema from the registry's
 * Confluent-compatible API; anything else is shown as the JSON it holds, or as text.
 */
public final class Tail {

    /**
     * What to show.
     *
     * @param last          the last records of each partition to start with, when not from the beginning
     * @param registryUrl   the registry's Confluent-compatible API (…/apis/ccompat/v7), null without one
     * @param follow        keep printing new records until stopped, instead of ending at the end offsets seen at the start
     */
    public record Options(String bootstrapServers, String topic, int last, boolean fromBeginning, String registryUrl,
                          boolean follow, boolean pretty) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<Integer, Schema> schemas = new HashMap<>();

    private Tail(Options options) {
        this.options = options;
    }

    /** Prints the records to {@code out} until the end offsets (or, following, until {@code stop}); returns how many. */
    public static long run(Options options, PrintStream out, BooleanSupplier stop) {
        return new Tail(options).run(out, stop);
    }

    private long run(PrintStream out, BooleanSupplier stop) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        // Read-only look: no group, so nothing is committed and no sink's group is disturbed.
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<PartitionInfo> infos = consumer.partitionsFor(options.topic(), Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("No topic " + options.topic() + " at " + options.bootstrapServers()
                        + " (bin/adbsync topics lists them)");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                long from = options.fromBeginning() ? begin.get(tp) : Math.max(begin.get(tp), end.get(tp) - options.last());
                consumer.seek(tp, from);
            }
            long printed = 0;
            while (!stop.getAsBoolean()) {
                if (!options.follow() && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (!options.follow() && record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue;
                    }
                    out.println(render(record));
                    printed++;
                }
            }
            out.flush();
            return printed;
        }
    }

    private String render(ConsumerRecord<byte[], byte[]> record) {
        ObjectNode node = JSON.createObjectNode();
        node.put("partition", record.partition());
        node.put("offset", record.offset());
        node.put("timestamp", Instant.ofEpochMilli(record.timestamp()).toString());
        // Headers as text: where a dead-letter queue's records say what failed (errors.deadletterqueue.context.headers.enable).
        if (record.headers().iterator().hasNext()) {
            ObjectNode headers = node.putObject("headers");
            for (var header : record.headers()) {
                headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        node.set("key", decode(record.key()));
        node.set("value", decode(record.value()));
        try {
            return options.pretty() ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) : JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot render a record as JSON", e);
        }
    }

    /** Avro in Confluent's wire format through the registry, JSON as it is, anything else as text. */
    JsonNode decode(byte[] bytes) {
        if (bytes == null) {
            return JSON.nullNode();
        }
        if (bytes.length >= 5 && bytes[0] == 0) {
            if (options.registryUrl() == null) {
                throw new IllegalStateException("The records are Avro (schema id " + ByteBuffer.wrap(bytes, 1, 4).getInt()
                        + "): give the schema registry's Confluent-compatible URL with --registry-url");
            }
            return avro(bytes);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        try {
            return JSON.readTree(text);
        } catch (IOException notJson) {
            return TextNode.valueOf(text);
        }
    }

    private JsonNode avro(byte[] bytes) {
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        Schema schema = schemas.computeIfAbsent(id, this::fetchSchema);
        try {
            Object datum = new GenericDatumReader<>(schema).read(null,
                    DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
            // Avro's own JSON rendering of a datum (bytes as \\u escapes, logical types as their base values).
            return JSON.readTree(GenericData.get().toString(datum));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot decode an Avro record with schema id " + id + ": " + e.getMessage(), e);
        }
    }

    private Schema fetchSchema(int id) {
        URI uri = URI.create(options.registryUrl().replaceAll("/$", "") + "/schemas/ids/" + id);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("The registry answered " + response.statusCode() + " for " + uri + ": " + response.body());
            }
            return new Schema.Parser().parse(JSON.readTree(response.body()).get("schema").asText());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read schema " + id + " from " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading schema " + id, e);
        }
    }
}
