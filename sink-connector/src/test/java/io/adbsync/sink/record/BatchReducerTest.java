package io.adbsync.sink.record;

import io.adbsync.sink.naming.NameCase;
import io.adbsync.sink.naming.TableNamer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BatchReducerTest {

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
            .field("v", Schema.OPTIONAL_STRING_SCHEMA).build();
    private final RecordParser parser = new RecordParser(new TableNamer("${schema}.${table}", List.of(), NameCase.KEEP), true);
    private long offset;

    private ChangeEvent upsert(int id, String v) {
        return parser.parse(new SinkRecord("p.public.t", 0, KEY, new Struct(KEY).put("id", id), ROW,
                new Struct(ROW).put("id", id).put("v", v), offset++));
    }

    private ChangeEvent delete(int id) {
        return parser.parse(new SinkRecord("p.public.t", 0, KEY, new Struct(KEY).put("id", id), null, null, offset++));
    }

    private static final Schema ENVELOPE = io.adbsync.common.contract.EventContract.envelope("p.public.t",
            SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("v", Schema.OPTIONAL_STRING_SCHEMA).optional().build());

    /** An envelope with {@code op}: r is a snapshot row, u a streamed update. */
    private ChangeEvent envelope(String op, int id, String v) {
        Struct after = new Struct(ENVELOPE.field("after").schema()).put("id", id).put("v", v);
        Struct source = new Struct(io.adbsync.common.contract.EventContract.SOURCE_SCHEMA).put("version", "1")
                .put("connector", "postgresql").put("name", "p").put("ts_ms", 0L).put("db", "d").put("schema", "public")
                .put("table", "t").put("snapshot", "r".equals(op) ? "true" : "false");
        return parser.parse(new SinkRecord("p.public.t", 0, KEY, new Struct(KEY).put("id", id), ENVELOPE,
                new Struct(ENVELOPE).put("op", op).put("after", after).put("source", source), offset++));
    }

    /**
     * insert.mode=insert: a part runs its deletes before its appends, so a delete of a key appended before it goes into
     * a part after them; deletes of other keys stay in the part (each part stages apart, in the batch's transaction).
     */
    @Test
    void inInsertModeOnlyADeleteOfAKeyAppendedBeforeItStartsAPart() {
        ChangeEvent one = upsert(1, "a");
        ChangeEvent two = upsert(2, "b");
        ChangeEvent deleteNine = delete(9);
        ChangeEvent deleteEight = delete(8);
        ChangeEvent deleteOne = delete(1);
        ChangeEvent three = upsert(3, "c");
        List<TableChanges> parts = new BatchReducer(true, true).reduce(List.of(one, deleteNine, two, deleteEight, deleteOne, three));
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).appends()).containsExactly(one, two);
        assertThat(parts.get(0).deletes()).containsExactlyInAnyOrder(deleteNine, deleteEight);
        assertThat(parts.get(1).deletes()).containsExactly(deleteOne);
        assertThat(parts.get(1).appends()).containsExactly(three);
    }

    @Test
    void aChangeOfKeyColumnsSplitsTheTableSoThatNoKeyIsStagedWithNulls() {
        Schema wide = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("v", Schema.STRING_SCHEMA).build();
        ChangeEvent narrowDelete = delete(1);
        ChangeEvent wideUpsert = parser.parse(new SinkRecord("p.public.t", 0, wide, new Struct(wide).put("id", 5).put("v", "e"),
                ROW, new Struct(ROW).put("id", 5).put("v", "e"), offset++));
        ChangeEvent narrowUpsert = upsert(3, "c");
        List<TableChanges> tables = new BatchReducer(false, true).reduce(List.of(narrowDelete, wideUpsert, narrowUpsert));
        assertThat(tables).extracting(t -> t.keyColumns().stream().map(Column::name).toList())
                .containsExactly(List.of("id"), List.of("id", "v"), List.of("id"));
        assertThat(tables.get(0).deletes()).containsExactly(narrowDelete);
        assertThat(tables.get(1).upserts()).containsExactly(wideUpsert);
        assertThat(tables.get(2).upserts()).containsExactly(narrowUpsert);
    }

    @Test
    void aSnapshotRowAfterAStreamedChangeOfItsKeyNeverUndoesIt() {
        TableChanges t = reduce(envelope("u", 1, "v2"), envelope("r", 1, "v1"));
        assertThat(t.upserts()).extracting(e -> e.fields().get("v")).containsExactly("v2");
        assertThat(t.insertsIfAbsent()).isEmpty();
        assertThat(t.deletes()).isEmpty();
    }

    @Test
    void aSnapshotRowAfterADeleteOfItsKeyIsInsertedAsAppliedOneByOne() {
        TableChanges t = reduce(envelope("u", 1, "v2"), delete(1), envelope("r", 1, "v3"));
        assertThat(t.deletes()).extracting(e -> e.key().values()).containsExactly(List.of(1));
        assertThat(t.insertsIfAbsent()).extracting(e -> e.fields().get("v")).containsExactly("v3");
        assertThat(t.upserts()).isEmpty();
    }

    @Test
    void aStreamedChangeAfterASnapshotRowOverwritesIt() {
        TableChanges t = reduce(envelope("r", 1, "v1"), envelope("u", 1, "v2"));
        assertThat(t.upserts()).extracting(e -> e.fields().get("v")).containsExactly("v2");
        assertThat(t.insertsIfAbsent()).isEmpty();
    }

    @Test
    void aRepeatedSnapshotRowKeepsTheFirstAsInsertIfAbsentDoes() {
        TableChanges t = reduce(envelope("r", 1, "first"), envelope("r", 1, "second"));
        assertThat(t.insertsIfAbsent()).extracting(e -> e.fields().get("v")).containsExactly("first");
        assertThat(t.upserts()).isEmpty();
    }

    /** A Debezium update whose v is an unchanged TOAST value it did not receive. */
    private ChangeEvent upsertUnavailable(int id) {
        return envelope("u", id, "__debezium_unavailable_value");
    }

    @Test
    void aPartialUpsertTakesTheMissingValueFromAnEarlierUpsertOfItsKey() {
        TableChanges t = reduce(upsert(1, "x"), upsertUnavailable(1));
        assertThat(t.partials()).isEmpty();
        assertThat(t.upserts()).extracting(e -> e.fields().get("v")).containsExactly("x");
    }

    @Test
    void aPartialUpsertAloneOrAfterADeleteStaysPartial() {
        TableChanges alone = reduce(upsertUnavailable(1));
        assertThat(alone.partials()).extracting(ChangeEvent::unavailable).containsExactly(java.util.Set.of("v"));
        assertThat(alone.upserts()).isEmpty();
        TableChanges afterDelete = reduce(upsert(1, "x"), delete(1), upsertUnavailable(1));
        assertThat(afterDelete.deletes()).hasSize(1);
        assertThat(afterDelete.partials()).hasSize(1);
    }

    @Test
    void aPartialUpsertAfterASnapshotRowRunsAfterItsInsertIfAbsent() {
        TableChanges t = reduce(envelope("r", 1, "snap"), upsertUnavailable(1));
        assertThat(t.insertsIfAbsent()).extracting(e -> e.fields().get("v")).containsExactly("snap");
        assertThat(t.partials()).hasSize(1);
    }

    private TableChanges reduce(ChangeEvent... events) {
        List<TableChanges> tables = new BatchReducer(false, true).reduce(List.of(events));
        assertThat(tables).hasSize(1);
        return tables.get(0);
    }

    @Test
    void upsertDeleteUpsertEndsWithTheRowPresentAndTheOldRowDeletedFirst() {
        TableChanges t = reduce(upsert(1, "a"), delete(1), upsert(1, "b"));
        assertThat(t.upserts()).extracting(e -> e.fields().get("v")).containsExactly("b");
        assertThat(t.deletes()).hasSize(1);
    }

    @Test
    void upsertThenDeleteEndsWithTheRowGone() {
        TableChanges t = reduce(upsert(1, "a"), upsert(1, "b"), delete(1));
        assertThat(t.upserts()).isEmpty();
        assertThat(t.deletes()).extracting(e -> e.key().values()).containsExactly(List.of(1));
    }

    @Test
    void lastWriteWinsPerKeyAndKeysStayApart() {
        TableChanges t = reduce(upsert(1, "a"), upsert(2, "x"), upsert(1, "b"));
        assertThat(t.upserts()).extracting(e -> e.fields().get("id") + "=" + e.fields().get("v"))
                .containsExactlyInAnyOrder("1=b", "2=x");
        assertThat(t.deletes()).isEmpty();
    }

    @Test
    void aTruncateDiscardsWhatCameBeforeIt() {
        Schema env = io.adbsync.common.contract.EventContract.envelope("p.public.t", SchemaBuilder.struct()
                .field("id", Schema.INT32_SCHEMA).optional().build());
        Struct truncate = new Struct(env).put("op", "t").put("source", new Struct(io.adbsync.common.contract.EventContract.SOURCE_SCHEMA)
                .put("version", "1").put("connector", "postgresql").put("name", "p").put("ts_ms", 0L).put("db", "d")
                .put("schema", "public").put("table", "t"));
        List<ChangeEvent> events = new ArrayList<>(List.of(upsert(1, "a"), delete(2)));
        events.add(parser.parse(new SinkRecord("p.public.t", 0, null, null, env, truncate, offset++)));
        events.add(upsert(3, "c"));
        TableChanges t = new BatchReducer(false, true).reduce(events).get(0);
        assertThat(t.truncate()).isTrue();
        assertThat(t.deletes()).isEmpty();
        assertThat(t.upserts()).extracting(e -> e.fields().get("id")).containsExactly("3");
    }
}
