package io.adbsync.sink.record;

import io.adbsync.common.contract.EventContract;
import io.adbsync.sink.SinkConfig.NameCase;
import io.adbsync.sink.naming.TableId;
import io.adbsync.sink.naming.TableNamer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordParserTest {

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA)
            .field("doc", Schema.OPTIONAL_STRING_SCHEMA).field("bin", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build()).build();
    private static final Schema ENVELOPE = EventContract.envelope("p.s.t", ROW);
    private static final String PLACEHOLDER = "__debezium_unavailable_value";

    private final RecordParser parser = new RecordParser(
            new TableNamer("${schema}.${table}", List.of("public.Order_Items=dst.orders"), NameCase.KEEP), true);

    private static SinkRecord envelope(String topic, String schema, String table, String op, Struct after) {
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "c").put("name", "p")
                .put("ts_ms", 0L).put("db", "d").put("schema", schema).put("table", table);
        return new SinkRecord(topic, 0, KEY, new Struct(KEY).put("id", 1), ENVELOPE,
                new Struct(ENVELOPE).put("op", op).put("source", source).put("after", after), 7);
    }

    private static SinkRecord tombstone(String topic) {
        return new SinkRecord(topic, 0, KEY, new Struct(KEY).put("id", 1), null, null, 8);
    }

    @Test
    void envelopesAndTombstonesOfOneTopicGoToOneTableWhateverTheSourceName() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", "x");
        String topic = "p.public.Order_Items";
        assertThat(parser.parse(envelope(topic, "public", "Order Items", "c", row)).table()).isEqualTo(new TableId("dst", "orders"));
        assertThat(parser.parse(tombstone(topic)).table()).isEqualTo(new TableId("dst", "orders"));

        // A dotted schema name: the topic is p.my.schema.t, routed by its last two parts either way.
        String dotted = "p.my.schema.t";
        assertThat(parser.parse(envelope(dotted, "my.schema", "t", "c", row)).table())
                .isEqualTo(parser.parse(tombstone(dotted)).table()).isEqualTo(new TableId("schema", "t"));
    }

    @Test
    void anEnvelopeNamingAnotherTableThanItsTopicIsRefused() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", "x");
        assertThatThrownBy(() -> parser.parse(envelope("p.public.a", "public", "b", "c", row)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("topic p.public.a, partition 0, offset 7")
                .hasMessageContaining("names source table public.b, but its topic routes it to public.a");
        // A topic renamed to a single name carries no schema to compare: the topic decides.
        assertThat(parser.parse(envelope("orders", "inventory", "customers", "c", row)).table())
                .isEqualTo(new TableId("public", "orders"));
    }

    @Test
    void debeziumUnavailablePlaceholdersAreNeverValues() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", PLACEHOLDER)
                .put("bin", PLACEHOLDER.getBytes(StandardCharsets.UTF_8)).put("tags", List.of("a", PLACEHOLDER));
        ChangeEvent e = parser.parse(envelope("p.s.t", "s", "t", "u", row));
        assertThat(e.unavailable()).containsExactlyInAnyOrder("doc", "bin", "tags");
        assertThat(e.fields()).containsOnlyKeys("id");
        assertThat(e.columns()).extracting(Column::name).contains("doc", "bin", "tags");
        assertThat(UnavailableValue.is(ByteBuffer.wrap(PLACEHOLDER.getBytes(StandardCharsets.UTF_8)))).isTrue();
        assertThat(UnavailableValue.is("__debezium_unavailable_value ")).isFalse();
    }

    @Test
    void insertModeRefusesARowWithAnUnavailableValueNamingTableAndColumn() {
        RecordParser append = new RecordParser(new TableNamer("${schema}.${table}", List.of(), NameCase.KEEP), false);
        Struct row = new Struct(ROW).put("id", 1).put("doc", PLACEHOLDER);
        assertThatThrownBy(() -> append.parse(envelope("p.s.t", "s", "t", "u", row)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("Column doc of table s.t from topic p.s.t, partition 0, offset 7");
    }
}
