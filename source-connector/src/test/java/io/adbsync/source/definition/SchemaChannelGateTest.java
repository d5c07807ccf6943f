package io.adbsync.source.definition;

import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.DefinitionCodec;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.common.definition.SequenceShape;
import io.adbsync.common.definition.TableShape;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaChannelGateTest {

    private static final ObjectRef SEQ = new ObjectRef(ObjectKind.SEQUENCE, "public", "orders_id_seq");
    private static final ObjectRef ORDERS = new ObjectRef(ObjectKind.TABLE, "public", "orders");
    private static final ObjectRef ENUM = new ObjectRef(ObjectKind.ENUM, "public", "mood");
    private static final Schema V1 = SchemaBuilder.struct().name("p.public.orders.Envelope").field("id", Schema.INT64_SCHEMA).build();
    private static final Schema V2 = SchemaBuilder.struct().name("p.public.orders.Envelope").field("id", Schema.INT64_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();

    /** A catalog whose answers the test changes, counting how often it is read. */
    private static final class Catalog implements SchemaChannelGate.Reader {
        List<String> columns = new ArrayList<>(List.of("id"));
        long sequenceAt = 1;
        int reads;

        Definition table() {
            List<ColumnShape> cols = columns.stream().map(c -> new ColumnShape(c, "bigint", c.equals("id"), null, null, null)).toList();
            return Definition.ofTable(ORDERS, List.of(ENUM, SEQ), new TableShape(cols, List.of("id"), List.of(), null, null));
        }

        Definition sequence() {
            return Definition.ofSequence(SEQ, List.of(), new SequenceShape("bigint", 1, 1, 1, Long.MAX_VALUE, 1, false,
                    "\"public\".\"orders\".\"id\"", sequenceAt, true));
        }

        /** The source server's clock at a read; {@link SchemaChannelGate.Read#UNTIMED} for a reader that gives none. */
        long serverMs = SchemaChannelGate.Read.UNTIMED;

        @Override
        public SchemaChannelGate.Read definitions() {
            reads++;
            Definition type = Definition.ofStatements(ENUM, List.of(), List.of("CREATE TYPE public.mood AS ENUM ('a')"));
            return new SchemaChannelGate.Read(List.of(type, sequence(), table()), List.of(), serverMs);
        }

    }

    private final Catalog catalog = new Catalog();
    private final AtomicLong now = new AtomicLong(1_000);
    private final SchemaChannelGate gate = new SchemaChannelGate("p", catalog, 30_000, 3_600_000, now::get);

    private static SourceRecord row(Schema schema, long id) {
        SourceRecord r = new SourceRecord(Map.of("slot", "s"), Map.of("lsn", id), "p.public.orders", null, null, null, schema,
                new Struct(schema).put("id", id));
        r.headers().addString(SourceTableHeader.HEADER, SourceTableHeader.encode("public", "orders"));
        return r;
    }

    private static List<String> keysOnSchemaTopic(List<SourceRecord> out) {
        return out.stream().filter(r -> r.topic().equals("p.schema-changes")).map(r -> (String) r.key()).toList();
    }

    @Test
    void definitionsGoBeforeTheFirstDataInDependencyOrderAndDataNamesTheVersion() throws Exception {
        List<SourceRecord> out = gate.gate(List.of(row(V1, 1), row(V1, 2)));
        assertThat(out).hasSize(5);
        assertThat(keysOnSchemaTopic(out)).containsExactly(ENUM.key(), SEQ.key(), ORDERS.key());
        assertThat(out.subList(0, 3)).allSatisfy(r -> {
            assertThat(r.kafkaPartition()).isZero();
            assertThat(r.sourcePartition()).isNull();
            assertThat(r.sourceOffset()).isNull();
            assertThat(DefinitionCodec.isDefinition(r.valueSchema())).isTrue();
        });
        String version = catalog.table().version();
        assertThat(out.subList(3, 5)).allSatisfy(r -> {
            assertThat(r.headers().lastWithName(SchemaChannel.VERSION_HEADER).value()).isEqualTo(version);
            assertThat(r.headers().lastWithName(SchemaChannel.TIME_HEADER).value()).isEqualTo(1_000L);
            assertThat(r.headers().lastWithName(SchemaChannel.TOPIC_HEADER).value()).isEqualTo("p.schema-changes");
        });
        assertThat(catalog.reads).isEqualTo(1);

        assertThat(keysOnSchemaTopic(gate.gate(List.of(row(V1, 3))))).isEmpty();
        assertThat(catalog.reads).isEqualTo(1);
    }

    /**
     * Two tasks (key shards) on workers whose clocks differ read the same source: the one that read the table later,
     * after a column was added, must name a later time than the one that read it before, whatever their clocks say, or
     * a sink ranks the older definition latest and leaves out the new column's values.
     */
    @Test
    void definitionsAreTimedByTheSourceServerNotTheWorkersClock() throws Exception {
        AtomicLong aheadClock = new AtomicLong(60_000);
        SchemaChannelGate ahead = new SchemaChannelGate("p", catalog, 30_000, 3_600_000, aheadClock::get);
        catalog.serverMs = 5_000;
        List<SourceRecord> before = ahead.gate(List.of(row(V1, 1)));
        catalog.columns.add("note");
        catalog.serverMs = 6_000;
        List<SourceRecord> after = gate.gate(List.of(row(V2, 2)));
        long readBefore = (Long) before.get(before.size() - 1).headers().lastWithName(SchemaChannel.TIME_HEADER).value();
        long readAfter = (Long) after.get(after.size() - 1).headers().lastWithName(SchemaChannel.TIME_HEADER).value();
        assertThat(readAfter).isGreaterThan(readBefore);
        Struct table = (Struct) after.get(2).value();
        assertThat(DefinitionCodec.decode(table).tsMs()).isEqualTo(readAfter);
    }

    /**
     * A table changed back (a column dropped, then added again as it was: its records' schema is one seen before): the
     * records after the change back carry the column and must name a definition that has it, not the one without it
     * read at the drop, or a sink that applied that one as the latest leaves their values out (the column is gone
     * there) until the next refresh reads the table again.
     */
    @Test
    void recordsOfATableChangedBackNameADefinitionWithTheirColumns() throws Exception {
        catalog.columns.add("note");
        gate.gate(List.of(row(V2, 1)));
        catalog.columns.remove("note");
        now.addAndGet(1_000);
        gate.gate(List.of(row(V1, 2)));
        catalog.columns.add("note");
        now.addAndGet(1_000);
        Schema again = SchemaBuilder.struct().name("p.public.orders.Envelope").field("id", Schema.INT64_SCHEMA)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        List<SourceRecord> out = gate.gate(List.of(row(again, 3)));
        assertThat(out.get(out.size() - 1).headers().lastWithName(SchemaChannel.VERSION_HEADER).value())
                .isEqualTo(catalog.table().version());
    }

    /**
     * Records from before a column was dropped, interleaved with records after it (a snapshot's, the stream behind):
     * the first that carries the dropped column reads the table once more to make sure it was not added back; the
     * others do not read each time.
     */
    @Test
    void recordsFromBeforeADropInterleavedWithLaterOnesReadOnce() throws Exception {
        catalog.columns.add("note");
        gate.gate(List.of(row(V2, 1)));
        catalog.columns.remove("note");
        gate.gate(List.of(row(V1, 2)));
        assertThat(catalog.reads).isEqualTo(2);
        Schema older = SchemaBuilder.struct().name("p.public.orders.Envelope").field("id", Schema.INT64_SCHEMA)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
        gate.gate(List.of(row(older, 3), row(V1, 4), row(older, 5), row(V1, 6)));
        gate.gate(List.of(row(older, 7), row(V1, 8)));
        assertThat(catalog.reads).isEqualTo(3);
    }

    @Test
    void aNewRecordSchemaReadsTheTableAgainAndSendsOnlyWhatChanged() throws Exception {
        gate.gate(List.of(row(V1, 1)));
        catalog.columns.add("note");
        List<SourceRecord> out = gate.gate(List.of(row(V2, 2)));
        assertThat(keysOnSchemaTopic(out)).containsExactly(ORDERS.key());
        assertThat(out.get(1).headers().lastWithName(SchemaChannel.VERSION_HEADER).value()).isEqualTo(catalog.table().version());
        // Back and forth between schemas already seen: no more reads.
        gate.gate(List.of(row(V1, 3), row(V2, 4)));
        assertThat(catalog.reads).isEqualTo(2);
    }

    @Test
    void theIntervalBringsChangesNothingAnnouncesAndMovedSequences() throws Exception {
        gate.gate(List.of(row(V1, 1)));
        now.addAndGet(29_999);
        assertThat(gate.gate(null)).isNull();
        catalog.sequenceAt = 500;
        now.addAndGet(1);
        List<SourceRecord> out = gate.gate(null);
        assertThat(keysOnSchemaTopic(out)).containsExactly(SEQ.key());
        Struct sequence = ((Struct) out.get(0).value()).getStruct("sequence");
        assertThat(sequence.getInt64("last_value")).isEqualTo(500L);
        now.addAndGet(30_000);
        assertThat(gate.gate(null)).isNull();
    }

    @Test
    void everyDefinitionGoesAgainOncePerResendIntervalInDependencyOrderSoRetentionCannotLoseThem() throws Exception {
        gate.gate(List.of(row(V1, 1)));
        // Re-reads within the hour send nothing unchanged.
        for (int i = 0; i < 119; i++) {
            now.addAndGet(30_000);
            assertThat(gate.gate(null)).isNull();
        }
        now.addAndGet(30_000);
        List<SourceRecord> out = gate.gate(List.of(row(V1, 2)));
        assertThat(keysOnSchemaTopic(out)).containsExactly(ENUM.key(), SEQ.key(), ORDERS.key());
        // The data keeps naming the same version: nothing changed, only the definitions were repeated.
        assertThat(out.get(3).headers().lastWithName(SchemaChannel.VERSION_HEADER).value()).isEqualTo(catalog.table().version());
        assertThat(out.get(3).headers().lastWithName(SchemaChannel.TIME_HEADER).value()).isEqualTo(1_000L);
        now.addAndGet(30_000);
        assertThat(gate.gate(null)).isNull();
    }

    /**
     * A task started after the last change (a rebalance moved it) sees no table record, yet the sequences' last moves
     * must still reach the destination: the first re-read sends every definition and the sequences' positions.
     */
    @Test
    void aTaskThatSeesNoDataStillSendsTheSequencesOnTheInterval() throws Exception {
        assertThat(gate.gate(null)).isNull();
        catalog.sequenceAt = 700;
        now.addAndGet(30_000);
        List<SourceRecord> out = gate.gate(null);
        assertThat(keysOnSchemaTopic(out)).containsExactly(ENUM.key(), SEQ.key(), ORDERS.key());
        assertThat(((Struct) out.get(1).value()).getStruct("sequence").getInt64("last_value")).isEqualTo(700L);
        // Then only what moves, as for a task that saw data.
        now.addAndGet(30_000);
        assertThat(gate.gate(null)).isNull();
        catalog.sequenceAt = 800;
        now.addAndGet(30_000);
        assertThat(keysOnSchemaTopic(gate.gate(null))).containsExactly(SEQ.key());
    }

    @Test
    void recordsOfOtherTopicsOrWithoutASourceTablePassUnmarked() throws Exception {
        SourceRecord heartbeat = new SourceRecord(Map.of(), Map.of(), "__adbsync-heartbeat.p", null, null, null, null, null);
        List<SourceRecord> out = gate.gate(List.of(heartbeat));
        assertThat(out).containsExactly(heartbeat);
        assertThat(heartbeat.headers().lastWithName(SchemaChannel.VERSION_HEADER)).isNull();
        assertThat(catalog.reads).isZero();
    }
}
