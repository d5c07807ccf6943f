package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adbsync.stack.RunningStack;
import io.adbsync.stack.registry.AvroConverterSettings;
import io.adbsync.stack.registry.LocalRegistry;
import io.adbsync.stack.topics.Tail;
import io.adbsync.stack.topics.TopicList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code bin/adbsync topics} and {@code tail} against the local stack's real broker and schema registry. */
@WithSchemaRegistry
class TopicsAndTailIT extends WithLocalStack {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Produces {@code count} JSON records to {@code topic} (2 partitions): key {"id":i}, value {"n":i,"text":"row i"}. */
    private static void produceJson(String topic, int count) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, i % 2, "{\"id\":" + i + "}",
                        "{\"n\":" + i + ",\"text\":\"row " + i + "\"}");
                record.headers().add("origin", ("producer " + i).getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
            }
        }
    }

    private static List<JsonNode> tail(Tail.Options options) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Tail.run(options, out, () -> false);
        }
        List<JsonNode> records = new ArrayList<>();
        for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                records.add(JSON.readTree(line));
            }
        }
        return records;
    }

    @Test
    void topicsListsPartitionsRecordsSizesAndEndOffsets() throws Exception {
        produceJson("tt.listed", 7);
        TopicList.TopicSummary listed = TopicList.read(stack.bootstrapServers(), false).stream()
                .filter(t -> t.name().equals("tt.listed")).findFirst().orElseThrow();
        assertThat(listed.partitions()).isEqualTo(2);
        assertThat(listed.records()).isEqualTo(7);
        assertThat(listed.endOffsets()).isEqualTo(Map.of(0, 4L, 1, 3L));
        assertThat(listed.bytes()).isPositive();

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        TopicList.print(List.of(listed), new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(printed.toString(StandardCharsets.UTF_8).lines().toList().get(1))
                .matches("tt\\.listed\\s+2\\s+7\\s+\\d+ B\\s+0:4 1:3");
    }

    @Test
    void tailShowsTheLastRecordsOfEachPartitionOrAllOfThemDecodedFromJson() throws Exception {
        produceJson("tt.json", 10);
        List<JsonNode> last = tail(new Tail.Options(stack.bootstrapServers(), "tt.json", 2, false, null, false, false));
        // The last 2 of each partition: 6, 8 of partition 0 and 7, 9 of partition 1.
        assertThat(last).extracting(r -> r.get("value").get("n").asInt()).containsExactlyInAnyOrder(6, 8, 7, 9);
        JsonNode nine = last.stream().filter(r -> r.get("key").get("id").asInt() == 9).findFirst().orElseThrow();
        assertThat(nine.get("partition").asInt()).isEqualTo(1);
        assertThat(nine.get("offset").asLong()).isEqualTo(4);
        assertThat(nine.get("value").get("text").asText()).isEqualTo("row 9");
        assertThat(nine.get("headers").get("origin").asText()).isEqualTo("producer 9");

        List<JsonNode> all = tail(new Tail.Options(stack.bootstrapServers(), "tt.json", 2, true, null, false, false));
        assertThat(all).extracting(r -> r.get("value").get("n").asInt()).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void tailDecodesTheSourcesAvroRecordsThroughTheRegistry() throws Exception {
        String src = postgres.createDatabase("tt_avro_src");
        sql(postgres, src, "CREATE TABLE items (id int PRIMARY KEY, name text)");
        LocalRegistry registry = stack.registry().orElseThrow();
        Map<String, String> source = sourceConfig(src, "ttavro", "tasks.max", "1", "snapshot.mode", "never");
        source.putAll(AvroConverterSettings.forConnector(registry.registryApiUrl()));
        stack.connect().rest().deploy("ttavro-source", source);
        stack.connect().rest().awaitRunning("ttavro-source", 1, Duration.ofSeconds(60));
        awaitSlotActive(src, "ttavro");
        sql(postgres, src, "INSERT INTO items VALUES (1, 'first'), (2, 'second')");

        Tail.Options options = new Tail.Options(stack.bootstrapServers(), "ttavro.public.items", 10, false,
                registry.confluentApiUrl(), false, false);
        Awaitility.await("two Avro records decoded").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .untilAsserted(() -> assertThat(tail(options)).hasSize(2));
        List<JsonNode> records = tail(options);
        assertThat(records).extracting(r -> r.get("key").get("id").asInt()).containsExactly(1, 2);
        assertThat(records.get(1).get("value").toString()).contains("\"name\":\"second\"");
        stack.connect().rest().remove("ttavro-source");
    }

    /** As a user runs it: {@code bin/adbsync tail TOPIC -n 1 --pretty} finds the running stack's broker by itself. */
    @Test
    void theCommandLineTailsTheRunningStacksTopicWithoutBeingToldWhere() throws Exception {
        produceJson("tt.cli", 3);
        stack.publish();
        assertThat(RunningStack.read()).map(RunningStack::bootstrapServers).contains(stack.bootstrapServers());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dadbsync.stack.file=" + RunningStack.file(),
                "io.adbsync.stack.cli.Main", "tail", "tt.cli", "-n", "1", "--pretty"));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        // Pretty: one indented object per record, the last of each partition (2 on partition 0, 1 on partition 1).
        assertThat(out).contains("  \"value\" : {").contains("\"text\" : \"row 2\"").contains("\"text\" : \"row 1\"")
                .doesNotContain("\"row 0\"");
    }
}
