package io.adbsync.source.greenplum;

import io.adbsync.common.filter.OperationFilter;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.source.catalog.TableFilter;
import io.adbsync.source.greenplum.GreenplumSource.Decoded;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.stream.ChangeRecordFactory;
import io.adbsync.source.stream.ChangeStream;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.stream.StreamPosition;
import io.adbsync.source.stream.TopicPartitions;
import io.adbsync.source.types.TypeMapper;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The share of a table's rows each segment's task reads, on a real Greenplum 7 cluster, for a table whose rows are
 * on fewer segments than the cluster has ({@code numsegments} below all: a table not yet expanded by gpexpand).
 */
class SegmentShareIT {

    private GreenplumSource source;
    private String slot;
    private Connection coordinator;

    @BeforeEach
    void database() throws SQLException {
        source = GreenplumSource.create("gp_share");
        slot = source.database;
        coordinator = Jdbc.open(source.coordinator);
    }

    @AfterEach
    void drop() throws SQLException {
        if (coordinator != null) {
            coordinator.close();
        }
        if (source != null) {
            source.close();
        }
    }

    /**
     * Every segment decodes a truncate of the table, also those holding none of its rows. Sent from such a segment's
     * task, at its own pace, it could reach a topic partition after rows segment 0 wrote after the truncate, and
     * empty them at the destination: only segment 0's task, which reads all the rows, sends it.
     */
    @Test
    void aTruncateOfATableOnSegmentZeroOnlyIsSentBySegmentZerosTaskAlone() throws SQLException {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)");
        // What gpexpand leaves behind for a table it has not expanded yet: its rows stay on the old segments.
        try (var s = coordinator.createStatement()) {
            s.execute("SET allow_system_table_mods = on");
            s.execute("UPDATE gp_distribution_policy SET numsegments = 1 WHERE localoid = 'orders'::regclass");
        }
        source.sql("CREATE PUBLICATION pub FOR TABLE orders");
        source.createSlots(slot);
        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 20) g",
                "TRUNCATE orders",
                "INSERT INTO orders VALUES (100, 'after')");

        Map<Segment, List<Decoded>> decoded = source.readAll(slot, "pub");
        Segment first = source.topology.segments().get(0);
        for (Map.Entry<Segment, List<Decoded>> e : decoded.entrySet()) {
            Segment segment = e.getKey();
            ChangeStream stream = stream();
            stream.share(new SegmentShare(() -> coordinator, segment, first, source.topology.segments().size()));
            List<SourceRecord> out = new ArrayList<>();
            for (Decoded d : e.getValue()) {
                stream.accept(d.message(), 0, out::add);
            }
            List<String> ops = out.stream().map(r -> ((Struct) r.value()).getString("op")).toList();
            if (segment.content() == 0) {
                assertThat(ops).as("segment 0's records").containsExactly(repeat("c", 20, "t", "c"));
                assertThat(stream.held()).isEmpty();
            } else {
                assertThat(ops).as("records of segment " + segment.content() + ", which holds no row of the table")
                        .isEmpty();
                assertThat(stream.held()).as("held on segment " + segment.content()).isEmpty();
            }
        }
    }

    private static String[] repeat(String op, int times, String... then) {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            ops.add(op);
        }
        ops.addAll(List.of(then));
        return ops.toArray(String[]::new);
    }

    private static ChangeStream stream() {
        TypeMapper types = new TypeMapper((oid, typmod) -> "x");
        RelationRegistry relations = new RelationRegistry("p", types, oid -> List.of("id"));
        ChangeRecordFactory factory = new ChangeRecordFactory("p", "db", false, (t, c, k, xid) -> null,
                TopicPartitions.from(Map.of()), "7");
        return new ChangeStream(relations, types, factory, new TableFilter(List.of(), List.of()),
                OperationFilter.parse(List.of()), new LsnAckTracker(), null, StreamPosition.START);
    }
}
