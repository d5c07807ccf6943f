package io.adbsync.sink.record;

import io.adbsync.common.contract.EventContract;
import io.adbsync.common.filter.Operation;
import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.sink.naming.NameCase;
import io.adbsync.common.sql.TableId;
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
import static org.assertj.core.api.Assertions.entry;

class RecordParserTest {

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA)
            .field("doc", Schema.OPTIONAL_STRING_SCHEMA).field("bin", Schema.OPTIONAL_BYTES_SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build()).build();
    private static final Schema ENVELOPE = EventContract.envelope("p.s.t", ROW);
    private static final String PLACEHOLDER = "__debezium_unavailable_value";

    private final RecordParser parser = new RecordParser(
            new TableNamer("${schema}.${table}", List.of(), NameCase.KEEP), true);

    /** An envelope as Debezium's PostgreSQL connector writes it. */
    private static SinkRecord envelope(String topic, String schema, String table, String op, Struct after) {
        return envelope("postgresql", topic, schema, table, op, after);
    }

    private static SinkRecord envelope(String connector, String topic, String schema, String table, String op, Struct after) {
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", connector).put("name", "p")
                .put("ts_ms", 0L).put("db", "d").put("schema", schema).put("table", table);
        return new SinkRecord(topic, 0, KEY, new Struct(KEY).put("id", 1), ENVELOPE,
                new Struct(ENVELOPE).put("op", op).put("source", source).put("after", after), 7);
    }

    private static SinkRecord tombstone(String topic) {
        return new SinkRecord(topic, 0, KEY, new Struct(KEY).put("id", 1), null, null, 8);
    }

    private static SinkRecord withSourceHeader(SinkRecord record, String schema, String table) {
        record.headers().addString(SourceTableHeader.HEADER, SourceTableHeader.encode(schema, table));
        return record;
    }

    @Test
    void envelopesAndTombstonesGoToTheSourcesExactTableWhichTopicNamesCannotHold() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", "x");
        String topic = "p.public.Order_Items";
        assertThat(parser.parse(envelope(topic, "public", "Order Items", "c", row)).table())
                .isEqualTo(new TableId("public", "Order Items"));
        assertThat(parser.parse(withSourceHeader(tombstone(topic), "public", "Order Items")).table())
                .isEqualTo(new TableId("public", "Order Items"));
        // A table map entry names the source table as it is.
        RecordParser renaming = new RecordParser(
                new TableNamer("${schema}.${table}", List.of("public.Order Items=dst.orders"), NameCase.KEEP), true);
        assertThat(renaming.parse(envelope(topic, "public", "Order Items", "c", row)).table()).isEqualTo(new TableId("dst", "orders"));
        assertThat(renaming.parse(withSourceHeader(tombstone(topic), "public", "Order Items")).table())
                .isEqualTo(new TableId("dst", "orders"));

        // A dotted schema name: topic p.my.schema.t; schema.t has topic p.schema.t and stays apart.
        String dotted = "p.my.schema.t";
        assertThat(parser.parse(envelope(dotted, "my.schema", "t", "c", row)).table())
                .isEqualTo(parser.parse(withSourceHeader(tombstone(dotted), "my.schema", "t")).table())
                .isEqualTo(new TableId("my.schema", "t"));
        assertThat(parser.parse(withSourceHeader(tombstone("p.schema.t"), "schema", "t")).table())
                .isEqualTo(new TableId("schema", "t"));

        // Two tables whose names both become topic p.public.__ (the source refuses to capture both) stay apart.
        assertThat(parser.parse(envelope("p.public.__", "public", "订单", "c", row)).table()).isEqualTo(new TableId("public", "订单"));
        assertThat(parser.parse(withSourceHeader(tombstone("p.public.__"), "public", "客户")).table())
                .isEqualTo(new TableId("public", "客户"));
    }

    @Test
    void aHeaderThatDoesNotMapToTheTopicCannotRouteARecordElsewhere() {
        // A topic writer reaches only tables whose names map to the topic: the header is ignored, the topic routes.
        assertThat(parser.parse(withSourceHeader(tombstone("p.public.a"), "secret", "b")).table())
                .isEqualTo(new TableId("public", "a"));
        assertThat(parser.parse(tombstone("p.s.t")).table()).isEqualTo(new TableId("s", "t"));
        SinkRecord malformed = tombstone("p.s.t");
        malformed.headers().addString(SourceTableHeader.HEADER, "s.t");
        assertThatThrownBy(() -> parser.parse(malformed)).isInstanceOf(DataException.class)
                .hasMessage("Header adbsync.source.table must read \"schema\".\"table\" (inner quotes doubled), not 's.t' "
                        + "(topic p.s.t, partition 0, offset 8)");
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

    /**
     * Debezium puts a column's default into its field's schema; Struct.get gives that default for a null, so an update
     * setting the column to NULL was written with its default. A converter that keeps nulls (JSON with
     * replace.null.with.default=false) leaves the sink the only place this can happen.
     */
    @Test
    void aNullIsWrittenAsNullWhateverDefaultTheFieldsSchemaDeclares() {
        Schema keyWithDefault = SchemaBuilder.struct().field("id", SchemaBuilder.int32().defaultValue(0).build()).build();
        Schema rowWithDefaults = SchemaBuilder.struct().optional().field("id", SchemaBuilder.int32().defaultValue(0).build())
                .field("s", SchemaBuilder.int32().optional().defaultValue(0).build())
                .field("label", SchemaBuilder.string().optional().defaultValue("none").build()).build();
        Schema envelope = EventContract.envelope("p.s.t", rowWithDefaults);
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql").put("name", "p")
                .put("ts_ms", 0L).put("db", "d").put("schema", "s").put("table", "t");
        SinkRecord update = new SinkRecord("p.s.t", 0, keyWithDefault, new Struct(keyWithDefault).put("id", 5), envelope,
                new Struct(envelope).put("op", "u").put("source", source).put("after", new Struct(rowWithDefaults).put("id", 5)), 9);
        ChangeEvent e = parser.parse(update);
        // Fields hold COPY's text forms: \N is NULL.
        assertThat(e.fields()).containsEntry("id", "5").containsEntry("s", "\\N").containsEntry("label", "\\N");
    }

    @Test
    void debeziumUnavailablePlaceholdersAreNeverValues() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", PLACEHOLDER)
                .put("bin", PLACEHOLDER.getBytes(StandardCharsets.UTF_8)).put("tags", List.of(PLACEHOLDER));
        ChangeEvent e = parser.parse(envelope("p.s.t", "s", "t", "u", row));
        assertThat(e.unavailable()).containsExactlyInAnyOrder("doc", "bin", "tags");
        assertThat(e.fields()).containsOnlyKeys("id");
        assertThat(e.columns()).extracting(Column::name).contains("doc", "bin", "tags");
        assertThat(UnavailableValue.is(ByteBuffer.wrap(PLACEHOLDER.getBytes(StandardCharsets.UTF_8)))).isTrue();
        assertThat(UnavailableValue.is("__debezium_unavailable_value ")).isFalse();
    }

    @Test
    void thePlaceholderTextIsARealValueOutsideDebeziumsEnvelopesAndInLongerArrays() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", PLACEHOLDER).put("bin", PLACEHOLDER.getBytes(StandardCharsets.UTF_8));
        ChangeEvent ours = parser.parse(envelope(EventContract.CONNECTOR, "p.s.t", "s", "t", "u", row));
        assertThat(ours.unavailable()).isEmpty();
        assertThat(ours.fields()).containsEntry("doc", PLACEHOLDER).containsKey("bin");
        SinkRecord plain = new SinkRecord("p.s.t", 0, KEY, new Struct(KEY).put("id", 1), ROW, row, 9);
        assertThat(parser.parse(plain).unavailable()).isEmpty();

        // Debezium stands for an unavailable array with a one-element array; a longer one holding the text is data.
        assertThat(UnavailableValue.is(List.of(PLACEHOLDER))).isTrue();
        assertThat(UnavailableValue.is(List.of("a", PLACEHOLDER))).isFalse();
        assertThat(UnavailableValue.is(List.of(List.of(PLACEHOLDER)))).isFalse();
    }

    @Test
    void insertModeRefusesARowWithAnUnavailableValueNamingTableAndColumn() {
        RecordParser append = new RecordParser(new TableNamer("${schema}.${table}", List.of(), NameCase.KEEP), false);
        Struct row = new Struct(ROW).put("id", 1).put("doc", PLACEHOLDER);
        assertThatThrownBy(() -> append.parse(envelope("p.s.t", "s", "t", "u", row)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("Column doc of table s.t from topic p.s.t, partition 0, offset 7");
    }
    /** An envelope of ours on topic p.s.t: key id 1, source.snapshot as given. */
    private static SinkRecord ours(String op, Struct before, Struct after, String snapshot) {
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", EventContract.CONNECTOR)
                .put("name", "p").put("ts_ms", 0L).put("db", "d").put("schema", "s").put("table", "t").put("snapshot", snapshot);
        return new SinkRecord("p.s.t", 0, KEY, new Struct(KEY).put("id", 1), ENVELOPE,
                new Struct(ENVELOPE).put("op", op).put("source", source).put("before", before).put("after", after), 7);
    }

    @Test
    void eachOpBecomesItsKindOperationAndSnapshotFlag() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", "x");
        ChangeEvent create = parser.parse(ours("c", null, row, "false"));
        assertThat(List.<Object>of(create.kind(), create.operation(), create.snapshot(), create.plain()))
                .containsExactly(ChangeEvent.Kind.UPSERT, Operation.INSERT, false, false);
        ChangeEvent read = parser.parse(ours("r", null, row, "true"));
        assertThat(List.<Object>of(read.kind(), read.operation(), read.snapshot()))
                .containsExactly(ChangeEvent.Kind.UPSERT, Operation.INSERT, true);
        ChangeEvent update = parser.parse(ours("u", row, row, "false"));
        assertThat(List.<Object>of(update.kind(), update.operation(), update.snapshot()))
                .containsExactly(ChangeEvent.Kind.UPSERT, Operation.UPDATE, false);
        // Debezium marks the last snapshot record "last": still a snapshot record.
        assertThat(parser.parse(ours("u", null, row, "last")).snapshot()).isTrue();
        ChangeEvent delete = parser.parse(ours("d", row, null, "false"));
        assertThat(List.<Object>of(delete.kind(), delete.operation())).containsExactly(ChangeEvent.Kind.DELETE, Operation.DELETE);
        assertThat(delete.key()).isEqualTo(RowKey.of(List.of(1)));
        assertThat(delete.fields()).containsExactly(entry("id", "1"));
        ChangeEvent truncate = parser.parse(ours("t", null, null, "false"));
        assertThat(List.<Object>of(truncate.kind(), truncate.operation())).containsExactly(ChangeEvent.Kind.TRUNCATE, Operation.TRUNCATE);
        assertThat(truncate.table()).isEqualTo(new TableId("s", "t"));
        assertThat(truncate.key()).isNull();
        assertThat(truncate.columns()).isEmpty();
    }

    @Test
    void anUpsertCarriesTheKeyAndEveryColumnRenderedForCopy() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", "tab\there\nnew line");
        ChangeEvent e = parser.parse(ours("c", null, row, "false"));
        assertThat(e.keyColumns()).extracting(Column::name).containsExactly("id");
        assertThat(e.columns()).extracting(Column::name).containsExactly("id", "doc", "bin", "tags");
        assertThat(e.fields()).containsExactly(entry("id", "1"), entry("doc", "tab\\there\\nnew line"),
                entry("bin", CopyText.NULL), entry("tags", CopyText.NULL));
        assertThat(e.partial()).isFalse();
    }

    @Test
    void plainRecordsAreUpsertsAndTheirTombstonesDeletes() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", "x");
        ChangeEvent upsert = parser.parse(new SinkRecord("p.s.t", 0, KEY, new Struct(KEY).put("id", 1), ROW, row, 3));
        assertThat(List.<Object>of(upsert.kind(), upsert.operation(), upsert.plain(), upsert.snapshot()))
                .containsExactly(ChangeEvent.Kind.UPSERT, Operation.INSERT, true, false);
        assertThat(upsert.table()).isEqualTo(new TableId("s", "t"));
        ChangeEvent delete = parser.parse(tombstone("p.s.t"));
        assertThat(List.<Object>of(delete.kind(), delete.operation())).containsExactly(ChangeEvent.Kind.DELETE, Operation.DELETE);
        assertThat(delete.key()).isEqualTo(RowKey.of(List.of(1)));
    }

    @Test
    void keyColumnsMissingFromTheRowAreAddedAndOriginalColumnNamesAreUsedWithNameCase() {
        Schema key = SchemaBuilder.struct().field("tenant", Schema.STRING_SCHEMA).field("id", Schema.INT32_SCHEMA).build();
        Schema row = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA)
                .field("a_b", SchemaBuilder.string().optional().parameter(EventContract.COLUMN_NAME_PARAMETER, "A-B").build())
                .build();
        RecordParser lower = new RecordParser(new TableNamer("${schema}.${table}", List.of(), NameCase.LOWER), true);
        ChangeEvent e = lower.parse(new SinkRecord("p.S.T", 0, key, new Struct(key).put("tenant", "acme").put("id", 2),
                row, new Struct(row).put("id", 2).put("a_b", "v"), 4));
        assertThat(e.table()).isEqualTo(new TableId("s", "t"));
        assertThat(e.keyColumns()).extracting(Column::name).containsExactly("tenant", "id");
        assertThat(e.columns()).extracting(Column::name).containsExactly("id", "a-b", "tenant");
        assertThat(e.fields()).containsExactly(entry("tenant", "acme"), entry("id", "2"), entry("a-b", "v"));
        assertThat(e.key()).isEqualTo(RowKey.of(List.of("acme", 2)));
    }

    @Test
    void insertModeTakesRecordsWithoutKey() {
        RecordParser append = new RecordParser(new TableNamer("${schema}.${table}", List.of(), NameCase.KEEP), false);
        ChangeEvent e = append.parse(new SinkRecord("p.s.t", 0, null, null, ROW, new Struct(ROW).put("id", 5), 3));
        assertThat(e.key()).isNull();
        assertThat(e.keyColumns()).isEmpty();
        assertThat(e.fields()).containsEntry("id", "5");
    }

    @Test
    void malformedRecordsAreRefusedNamingTheRecord() {
        Struct row = new Struct(ROW).put("id", 1).put("doc", "x");
        assertThatThrownBy(() -> parser.parse(new SinkRecord("p.s.t", 2, null, null, null, "text", 11)))
                .isInstanceOf(DataException.class)
                .hasMessage("The value of topic p.s.t, partition 2, offset 11 is a String, not a Struct: use a converter "
                        + "with schemas (e.g. JsonConverter with schemas.enable=true, Avro)");
        assertThatThrownBy(() -> parser.parse(ours("x", null, row, "false")))
                .hasMessage("Unknown op 'x' in the envelope of topic p.s.t, partition 0, offset 7");
        assertThatThrownBy(() -> parser.parse(ours("u", row, null, "false")))
                .hasMessage("The envelope of topic p.s.t, partition 0, offset 7 has op 'u' but no 'after' row");
        // A schema's default is not the record's value: an envelope without an op has none, as Struct's getters read it.
        Schema defaulted = SchemaBuilder.struct().field(EventContract.OP, SchemaBuilder.string().optional().defaultValue("u").build())
                .field(EventContract.AFTER, ROW).build();
        assertThatThrownBy(() -> parser.parse(new SinkRecord("p.s.t", 0, KEY, new Struct(KEY).put("id", 1), defaulted,
                new Struct(defaulted).put(EventContract.AFTER, row), 5)))
                .hasMessage("Unknown op 'null' in the envelope of topic p.s.t, partition 0, offset 5");
        assertThatThrownBy(() -> parser.parse(new SinkRecord("p.s.t", 0, null, null, ROW, row, 3)))
                .hasMessage("Record topic p.s.t, partition 0, offset 3 for table s.t has no key: upserts and deletes need "
                        + "the primary key as a Struct record key (or set insert.mode=insert)");
        assertThatThrownBy(() -> parser.parse(new SinkRecord("p.s.t", 0, Schema.INT32_SCHEMA, 1, ROW, row, 3)))
                .hasMessage("The key of topic p.s.t, partition 0, offset 3 for table s.t is a Integer, not a Struct of "
                        + "primary-key columns");
        Schema optionalKey = SchemaBuilder.struct().field("id", Schema.OPTIONAL_INT32_SCHEMA).build();
        assertThatThrownBy(() -> parser.parse(new SinkRecord("p.s.t", 0, optionalKey, new Struct(optionalKey), ROW, row, 3)))
                .hasMessage("Key column id of topic p.s.t, partition 0, offset 3 (table s.t) is null");
        assertThatThrownBy(() -> parser.parse(new SinkRecord("p.s.t", 0, KEY, new Struct(KEY).put("id", 2), ROW, row, 3)))
                .hasMessage("Column id of topic p.s.t, partition 0, offset 3 (table s.t) has a different value in the key "
                        + "than in the row");
        RecordParser append = new RecordParser(new TableNamer("${schema}.${table}", List.of(), NameCase.KEEP), false);
        assertThatThrownBy(() -> append.parse(new SinkRecord("p.s.t", 0, null, null, null, null, 3)))
                .hasMessage("A delete (topic p.s.t, partition 0, offset 3, table s.t) needs the primary key in the record "
                        + "key, but the key is empty");
    }

    /**
     * A record unwrapped from our envelope (Debezium's ExtractNewRecordState, ExtractField$Value after) keeps its
     * headers: a NaN that Kafka's JsonConverter read as 0.0 must still be refused, not written as 0.
     */
    @Test
    void anUnwrappedRowWhoseFloatTheSourceMarkedSpecialIsRefusedAsAnEnvelopeIs() {
        Schema row = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("f", Schema.OPTIONAL_FLOAT64_SCHEMA).build();
        Schema key = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        SinkRecord plain = new SinkRecord("p.s.t", 0, key, new Struct(key).put("id", 1), row,
                new Struct(row).put("id", 1).put("f", 0.0), 7);
        plain.headers().addString(io.adbsync.common.contract.SpecialFloatColumns.HEADER, "after=f");
        assertThatThrownBy(() -> parser.parse(plain)).isInstanceOf(DataException.class).hasMessageContaining("f");
    }
}
