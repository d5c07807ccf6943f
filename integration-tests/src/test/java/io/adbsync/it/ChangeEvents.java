package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adbsync.fixtures.kafka.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Reads a topic written with the JsonConverter (schemas on) and gives each record's key and value payloads. */
final class ChangeEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One record: key and value payloads (value null for a tombstone) and the value's schema. */
    record Event(JsonNode key, JsonNode value, JsonNode valueSchema) {
        String op() {
            return value == null ? null : value.get("op").asText();
        }

        JsonNode after() {
            return value.get("after");
        }

        JsonNode before() {
            return value.get("before");
        }

        boolean tombstone() {
            return value == null;
        }
    }

    private ChangeEvents() {
    }

    static List<Event> readUntil(String bootstrap, String topic, Predicate<List<Event>> done, Duration timeout) {
        List<Event> events = new ArrayList<>();
        TopicReader.consume(bootstrap, topic, record -> {
            events.add(parse(record));
            return false;
        }, () -> done.test(events), timeout);
        return events;
    }

    static List<Event> read(String bootstrap, String topic, int count) {
        return readUntil(bootstrap, topic, e -> e.size() >= count, Duration.ofSeconds(60));
    }

    /** Reads keys only, without keeping records, until {@code done} says so: for topics of a million records. */
    static void readKeysUntil(String bootstrap, String topic, java.util.function.Predicate<JsonNode> onKey,
                              Duration timeout) {
        TopicReader.consume(bootstrap, topic, record -> {
            try {
                return record.key() != null && onKey.test(JSON.readTree(record.key()).get("payload"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, () -> false, timeout);
    }

    private static Event parse(ConsumerRecord<byte[], byte[]> record) {
        try {
            JsonNode key = record.key() == null ? null : JSON.readTree(record.key()).get("payload");
            if (record.value() == null) {
                return new Event(key, null, null);
            }
            JsonNode value = JSON.readTree(record.value());
            return new Event(key, value.get("payload"), value.get("schema"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
