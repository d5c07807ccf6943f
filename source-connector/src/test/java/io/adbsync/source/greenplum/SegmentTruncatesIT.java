package io.adbsync.source.greenplum;

import io.adbsync.common.filter.OperationFilter;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.catalog.TableFilter;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.greenplum.GreenplumSource.Decoded;
import io.adbsync.source.replication.ReplicationSetup;
import org.apache.kafka.connect.errors.ConnectException;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.stream.ChangeRecordFactory;
import io.adbsync.source.stream.ChangeStream;
import io.adbsync.source.stream.HeldTruncate;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.stream.StreamPosition;
import io.adbsync.source.stream.TopicPartitions;
import io.adbsync.source.types.TypeMapper;
import io.adbsync.source.wal.Lsn;
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
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Truncates of distributed tables on a real Greenplum 7 cluster, read per segment: each segment's decoded stream goes
 * through the connector's ChangeStream, SegmentShare and TruncateRendezvous as its task's would, and the truncate
 * reaches Kafka once, from segment 0's task, after every segment's task has met the others at it.
 */
class SegmentTruncatesIT {

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
     * empty them at the destination: the segments' tasks meet at it, and segment 0's task sends it once.
     */
    @Test
    void aTruncateOfATableOnSegmentZeroOnlyIsSentOnceBySegmentZerosTask() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED");
        onSegmentZeroOnly("orders");
        source.sql("CREATE PUBLICATION pub FOR TABLE orders");
        source.createSlots(slot);
        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 20) g",
                "TRUNCATE orders",
                "INSERT INTO orders VALUES (100, 'after')");

        Segment first = source.topology.segments().get(0);
        List<SegmentTask> tasks = new ArrayList<>();
        for (Map.Entry<Segment, List<Decoded>> e : source.readAll(slot, "pub").entrySet()) {
            tasks.add(new SegmentTask(e.getKey(), first, e.getValue(), Optional.empty()));
        }
        // The tasks take turns, as tasks on any workers may, until every one read its whole stream.
        for (int round = 0; round < 20 && tasks.stream().anyMatch(t -> !t.done()); round++) {
            for (SegmentTask task : tasks) {
                task.poll();
            }
        }
        for (SegmentTask task : tasks) {
            assertThat(task.done()).as("segment " + task.segment.content() + " read its stream").isTrue();
            List<String> ops = task.out.stream().map(r -> ((Struct) r.value()).getString("op")).toList();
            if (task.segment.content() == 0) {
                assertThat(ops).as("segment 0's records").containsExactly(repeat("c", 20, "t", "c"));
            } else {
                assertThat(ops).as("records of segment " + task.segment.content() + ", which holds no row of the table")
                        .isEmpty();
            }
        }
    }

    /**
     * A segment holding none of a table's rows decodes its truncates too. Segment 0's task, alone in holding rows, sent
     * the first and, at the second, forgot that the first was sent: segment 1's task, behind, then waited at the first
     * for ever. Holding none of the table's rows, it has nothing to order about them and goes on at once.
     */
    @Test
    void aSegmentHoldingNoneOfATablesRowsGoesOnPastItsTruncatesWhateverTheOthersForgot() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED");
        onSegmentZeroOnly("orders");
        source.sql("CREATE PUBLICATION pub FOR TABLE orders");
        source.createSlots(slot);
        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 20) g", "TRUNCATE orders",
                "INSERT INTO orders VALUES (100, 'between')", "TRUNCATE orders", "INSERT INTO orders VALUES (200, 'after')");
        Segment first = source.topology.segments().get(0);
        Map<Segment, List<Decoded>> decoded = source.readAll(slot, "pub");
        List<SegmentTask> tasks = new ArrayList<>();
        for (Map.Entry<Segment, List<Decoded>> e : decoded.entrySet()) {
            tasks.add(new SegmentTask(e.getKey(), first, e.getValue(), Optional.empty()));
        }
        // Segment 0's task reads its whole stream before segment 1's task reads anything.
        tasks.sort(java.util.Comparator.comparingInt(t -> t.segment.content()));
        for (SegmentTask task : tasks) {
            for (int round = 0; round < 20 && !task.done(); round++) {
                task.poll();
            }
            assertThat(task.done()).as("segment " + task.segment.content() + " read its stream").isTrue();
        }
        assertThat(tasks.get(0).ops()).containsExactly(repeat("c", 20, "t", "c", "t", "c"));
    }

    /**
     * A segment holding none of one table's rows still counts that table's truncates: a later TRUNCATE naming it with a
     * table it does hold rows of is met under the same count by every segment (counted apart, segment 1's task took the
     * first's sent mark for the third's and went on unsent, and segment 0's task waited at the third for ever).
     */
    @Test
    void truncatesOfATableOnOneSegmentAndAnotherOnBothAreCountedAlikeEverywhere() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE items (id int PRIMARY KEY) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED");
        onSegmentZeroOnly("orders");
        source.sql("CREATE PUBLICATION pub FOR TABLE orders, items");
        source.createSlots(slot);
        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 10) g", "TRUNCATE orders, items",
                "TRUNCATE orders", "INSERT INTO items SELECT g FROM generate_series(1, 10) g", "TRUNCATE orders, items",
                "INSERT INTO orders VALUES (100, 'after')");
        List<SegmentTask> tasks = run(source.readAll(slot, "pub"));
        for (SegmentTask task : tasks) {
            assertThat(task.done()).as("segment " + task.segment.content() + " read its stream").isTrue();
        }
        SegmentTask zero = tasks.stream().filter(t -> t.segment.content() == 0).findFirst().orElseThrow();
        assertThat(zero.out.stream().filter(r -> "t".equals(((Struct) r.value()).getString("op"))).map(SourceRecord::topic)
                .toList()).containsExactly("p.public.orders", "p.public.items", "p.public.orders", "p.public.orders",
                "p.public.items");
    }

    /**
     * One TRUNCATE of a distributed table and a replicated one, which segment 0's task reads whole: its truncate went
     * out at once, past the distributed table's, which segment 0's task then took for one sent before a restart: never
     * sent, and segment 1's task waited for segment 0's at it for ever.
     */
    @Test
    void aTruncateOfADistributedAndAReplicatedTableIsMetAndSentInOrder() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE codes (code text PRIMARY KEY) DISTRIBUTED REPLICATED",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED",
                "CREATE PUBLICATION pub FOR TABLE orders, codes");
        source.createSlots(slot);
        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 20) g", "INSERT INTO codes VALUES ('a')",
                "TRUNCATE orders, codes", "INSERT INTO orders VALUES (100, 'after')");
        List<SegmentTask> tasks = run(source.readAll(slot, "pub"));
        for (SegmentTask task : tasks) {
            assertThat(task.done()).as("segment " + task.segment.content() + " read its stream").isTrue();
            List<String> truncates = task.out.stream().filter(r -> "t".equals(((Struct) r.value()).getString("op")))
                    .map(SourceRecord::topic).toList();
            assertThat(truncates).as("truncates sent by segment " + task.segment.content() + "'s task")
                    .isEqualTo(task.segment.content() == 0 ? List.of("p.public.orders", "p.public.codes") : List.of());
        }
    }

    /**
     * The rendezvous rows of slots dropped before (an offsets reset with slot.drop.on.offsets.reset, or a connector
     * deleted and made again with the slot name) name arrivals in streams that no longer exist: counted for the new
     * slots, segment 1's task (which had arrived at a truncate segment 0's task had not reached) would wait at the
     * next truncate for ever, and segment 0's would take segment 1's old arrival for a new one.
     */
    @Test
    void truncatesMetBySlotsDroppedBeforeDoNotCountForTheSlotsCreatedAgain() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED",
                "CREATE PUBLICATION pub FOR TABLE orders");
        long orders;
        try (var s = coordinator.createStatement(); var rs = s.executeQuery("SELECT 'orders'::regclass::oid")) {
            rs.next();
            orders = rs.getLong(1);
        }
        // Left by the slots before: segment 1's task arrived at their first truncate of orders, segment 0's had not.
        try (var ps = coordinator.prepareStatement("INSERT INTO adbsync_heartbeat VALUES (?, now())")) {
            ps.setString(1, slot + "/truncate/" + orders + "/0/1@0/16B0000.0");
            ps.execute();
        }
        source.dropsSlot(slot);
        SegmentSlots.ensure(source.coordinator, source.topology.segments(), slot,
                List.of(new TableId("public", "orders")), new TableId("public", "adbsync_heartbeat"));
        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 20) g",
                "TRUNCATE orders",
                "INSERT INTO orders SELECT g, 'after' FROM generate_series(101, 120) g");

        List<SegmentTask> tasks = run(source.readAll(slot, "pub"));
        for (SegmentTask task : tasks) {
            assertThat(task.done()).as("segment " + task.segment.content() + " read its stream").isTrue();
            assertThat(task.ops().stream().filter("t"::equals).count()).as("truncates sent by segment "
                    + task.segment.content()).isEqualTo(task.segment.content() == 0 ? 1 : 0);
        }
    }

    /**
     * Segment 0's task restarts after Kafka took the truncate's copies, before it reported them sent: its stored
     * position is past them, so its stream no longer stops at the truncate, and the report is still owed to the
     * other segments' tasks, which wait for it.
     */
    @Test
    void segmentZerosTaskRestartedAfterSendingATruncateStillReportsItSent() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED",
                "CREATE PUBLICATION pub FOR TABLE orders");
        source.createSlots(slot);
        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 20) g",
                "TRUNCATE orders",
                "INSERT INTO orders SELECT g, 'after' FROM generate_series(101, 120) g");
        Map<Segment, List<Decoded>> decoded = source.readAll(slot, "pub");
        Segment first = source.topology.segments().get(0);
        List<SegmentTask> tasks = new ArrayList<>();
        for (Map.Entry<Segment, List<Decoded>> e : decoded.entrySet()) {
            tasks.add(new SegmentTask(e.getKey(), first, e.getValue(), Optional.empty()));
        }
        SegmentTask zero = tasks.get(0);
        for (int round = 0; round < 20 && zero.out.stream().noneMatch(r -> "t".equals(((Struct) r.value()).getString("op")));
             round++) {
            for (SegmentTask task : tasks) {
                task.poll();
            }
        }
        SourceRecord copy = zero.out.get(zero.out.size() - 1);
        assertThat(((Struct) copy.value()).getString("op")).isEqualTo("t");

        // Kafka has the copy and its offset is stored; the task stops before its next poll and starts again from there.
        tasks.set(0, new SegmentTask(first, first, decoded.get(first), StreamPosition.fromOffset(copy.sourceOffset())));
        for (int round = 0; round < 20 && tasks.stream().anyMatch(t -> !t.done()); round++) {
            for (SegmentTask task : tasks) {
                task.poll();
            }
        }
        for (SegmentTask task : tasks) {
            assertThat(task.done()).as("segment " + task.segment.content() + " read its stream").isTrue();
            assertThat(task.ops()).as("segment " + task.segment.content()).doesNotContain("t");
        }
    }

    /**
     * A slot on some segments only (a mirror promoted without its primary's slot, or an earlier attempt whose slots
     * could not all be dropped again) must not be completed with slots made now: the new ones would start at another
     * transaction than the old ones, the streams would differ by the truncates and rows in between, and that
     * segment's changes from before would be lost without a word.
     */
    @Test
    void slotsOnSomeSegmentsOnlyAreNotCompletedWithNewOnes() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE PUBLICATION pub FOR TABLE orders");
        Segment first = source.topology.segments().get(0);
        source.dropsSlot(slot);
        try (SourceCatalog catalog = new SourceCatalog(source.utility(first))) {
            ReplicationSetup.ensureSlot(source.utility(first), catalog, slot);
        }
        assertThatThrownBy(() -> SegmentSlots.ensure(source.coordinator, source.topology.segments(), slot,
                List.of(new TableId("public", "orders")), new TableId("public", "adbsync_heartbeat")))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("Replication slot " + slot + " exists on segment 0")
                .hasMessageContaining("but not on segment 1");
        for (Segment segment : source.topology.segments().subList(1, source.topology.segments().size())) {
            try (Connection c = Jdbc.open(source.utility(segment));
                 var ps = c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slot);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("slots made on segment " + segment.content()).isZero();
                }
            }
        }
    }

    /**
     * Whether a task stops at a truncate must not hang on what it thinks of the table at the moment it decodes it: one
     * task may see the table dropped already (its Relation message decoded after a DROP committed), or no longer
     * captured (its marks stored before the others'). Skipped by one task and held by the others, the truncate would
     * hold them for ever, or later truncates would be counted as different ones on different segments.
     */
    @Test
    void everySegmentMeetsAtATruncateWhateverItsViewOfTheTable() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE items (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED",
                "CREATE PUBLICATION pub FOR TABLE orders, items");
        int orders;
        try (var s = coordinator.createStatement(); var rs = s.executeQuery("SELECT 'orders'::regclass::oid")) {
            rs.next();
            orders = (int) rs.getLong(1);
        }
        source.createSlots(slot);
        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 20) g",
                "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 20) g",
                "TRUNCATE orders",
                "INSERT INTO orders SELECT g, 'after' FROM generate_series(101, 120) g",
                "TRUNCATE items",
                "INSERT INTO items SELECT g, 'after' FROM generate_series(101, 120) g");
        Map<Segment, List<Decoded>> decoded = source.readAll(slot, "pub");
        Segment first = source.topology.segments().get(0);
        List<SegmentTask> tasks = new ArrayList<>();
        for (Map.Entry<Segment, List<Decoded>> e : decoded.entrySet()) {
            boolean other = e.getKey().content() != 0;
            // The other task's view: items no longer captured, orders dropped.
            SegmentTask task = new SegmentTask(e.getKey(), first, e.getValue(), Optional.empty(),
                    other ? new TableFilter(List.of("public\\.orders"), List.of()) : new TableFilter(List.of(), List.of()));
            if (other) {
                task.stream.relationExists(oid -> oid != orders);
            }
            tasks.add(task);
        }
        for (int round = 0; round < 20 && tasks.stream().anyMatch(t -> !t.done()); round++) {
            for (SegmentTask task : tasks) {
                task.poll();
            }
        }
        for (SegmentTask task : tasks) {
            assertThat(task.done()).as("segment " + task.segment.content() + " read its stream").isTrue();
            assertThat(task.ops().stream().filter("t"::equals).count()).as("truncates sent by segment "
                    + task.segment.content()).isEqualTo(task.segment.content() == 0 ? 2 : 0);
        }
    }

    /**
     * {@code SET DISTRIBUTED BY} moves rows between segments by a rewrite pgoutput does not send: a key's later changes
     * come from another segment's task, which may be ahead of the one that had it. Every task stops at the table's
     * next change, before sending anything of the new distribution, naming the table and what to do.
     */
    @Test
    void aTableRedistributedWhileStreamedStopsEveryTaskBeforeItsNextChange() throws Exception {
        source.sql("CREATE TABLE orders (id int, k int, note text, PRIMARY KEY (id, k)) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED",
                "CREATE PUBLICATION pub FOR TABLE orders");
        source.dropsSlot(slot);
        SegmentSlots.ensure(source.coordinator, source.topology.segments(), slot,
                List.of(new TableId("public", "orders")), new TableId("public", "adbsync_heartbeat"));
        source.sql("INSERT INTO orders SELECT g, 100 - g, 'n' FROM generate_series(1, 40) g");
        int orders;
        try (var st = coordinator.createStatement(); var rs = st.executeQuery("SELECT 'orders'::regclass::oid")) {
            rs.next();
            orders = (int) rs.getLong(1);
        }
        // Running tasks read the table's policy at its first change, before the redistribution.
        Segment first = source.topology.segments().get(0);
        Map<Segment, SegmentShare> shares = new java.util.HashMap<>();
        for (Segment segment : source.topology.segments()) {
            SegmentShare share = share(segment, first);
            assertThat(share.reads(orders)).isTrue();
            shares.put(segment, share);
        }
        source.sql("ALTER TABLE orders SET DISTRIBUTED BY (k)", "UPDATE orders SET note = 'after'");
        Map<Segment, List<Decoded>> decoded = source.readAll(slot, "pub");
        for (Map.Entry<Segment, List<Decoded>> e : decoded.entrySet()) {
            SegmentTask task = new SegmentTask(e.getKey(), e.getValue(), Optional.empty(),
                    new TableFilter(List.of(), List.of()), shares.get(e.getKey()));
            assertThatThrownBy(() -> {
                for (int round = 0; round < 5; round++) {
                    task.poll();
                }
            }).as("segment " + e.getKey().content()).isInstanceOf(ConnectException.class)
                    .hasMessageContaining("Table orders (relation OID ")
                    .hasMessageContaining(") was redistributed since slot " + slot + " was made on the segments")
                    .hasMessageContaining("Copy every table again");
            assertThat(task.ops()).as("segment " + e.getKey().content() + " sent only changes from before")
                    .doesNotContain("u");
        }
    }

    /**
     * A table the publication holds but the connector does not capture (a publication FOR ALL TABLES) is the user's to
     * redistribute: its truncates are met (every task stops at them), but its policy is not compared.
     */
    @Test
    void aTableOutsideTheCaptureMayBeRedistributed() throws Exception {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE stg (id int, k int, PRIMARY KEY (id, k)) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED",
                "CREATE PUBLICATION pub FOR TABLE orders, stg");
        source.dropsSlot(slot);
        SegmentSlots.ensure(source.coordinator, source.topology.segments(), slot,
                List.of(new TableId("public", "orders")), new TableId("public", "adbsync_heartbeat"));
        source.sql("INSERT INTO stg SELECT g, g FROM generate_series(1, 20) g", "TRUNCATE stg");
        int stg;
        try (var st = coordinator.createStatement(); var rs = st.executeQuery("SELECT 'stg'::regclass::oid")) {
            rs.next();
            stg = (int) rs.getLong(1);
        }
        // Running tasks look at the table's policy when they meet its first truncate, before the redistribution.
        Segment first = source.topology.segments().get(0);
        Map<Segment, SegmentShare> shares = new java.util.HashMap<>();
        for (Segment segment : source.topology.segments()) {
            SegmentShare share = share(segment, first);
            assertThat(share.readsAllRows(stg)).isFalse();
            shares.put(segment, share);
        }
        source.sql("ALTER TABLE stg SET DISTRIBUTED BY (k)",
                "INSERT INTO stg SELECT g, g FROM generate_series(1, 20) g", "TRUNCATE stg",
                "INSERT INTO orders SELECT g, 'n' FROM generate_series(1, 20) g");
        Map<Segment, List<Decoded>> decoded = source.readAll(slot, "pub");
        List<SegmentTask> tasks = new ArrayList<>();
        for (Map.Entry<Segment, List<Decoded>> e : decoded.entrySet()) {
            tasks.add(new SegmentTask(e.getKey(), e.getValue(), Optional.empty(),
                    new TableFilter(List.of("public\\.orders"), List.of()), shares.get(e.getKey())));
        }
        for (int round = 0; round < 20 && tasks.stream().anyMatch(t -> !t.done()); round++) {
            for (SegmentTask task : tasks) {
                task.poll();
            }
        }
        long orders = 0;
        for (SegmentTask task : tasks) {
            assertThat(task.done()).as("segment " + task.segment.content() + " read its stream").isTrue();
            assertThat(task.ops()).as("segment " + task.segment.content()).doesNotContain("t");
            orders += task.ops().size();
        }
        assertThat(orders).as("rows of orders sent").isEqualTo(20);
    }

    /**
     * Leaves table {@code table}'s rows on segment 0 alone, as gpexpand leaves a table it has not expanded yet: its rows
     * stay on the old segments.
     */
    private void onSegmentZeroOnly(String table) throws SQLException {
        try (var s = coordinator.createStatement()) {
            s.execute("SET allow_system_table_mods = on");
            s.execute("UPDATE gp_distribution_policy SET numsegments = 1 WHERE localoid = '" + table + "'::regclass");
        }
    }

    /** Segment {@code segment}'s share, its tables' policies compared with those recorded for the slot. */
    private SegmentShare share(Segment segment, Segment first) {
        return new SegmentShare(() -> coordinator, segment, first, source.topology.segments().size(),
                new RecordedPolicies(() -> coordinator, new TableId("public", "adbsync_heartbeat"), slot,
                        "slot.drop.on.offsets.reset"));
    }

    /** The segments' tasks, taking turns as tasks on any workers may, until every one read its whole stream. */
    private List<SegmentTask> run(Map<Segment, List<Decoded>> decoded) throws SQLException {
        Segment first = source.topology.segments().get(0);
        List<SegmentTask> tasks = new ArrayList<>();
        for (Map.Entry<Segment, List<Decoded>> e : decoded.entrySet()) {
            tasks.add(new SegmentTask(e.getKey(), first, e.getValue(), Optional.empty()));
        }
        for (int round = 0; round < 20 && tasks.stream().anyMatch(t -> !t.done()); round++) {
            for (SegmentTask task : tasks) {
                task.poll();
            }
        }
        return tasks;
    }

    /** What a segment's task does with its decoded stream: reads it, and meets the others at held truncates. */
    private final class SegmentTask {
        final Segment segment;
        final List<SourceRecord> out = new ArrayList<>();
        private final List<Decoded> messages;
        final ChangeStream stream;
        private final TruncateRendezvous rendezvous;
        private int next;

        SegmentTask(Segment segment, Segment first, List<Decoded> messages, Optional<StreamPosition> resumeAt) {
            this(segment, first, messages, resumeAt, new TableFilter(List.of(), List.of()));
        }

        SegmentTask(Segment segment, Segment first, List<Decoded> messages, Optional<StreamPosition> resumeAt,
                    TableFilter filter) {
            this(segment, messages, resumeAt, filter, share(segment, first));
        }

        SegmentTask(Segment segment, List<Decoded> messages, Optional<StreamPosition> resumeAt, TableFilter filter,
                    SegmentShare share) {
            this.segment = segment;
            this.stream = stream(resumeAt, filter);
            this.messages = messages;
            stream.share(share);
            rendezvous = new TruncateRendezvous(() -> coordinator, share, new TableId("public", "adbsync_heartbeat"),
                    slot, "segment", segment.content());
        }

        void poll() throws SQLException {
            for (HeldTruncate passed : stream.passed()) {
                rendezvous.passed(passed);
                stream.passedReported(passed);
            }
            if (stream.held().isPresent()) {
                // Kafka has everything handed out: these records go nowhere else.
                TruncateRendezvous.Step step = rendezvous.step(stream.held().get(), true);
                if (step instanceof TruncateRendezvous.Send) {
                    stream.sendHeld(out::add);
                } else if (step instanceof TruncateRendezvous.Go) {
                    stream.releaseHeld(out::add);
                }
                return;
            }
            while (next < messages.size() && stream.held().isEmpty()) {
                stream.accept(messages.get(next++).message(), new Lsn(0), out::add);
            }
        }

        List<String> ops() {
            return out.stream().map(r -> ((Struct) r.value()).getString("op")).toList();
        }

        boolean done() {
            return next == messages.size() && stream.held().isEmpty();
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

    private static ChangeStream stream(Optional<StreamPosition> resumeAt, TableFilter filter) {
        TypeMapper types = new TypeMapper((oid, typmod) -> "x");
        RelationRegistry relations = new RelationRegistry("p", types, oid -> List.of("id"), oid -> Map.of());
        ChangeRecordFactory factory = new ChangeRecordFactory("p", "db", false, (t, c, k, xid) -> null,
                TopicPartitions.from(Map.of()), "7");
        return new ChangeStream(relations, types, factory, filter,
                OperationFilter.parse(List.of()), new LsnAckTracker(), null, resumeAt);
    }
}
