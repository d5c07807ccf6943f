package io.adbsync.source.stream;

import io.adbsync.source.catalog.TableFilter;
import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.common.filter.OperationFilter;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Begin;
import io.adbsync.source.pgoutput.PgOutputMessage.Column;
import io.adbsync.source.pgoutput.PgOutputMessage.Commit;
import io.adbsync.source.pgoutput.PgOutputMessage.Insert;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputMessage.Truncate;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.types.TypeMapper;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** A truncate goes to every partition of its topic, one copy each, so that a sink can order it with the rows of all. */
class TruncateCopiesTest {

    private static final int OID = 16384;
    private static final long COMMIT = 0x16B3748L;

    /** insert 1, truncate, insert 2, in one transaction. */
    private static final List<PgOutputMessage> TRANSACTION = List.of(
            new Begin(new Lsn(COMMIT), 0, 7),
            new Relation(OptionalInt.empty(), OID, "public", "items", 'd', List.of(new Column(true, "id", 23, -1))),
            new Insert(OptionalInt.empty(), OID, row("1")),
            new Truncate(OptionalInt.empty(), false, false, List.of(OID)),
            new Insert(OptionalInt.empty(), OID, row("2")),
            new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0));

    @Test
    void aTruncateIsOneCopyPerPartitionEachWithItsOwnIndexAndTheSameBarrier() {
        List<SourceRecord> out = run(Map.of("topic.creation.default.partitions", "3"), Optional.empty());

        assertThat(out).hasSize(5);
        List<SourceRecord> copies = out.subList(1, 4);
        assertThat(copies).extracting(r -> ((Struct) r.value()).getString("op")).containsOnly("t");
        assertThat(copies).extracting(SourceRecord::kafkaPartition).containsExactly(0, 1, 2);
        assertThat(copies).extracting(r -> (Object) r.sourceOffset().get(ChangeRecordFactory.OFFSET_EVENT))
                .containsExactly(65_536L, 65_537L, 65_538L);
        assertThat(copies).extracting(r -> header(r, BarrierHeaders.BARRIER)).containsOnly("stream:0/16B3748:1@7");
        // Every copy states the position of the truncate, which every later record of the stream is after.
        assertThat(copies).extracting(r -> header(r, BarrierHeaders.POSITION)).containsOnly("0/16B3748@65536@7");
        // Rows are keyed: the producer picks their partition. All records say how many partitions there are.
        assertThat(out.get(0).kafkaPartition()).isNull();
        assertThat(out).extracting(r -> header(r, BarrierHeaders.PARTITIONS)).containsOnly("3");
        assertThat(out).extracting(r -> header(r, BarrierHeaders.POSITION))
                .containsExactly("0/16B3748@0@7", "0/16B3748@65536@7", "0/16B3748@65536@7", "0/16B3748@65536@7", "0/16B3748@131072@7");
    }

    @Test
    void aRestartAfterSomeCopiesReachedKafkaSendsTheOthers() {
        Map<String, String> config = Map.of("topic.creation.default.partitions", "3");
        List<SourceRecord> first = run(config, Optional.empty());
        // Kafka acknowledged the records up to the truncate's copy to partition 0.
        Optional<StreamPosition> committed = StreamPosition.fromOffset(first.get(1).sourceOffset());

        List<SourceRecord> resumed = run(config, committed);
        assertThat(resumed).extracting(SourceRecord::kafkaPartition).containsExactly(1, 2, null);
        assertThat(resumed.subList(0, 2)).extracting(r -> header(r, BarrierHeaders.BARRIER)).containsOnly("stream:0/16B3748:1@7");
    }

    @Test
    void withOnePartitionATruncateIsOneRecordToPartitionZeroStillNamingItsBarrier() {
        List<SourceRecord> out = run(Map.of(), Optional.empty());
        assertThat(out).hasSize(3);
        assertThat(out.get(1).kafkaPartition()).isZero();
        assertThat(header(out.get(1), BarrierHeaders.BARRIER)).isEqualTo("stream:0/16B3748:1@7");
        assertThat(out).extracting(r -> header(r, BarrierHeaders.PARTITIONS)).containsOnly("1");
        // Positions order records across partitions only: on a topic of one, Kafka's order is the source's.
        assertThat(out).extracting(r -> header(r, BarrierHeaders.POSITION)).containsOnlyNulls();
    }

    private static List<SourceRecord> run(Map<String, String> config, Optional<StreamPosition> resumeAt) {
        TypeMapper types = new TypeMapper((oid, typmod) -> "x");
        RelationRegistry relations = new RelationRegistry("p", types, oid -> List.of("id"), oid -> Map.of());
        ChangeRecordFactory factory = new ChangeRecordFactory("p", "db", true, (t, c, k, xid) -> null,
                TopicPartitions.from(config), "7");
        ChangeStream stream = new ChangeStream(relations, types, factory, new TableFilter(List.of(), List.of()),
                OperationFilter.parse(List.of()), new LsnAckTracker(), null, resumeAt);
        List<SourceRecord> out = new ArrayList<>();
        for (PgOutputMessage m : TRANSACTION) {
            stream.accept(m, new Lsn(COMMIT), out::add);
        }
        return out;
    }

    private static String header(SourceRecord r, String name) {
        Header h = r.headers().lastWithName(name);
        return h == null ? null : (String) h.value();
    }

    private static TupleData row(String id) {
        return new TupleData(List.of(new TupleData.Value('t', id.getBytes(StandardCharsets.UTF_8))));
    }
}
