package io.adbsync.source.stream;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.catalog.TableFilter;
import io.adbsync.common.filter.OperationFilter;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Begin;
import io.adbsync.source.pgoutput.PgOutputMessage.Column;
import io.adbsync.source.pgoutput.PgOutputMessage.Commit;
import io.adbsync.source.pgoutput.PgOutputMessage.Delete;
import io.adbsync.source.pgoutput.PgOutputMessage.Insert;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputProtocolException;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.types.TypeMapper;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ChangeStream} over decoded messages: what a resumed stream hands out again. */
class ChangeStreamTest {

    /** The index of the first record of the second change of a transaction. */
    private static final long R = StreamPosition.RECORDS_PER_CHANGE;

    private static final int OID = 16384;
    private static final long COMMIT = 0x1000;

    /** One transaction: delete id 1, insert id 2, insert id 3, insert into an excluded table, insert id 4. */
    private static final List<PgOutputMessage> TRANSACTION = List.of(
            new Begin(new Lsn(COMMIT), 0, 7),
            relation(OID, "items"),
            relation(OID + 1, "other"),
            new Delete(OptionalInt.empty(), OID, 'K', row("1")),
            new Insert(OptionalInt.empty(), OID, row("2")),
            new Insert(OptionalInt.empty(), OID, row("3")),
            new Insert(OptionalInt.empty(), OID + 1, row("9")),
            new Insert(OptionalInt.empty(), OID, row("4")),
            new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0));

    @Test
    void aRestartWithOtherSettingsNeitherSkipsNorRepeatsRecords() {
        // First run: tombstones on, everything captured. Kafka has the records up to and including insert 2.
        List<SourceRecord> first = run(true, List.of(), Optional.empty());
        assertThat(ops(first)).containsExactly("d 1", "tombstone 1", "c 2", "c 3", "c 9", "c 4");
        Optional<StreamPosition> committed = StreamPosition.fromOffset(first.get(2).sourceOffset());

        // Restart with tombstones off and the other table excluded: only what came after insert 2 is handed out.
        List<SourceRecord> resumed = run(false, List.of("public\\.other"), committed);
        assertThat(ops(resumed)).containsExactly("c 3", "c 4");
    }

    @Test
    void recordsOfOneChangeGetConsecutiveIndicesWithinTheChangesRoom() {
        List<SourceRecord> records = run(true, List.of(), Optional.empty());
        assertThat(records.stream().map(r -> r.sourceOffset().get(ChangeRecordFactory.OFFSET_EVENT)).toList())
                .isEqualTo(List.of(0L, 1L, 65_536L, 2 * 65_536L, 3 * 65_536L, 4 * 65_536L));
    }

    @Test
    void aRowGoneBeforeItsToastedValueIsReReadIsLeftToItsLaterRemovalOnlyWhereThatIsDelivered() {
        List<PgOutputMessage> tx = List.of(
                new Begin(new Lsn(COMMIT), 0, 7),
                new Relation(OptionalInt.empty(), OID, "public", "docs", 'd',
                        List.of(new Column(true, "id", 23, -1), new Column(false, "body", 25, -1))),
                new PgOutputMessage.Update(OptionalInt.empty(), OID, (char) 0, null,
                        new TupleData(List.of(row("1").get(0), TupleData.Value.UNCHANGED_TOAST))),
                new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0));
        List<SourceRecord> delivered = run(tx, true, List.of(), List.of(), Optional.empty());
        assertThat(ops(delivered)).containsExactly("u 1");

        assertThatThrownBy(() -> run(tx, true, List.of(), List.of("public\\.docs=insert|update"), Optional.empty()))
                .hasMessage("Cannot re-read unchanged TOASTed column body of public.docs: the row no longer exists at the "
                        + "source, and the later DELETE or key change that removed it is not delivered for this table "
                        + "(table.operations), so the column would keep a wrong value; set REPLICA IDENTITY FULL on the table");
    }

    @Test
    void changesOfATableDroppedBeforeTheyAreDecodedAreSkippedAndItsNewRelationIsNot() {
        TypeMapper types = new TypeMapper((oid, typmod) -> "x");
        RelationRegistry relations = new RelationRegistry("p", types, oid -> List.of("id"), oid -> Map.of());
        ChangeRecordFactory factory = new ChangeRecordFactory("p", "db", false, (t, c, k, xid) -> null,
                TopicPartitions.from(Map.of()), "7");
        ChangeStream stream = new ChangeStream(relations, types, factory, new TableFilter(List.of(), List.of()),
                OperationFilter.parse(List.of()), new LsnAckTracker(), null, Optional.empty());
        // The table with OID was dropped and created again as OID + 2 before the stream got to these changes.
        stream.relationExists(oid -> oid != OID);
        List<SourceRecord> out = new ArrayList<>();
        for (PgOutputMessage m : List.of(new Begin(new Lsn(COMMIT), 0, 7), relation(OID, "items"),
                new Insert(OptionalInt.empty(), OID, row("1")), new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0),
                new Begin(new Lsn(COMMIT + 0x100), 0, 8), relation(OID + 2, "items"),
                new Insert(OptionalInt.empty(), OID + 2, row("2")), new Commit(0, new Lsn(COMMIT + 0x100), new Lsn(COMMIT + 0x130), 0))) {
            stream.accept(m, new Lsn(COMMIT), out::add);
        }
        assertThat(ops(out)).containsExactly("c 2");
    }

    /** Three transactions of one table: T1 inserts 1 and 2, T2 deletes 1 and inserts 3 and 4, T3 inserts 5. */
    private static final long COMMIT_2 = 0x2000, COMMIT_3 = 0x3000;
    private static final List<PgOutputMessage> THREE_TRANSACTIONS = List.of(
            new Begin(new Lsn(COMMIT), 0, 7),
            relation(OID, "items"),
            new Insert(OptionalInt.empty(), OID, row("1")),
            new Insert(OptionalInt.empty(), OID, row("2")),
            new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0),
            new Begin(new Lsn(COMMIT_2), 0, 8),
            new Delete(OptionalInt.empty(), OID, 'K', row("1")),
            new Insert(OptionalInt.empty(), OID, row("3")),
            new Insert(OptionalInt.empty(), OID, row("4")),
            new Commit(0, new Lsn(COMMIT_2), new Lsn(COMMIT_2 + 0x30), 0),
            new Begin(new Lsn(COMMIT_3), 0, 9),
            new Insert(OptionalInt.empty(), OID, row("5")),
            new Commit(0, new Lsn(COMMIT_3), new Lsn(COMMIT_3 + 0x30), 0));

    @Test
    void aResumedStreamSkipsEveryRecordAtOrBeforeItsPositionAndHandsOutEveryLaterOne() {
        List<SourceRecord> all = feed(stream(true, new LsnAckTracker(), Optional.empty()), THREE_TRANSACTIONS);
        assertThat(ops(all)).containsExactly("c 1", "c 2", "d 1", "tombstone 1", "c 3", "c 4", "c 5");
        assertThat(positions(all)).containsExactly(
                new StreamPosition(new Lsn(COMMIT), 0), new StreamPosition(new Lsn(COMMIT), R),
                new StreamPosition(new Lsn(COMMIT_2), 0), new StreamPosition(new Lsn(COMMIT_2), 1), new StreamPosition(new Lsn(COMMIT_2), R),
                new StreamPosition(new Lsn(COMMIT_2), 2 * R), new StreamPosition(new Lsn(COMMIT_3), 0));

        // Resumed at each record in turn, exactly the records after it are handed out again.
        for (int i = 0; i < all.size(); i++) {
            StreamPosition at = StreamPosition.fromOffset(all.get(i).sourceOffset()).orElseThrow();
            List<SourceRecord> resumed = feed(stream(true, new LsnAckTracker(), Optional.of(at)), THREE_TRANSACTIONS);
            assertThat(positions(resumed)).as("resumed at %s", at).isEqualTo(positions(all.subList(i + 1, all.size())));
        }
    }

    @Test
    void resumingBetweenADeleteAndItsTombstoneHandsOutTheTombstone() {
        List<SourceRecord> resumed = feed(stream(true, new LsnAckTracker(), Optional.of(new StreamPosition(new Lsn(COMMIT_2), 0))),
                THREE_TRANSACTIONS);
        assertThat(ops(resumed)).containsExactly("tombstone 1", "c 3", "c 4", "c 5");
    }

    @Test
    void skippedRecordsAreNotTrackedSoTheSlotMovesOnOnceTheRecordsHandedOutAreAcknowledged() {
        LsnAckTracker tracker = new LsnAckTracker();
        ChangeStream stream = stream(false, tracker, Optional.of(new StreamPosition(new Lsn(COMMIT_2), R)));
        List<SourceRecord> resumed = feed(stream, THREE_TRANSACTIONS);
        assertThat(ops(resumed)).containsExactly("c 4", "c 5");
        // The skipped transaction's end is reached at once: Kafka had its records before the restart.
        assertThat(tracker.confirmableLsn()).contains(new Lsn(COMMIT + 0x30));
        tracker.acknowledged(resumed.get(0));
        assertThat(tracker.confirmableLsn()).contains(new Lsn(COMMIT_2 + 0x30));
        tracker.acknowledged(resumed.get(1));
        assertThat(tracker.confirmableLsn()).contains(new Lsn(COMMIT_3 + 0x30));
        assertThat(stream.position()).contains(new StreamPosition(new Lsn(COMMIT_3), 0));
    }

    @Test
    void aTransactionCutOffByALostConnectionIsReadAgainFromItsBeginWithoutRepeatingWhatWasHandedOut() {
        ChangeStream stream = stream(true, new LsnAckTracker(), Optional.empty());
        // The connection is lost after T2's delete and its first insert.
        List<SourceRecord> before = feed(stream, THREE_TRANSACTIONS.subList(0, 8));
        assertThat(ops(before)).containsExactly("c 1", "c 2", "d 1", "tombstone 1", "c 3");
        assertThat(stream.inTransaction()).isTrue();
        stream.abandonTransaction();
        assertThat(stream.inTransaction()).isFalse();
        assertThat(stream.position()).contains(new StreamPosition(new Lsn(COMMIT_2), R));

        // The server sends again from the Begin of the transaction the position is in (its commit LSN is not confirmed).
        List<SourceRecord> after = feed(stream, THREE_TRANSACTIONS.subList(5, THREE_TRANSACTIONS.size()));
        assertThat(ops(after)).containsExactly("c 4", "c 5");
    }

    @Test
    void heartbeatTableChangesBecomeHeartbeatRecordsWithTheirChangesIndexAndAreSkippedLikeOthersOnResume() {
        ChangeStream.HeartbeatSink heartbeats = new ChangeStream.HeartbeatSink() {
            @Override
            public boolean isHeartbeatTable(CapturedTable table) {
                return table.table().equals("heartbeat");
            }

            @Override
            public SourceRecord heartbeat(TransactionContext tx, long event) {
                return new SourceRecord(Map.of(), ChangeRecordFactory.offset(tx.commitLsn(), event), "beats", null, null);
            }
        };
        List<PgOutputMessage> tx = List.of(new Begin(new Lsn(COMMIT), 0, 7), relation(OID, "items"), relation(OID + 1, "heartbeat"),
                new Insert(OptionalInt.empty(), OID, row("1")),
                new PgOutputMessage.Update(OptionalInt.empty(), OID + 1, (char) 0, null, row("1")),
                new PgOutputMessage.Truncate(OptionalInt.empty(), false, false, List.of(OID + 1)),
                new Insert(OptionalInt.empty(), OID, row("2")),
                new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0));
        List<SourceRecord> all = feed(stream(true, new LsnAckTracker(), Optional.empty(), heartbeats), tx);
        assertThat(all).extracting(SourceRecord::topic).containsExactly("p.public.items", "beats", "p.public.items");
        assertThat(positions(all)).containsExactly(new StreamPosition(new Lsn(COMMIT), 0), new StreamPosition(new Lsn(COMMIT), R),
                new StreamPosition(new Lsn(COMMIT), 3 * R));

        List<SourceRecord> resumed = feed(stream(true, new LsnAckTracker(), Optional.of(new StreamPosition(new Lsn(COMMIT), R)), heartbeats), tx);
        assertThat(positions(resumed)).containsExactly(new StreamPosition(new Lsn(COMMIT), 3 * R));
    }

    /** Heartbeats (markers) to topic "hb"; no table is the heartbeat table. */
    private static final ChangeStream.HeartbeatSink MARKERS = new ChangeStream.HeartbeatSink() {
        @Override
        public boolean isHeartbeatTable(io.adbsync.source.catalog.CapturedTable table) {
            return false;
        }

        @Override
        public SourceRecord heartbeat(TransactionContext tx, long event) {
            return new SourceRecord(Map.of("server", "p"), ChangeRecordFactory.offset(tx.commitLsn(), event),
                    "hb", null, null, null, null);
        }
    };

    /** A share of a Greenplum segment's task: some of every table's rows. */
    private static final TableShare PART = new TableShare() {
        @Override
        public boolean reads(int relationOid) {
            return true;
        }

        @Override
        public boolean readsAllRows(int relationOid) {
            return false;
        }
    };

    /** The messages of one slot as StreamReader reads them: until the stream is held, again from a Begin on reconnect. */
    private static final class Slot {
        private final ChangeStream stream;
        private final List<PgOutputMessage> messages;
        private int next;

        Slot(ChangeStream stream, List<PgOutputMessage> messages) {
            this.stream = stream;
            this.messages = messages;
        }

        List<SourceRecord> read() {
            List<SourceRecord> out = new ArrayList<>();
            while (next < messages.size() && stream.held().isEmpty()) {
                stream.accept(messages.get(next++), new Lsn(COMMIT), out::add);
            }
            return out;
        }

        /** A lost connection: the server sends the open transaction again from its Begin. */
        void reconnect() {
            stream.abandonTransaction();
            while (next > 0 && !(messages.get(next - 1) instanceof Begin)) {
                next--;
            }
            next = Math.max(0, next - 1);
        }
    }

    @Test
    void aTruncateWhoseCopiesWereSentStaysHeldAcrossALostConnectionUntilReleased() {
        ChangeStream stream = stream(true, new LsnAckTracker(), Optional.empty());
        stream.share(PART);
        Slot slot = new Slot(stream, List.of(new Begin(new Lsn(COMMIT), 0, 7), relation(OID, "items"),
                new Insert(OptionalInt.empty(), OID, row("1")),
                new PgOutputMessage.Truncate(OptionalInt.empty(), false, false, List.of(OID)),
                new Insert(OptionalInt.empty(), OID, row("2")),
                new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0)));
        assertThat(ops(slot.read())).containsExactly("c 1");
        assertThat(stream.held()).isPresent();
        List<SourceRecord> copies = new ArrayList<>();
        stream.sendHeld(copies::add);
        assertThat(copies).hasSize(1);

        // The connection is lost before the task reported the copies sent: the others wait for that report, so the
        // stream must stay held at the truncate until the task releases it.
        slot.reconnect();
        assertThat(slot.read()).isEmpty();
        assertThat(stream.held()).as("held after the reconnect").isPresent();

        stream.releaseHeld(r -> { });
        assertThat(ops(slot.read())).containsExactly("c 2");
        assertThat(stream.held()).isEmpty();
    }

    @Test
    void aChangeOutsideATransactionIsAProtocolError() {
        ChangeStream stream = stream(true, new LsnAckTracker(), Optional.empty());
        stream.accept(relation(OID, "items"), new Lsn(COMMIT), r -> { });
        assertThatThrownBy(() -> stream.accept(new Insert(OptionalInt.empty(), OID, row("1")), new Lsn(COMMIT), r -> { }))
                .isInstanceOf(PgOutputProtocolException.class)
                .hasMessage("pgoutput INSERT arrived outside a transaction");
    }

    /** A transaction on a segment: a row, a truncate of a distributed table (read here in part), a row after it. */
    private static final List<PgOutputMessage> TRUNCATING = List.of(
            new Begin(new Lsn(COMMIT), 0, 7),
            relation(OID, "items"),
            new Insert(OptionalInt.empty(), OID, row("1")),
            new PgOutputMessage.Truncate(OptionalInt.empty(), false, false, List.of(OID)),
            new Insert(OptionalInt.empty(), OID, row("2")),
            new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0));


    @Test
    void aTruncateOfATableReadInPartHoldsTheStreamAndIsSentOnlyWhenAskedThenTheRowsAfterItFollow() {
        for (boolean sender : List.of(true, false)) {
            ChangeStream stream = stream(false, new LsnAckTracker(), Optional.empty());
            stream.share(PART);
            List<SourceRecord> out = new ArrayList<>();
            int fed = 0;
            while (stream.held().isEmpty()) {
                stream.accept(TRUNCATING.get(fed++), new Lsn(COMMIT), out::add);
            }
            // Held right at the truncate: the row before it went out, nothing else did.
            assertThat(fed).isEqualTo(4);
            assertThat(opsAndTruncates(out)).containsExactly("c 1");
            assertThat(stream.held().get()).isEqualTo(new HeldTruncate(7, new Lsn(COMMIT), List.of(OID), List.of("public.items"), 0));
            if (sender) {
                stream.sendHeld(out::add);
            }
            assertThat(stream.held()).as("held until released").isPresent();
            stream.releaseHeld(r -> { });
            for (PgOutputMessage m : TRUNCATING.subList(fed, TRUNCATING.size())) {
                stream.accept(m, new Lsn(COMMIT), out::add);
            }
            assertThat(opsAndTruncates(out)).containsExactlyElementsOf(sender ? List.of("c 1", "t", "c 2") : List.of("c 1", "c 2"));
        }
    }

    @Test
    void aTaskThatWentPastATruncateWithoutSendingItLeavesAHeartbeatAtItsPositionSoARestartResumesAfterIt() {
        ChangeStream.HeartbeatSink beats = MARKERS;
        for (boolean sender : List.of(true, false)) {
            ChangeStream stream = stream(false, new LsnAckTracker(), Optional.empty(), beats);
            stream.share(PART);
            List<SourceRecord> out = new ArrayList<>();
            for (PgOutputMessage m : TRUNCATING.subList(0, 4)) {
                stream.accept(m, new Lsn(COMMIT), out::add);
            }
            if (sender) {
                stream.sendHeld(out::add);
            }
            List<SourceRecord> marker = new ArrayList<>();
            stream.releaseHeld(marker::add);
            if (sender) {
                // The copies already carry the truncate's position.
                assertThat(marker).isEmpty();
            } else {
                assertThat(marker).singleElement().satisfies(m -> {
                    assertThat(m.topic()).isEqualTo("hb");
                    assertThat(StreamPosition.fromOffset(m.sourceOffset())).isEqualTo(stream.position());
                    assertThat(stream.position().orElseThrow().covers(new Lsn(COMMIT), StreamPosition.fromOffset(out.get(0).sourceOffset()).orElseThrow().event() + R))
                            .as("past the truncate's one copy").isTrue();
                });
            }
        }
    }

    /**
     * TRUNCATE items, gone where the second table is one this task does not send (dropped already): the sender's copies
     * of items end before the truncate's last change, so a marker must carry the position past all of it. Without it a
     * restart would meet the truncate again after the other tasks forgot it, and wait for them for ever.
     */
    @Test
    void aSenderWhoseTruncateEndsWithATableItDoesNotSendStillMovesPastTheWholeTruncate() {
        ChangeStream.HeartbeatSink beats = MARKERS;
        ChangeStream stream = stream(false, new LsnAckTracker(), Optional.empty(), beats);
        stream.share(PART);
        stream.relationExists(oid -> oid != OID + 1);
        List<SourceRecord> out = new ArrayList<>();
        for (PgOutputMessage m : List.of(new Begin(new Lsn(COMMIT), 0, 7), relation(OID, "items"), relation(OID + 1, "gone"),
                new PgOutputMessage.Truncate(OptionalInt.empty(), false, false, List.of(OID, OID + 1)))) {
            stream.accept(m, new Lsn(COMMIT), out::add);
        }
        assertThat(stream.held()).isPresent();
        stream.sendHeld(out::add);
        assertThat(opsAndTruncates(out)).containsExactly("t");
        List<SourceRecord> marker = new ArrayList<>();
        stream.releaseHeld(marker::add);
        assertThat(marker).as("a marker past the table not sent").singleElement()
                .satisfies(m -> assertThat(StreamPosition.fromOffset(m.sourceOffset()).orElseThrow())
                        .isEqualTo(new StreamPosition(new Lsn(COMMIT), R)));
    }

    @Test
    void aTruncatePassedBeforeARestartIsNotHeldAgainButOneNotYetPassedIs() {
        List<SourceRecord> first = new ArrayList<>();
        ChangeStream stream = stream(false, new LsnAckTracker(), Optional.empty());
        stream.share(PART);
        for (PgOutputMessage m : TRUNCATING) {
            stream.accept(m, new Lsn(COMMIT), first::add);
            if (stream.held().isPresent()) {
                stream.sendHeld(first::add);
                stream.releaseHeld(r -> { });
            }
        }
        Optional<StreamPosition> afterTruncate = StreamPosition.fromOffset(first.get(1).sourceOffset());
        Optional<StreamPosition> beforeTruncate = StreamPosition.fromOffset(first.get(0).sourceOffset());

        ChangeStream resumedAfter = stream(false, new LsnAckTracker(), afterTruncate);
        resumedAfter.share(PART);
        List<SourceRecord> again = feed(resumedAfter, TRUNCATING);
        assertThat(resumedAfter.held()).isEmpty();
        assertThat(opsAndTruncates(again)).containsExactly("c 2");

        ChangeStream resumedBefore = stream(false, new LsnAckTracker(), beforeTruncate);
        resumedBefore.share(PART);
        List<SourceRecord> out = new ArrayList<>();
        for (PgOutputMessage m : TRUNCATING.subList(0, 4)) {
            resumedBefore.accept(m, new Lsn(COMMIT), out::add);
        }
        assertThat(resumedBefore.held()).isPresent();
        assertThat(out).isEmpty();
        // A lost connection drops the hold: the server sends the transaction again, and the truncate is held again.
        resumedBefore.abandonTransaction();
        assertThat(resumedBefore.held()).isEmpty();
    }

    /**
     * Three key shards each read the whole stream: together they hand out exactly what one task would, each key's
     * records from one shard only; a key moving to another shard is removed by its old shard and created by its new one.
     */
    @Test
    void keyShardsSplitTheStreamByKeyAndAKeyMovingBetweenShardsIsRemovedByOneAndCreatedByTheOther() {
        List<PgOutputMessage> inserts = new ArrayList<>(List.of(new Begin(new Lsn(COMMIT), 0, 7), relation(OID, "items")));
        for (int id = 1; id <= 60; id++) {
            inserts.add(new Insert(OptionalInt.empty(), OID, row(Integer.toString(id))));
        }
        inserts.add(new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0));
        Map<Object, Integer> shardOf = new java.util.HashMap<>();
        List<List<String>> byShard = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> ops = ops(feedShard(i, inserts));
            byShard.add(ops);
            for (String op : ops) {
                assertThat(shardOf.put(op.substring(2), i)).as("shard of " + op).isNull();
            }
        }
        assertThat(shardOf).hasSize(60);
        assertThat(byShard).allSatisfy(ops -> assertThat(ops).hasSizeBetween(10, 30));
        // Key 1 moves to a key of another shard (not inserted in this stream), and is updated there.
        String to = shardOf.entrySet().stream().filter(e -> !e.getValue().equals(shardOf.get("1"))).findFirst()
                .orElseThrow().getKey().toString();
        List<PgOutputMessage> move = List.of(new Begin(new Lsn(COMMIT), 0, 7), relation(OID, "items"),
                new Insert(OptionalInt.empty(), OID, row("1")),
                new PgOutputMessage.Update(OptionalInt.empty(), OID, 'K', row("1"), row(to)),
                new PgOutputMessage.Update(OptionalInt.empty(), OID, (char) 0, null, row(to)),
                new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0));
        assertThat(ops(feedShard(shardOf.get("1"), move))).containsExactly("c 1", "d 1", "tombstone 1");
        assertThat(ops(feedShard(shardOf.get(to), move))).containsExactly("c " + to, "u " + to);
        int third = 3 - shardOf.get("1") - shardOf.get(to);
        if (third >= 0 && third < 3 && third != shardOf.get("1") && third != shardOf.get(to)) {
            assertThat(feedShard(third, move)).isEmpty();
        }
    }

    private static List<SourceRecord> feedShard(int index, List<PgOutputMessage> messages) {
        ChangeStream stream = stream(true, new LsnAckTracker(), Optional.empty());
        stream.share(new io.adbsync.source.shard.KeyShare(new io.adbsync.source.shard.KeyShard(index, 3)));
        return feed(stream, messages);
    }

    private static List<String> opsAndTruncates(List<SourceRecord> records) {
        return records.stream().map(r -> r.key() == null ? ((Struct) r.value()).getString("op")
                : ((Struct) r.value()).getString("op") + " " + ((Struct) r.key()).get("id")).toList();
    }

    /**
     * Whether a TRUNCATE of a partitioned table's leaves is of the whole table is judged from the catalog when it is
     * decoded: a partition attached before a restart makes it partial the second time. It must still take the same
     * record index: a partial truncate took none, so the changes after it in its transaction moved down one, under the
     * stored position, and the one not yet in Kafka was skipped.
     */
    @Test
    void aPartitionTruncateJudgedOtherwiseAfterARestartKeepsTheIndicesOfTheChangesAfterIt() {
        io.adbsync.source.partition.Partitions.Member root = new io.adbsync.source.partition.Partitions.Member(100, "public", "events");
        List<io.adbsync.source.partition.Partitions.Member> leaves = new ArrayList<>(List.of(
                new io.adbsync.source.partition.Partitions.Member(101, "public", "events_01"),
                new io.adbsync.source.partition.Partitions.Member(102, "public", "events_02")));
        List<PgOutputMessage> tx = List.of(
                new Begin(new Lsn(COMMIT), 0, 7),
                relation(101, "events_01"), relation(102, "events_02"), relation(OID, "items"),
                new PgOutputMessage.Truncate(OptionalInt.empty(), false, false, List.of(101, 102)),
                new Insert(OptionalInt.empty(), OID, row("1")),
                new Insert(OptionalInt.empty(), OID, row("2")),
                new Commit(0, new Lsn(COMMIT), new Lsn(COMMIT + 0x30), 0));
        // First run: the truncate empties every leaf. Kafka has the records up to and including insert 1.
        List<SourceRecord> first = feed(partitioned(root, leaves, Optional.empty()), tx);
        assertThat(opsAndTruncates(first)).containsExactly("t", "c 1", "c 2");
        Optional<StreamPosition> committed = StreamPosition.fromOffset(first.get(1).sourceOffset());

        // A partition is attached; the restarted task judges the truncate partial (not replicated).
        leaves.add(new io.adbsync.source.partition.Partitions.Member(103, "public", "events_03"));
        assertThat(opsAndTruncates(feed(partitioned(root, leaves, committed), tx))).containsExactly("c 2");
    }

    /**
     * One TRUNCATE naming a table this task reads in part (held, the tasks meet at it) and one it reads whole (a
     * replicated table on segment 0, a keyless one on its shard): the whole one's copies went out at once, after the
     * held one's index, so the position covered the held truncate, which was taken for one sent before a restart and
     * not held; the other tasks waited for this one for ever, and where this task sends, it was never sent.
     */
    @Test
    void aTruncateOfATableReadInPartAndOneReadWholeHoldsAtTheFirstAndSendsBothInOrder() {
        int split = OID, whole = OID + 1;
        ChangeStream stream = stream(false, new LsnAckTracker(), Optional.empty());
        stream.share(readingWholeOnly(whole));
        List<SourceRecord> out = feed(stream, List.of(new Begin(new Lsn(COMMIT), 0, 7), relation(split, "orders"),
                relation(whole, "codes"),
                new PgOutputMessage.Truncate(OptionalInt.empty(), false, false, List.of(split, whole))));
        assertThat(stream.held()).as("held at the truncate of the table read in part").isPresent();
        assertThat(out).as("nothing after the held truncate goes before it").isEmpty();

        stream.sendHeld(out::add);
        stream.releaseHeld(out::add);
        assertThat(out.stream().map(r -> r.topic() + "@" + r.sourceOffset().get(ChangeRecordFactory.OFFSET_EVENT)).toList())
                .containsExactly("p.public.orders@0", "p.public.codes@" + R);

        // Named before the held table, or between two: each goes in its place, none under a held copy's index.
        assertThat(truncatesSent(List.of(whole, split))).containsExactly("p.public.codes@0", "p.public.orders@" + R);
        assertThat(truncatesSent(List.of(split, whole, split + 2)))
                .containsExactly("p.public.orders@0", "p.public.codes@" + R, "p.public.items@" + 2 * R);
    }

    /** The share of a task that reads every table, all rows of {@code whole} only (the others in part). */
    private static TableShare readingWholeOnly(int whole) {
        return new TableShare() {
            @Override
            public boolean reads(int relationOid) {
                return true;
            }

            @Override
            public boolean readsAllRows(int relationOid) {
                return relationOid == whole;
            }
        };
    }

    /** What a task reading OID in part and OID + 1 whole sends of a TRUNCATE of {@code oids}, held and then sent by it. */
    private static List<String> truncatesSent(List<Integer> oids) {
        ChangeStream stream = stream(false, new LsnAckTracker(), Optional.empty());
        stream.share(readingWholeOnly(OID + 1));
        List<SourceRecord> out = feed(stream, List.of(new Begin(new Lsn(COMMIT), 0, 7), relation(OID, "orders"),
                relation(OID + 1, "codes"), relation(OID + 2, "items"),
                new PgOutputMessage.Truncate(OptionalInt.empty(), false, false, oids)));
        assertThat(stream.held()).isPresent();
        stream.sendHeld(out::add);
        stream.releaseHeld(out::add);
        return out.stream().map(r -> r.topic() + "@" + r.sourceOffset().get(ChangeRecordFactory.OFFSET_EVENT)).toList();
    }

    private static ChangeStream partitioned(io.adbsync.source.partition.Partitions.Member root,
                                            List<io.adbsync.source.partition.Partitions.Member> leaves,
                                            Optional<StreamPosition> resumeAt) {
        ChangeStream stream = stream(false, new LsnAckTracker(), resumeAt);
        stream.partitions(new io.adbsync.source.partition.PartitionRouter(new io.adbsync.source.partition.PartitionRouter.Catalog() {
            @Override
            public Optional<io.adbsync.source.partition.Partitions.Member> rootOf(int oid) {
                return oid == 101 || oid == 102 || oid == 103 ? Optional.of(root) : Optional.empty();
            }

            @Override
            public Relation relation(String schema, String table) {
                return ChangeStreamTest.relation(root.oid(), table);
            }

            @Override
            public List<io.adbsync.source.partition.Partitions.Member> leaves(String schema, String table) {
                return List.copyOf(leaves);
            }
        }));
        return stream;
    }

    private static ChangeStream stream(boolean tombstones, LsnAckTracker tracker, Optional<StreamPosition> resumeAt) {
        return stream(tombstones, tracker, resumeAt, null);
    }

    private static ChangeStream stream(boolean tombstones, LsnAckTracker tracker, Optional<StreamPosition> resumeAt,
                                       ChangeStream.HeartbeatSink heartbeats) {
        TypeMapper types = new TypeMapper((oid, typmod) -> "x");
        RelationRegistry relations = new RelationRegistry("p", types, oid -> List.of("id"), oid -> Map.of());
        ChangeRecordFactory factory = new ChangeRecordFactory("p", "db", tombstones, (t, c, k, xid) -> null,
                TopicPartitions.from(Map.of()), "7");
        return new ChangeStream(relations, types, factory, new TableFilter(List.of(), List.of()),
                OperationFilter.parse(List.of()), tracker, heartbeats, resumeAt);
    }

    private static List<SourceRecord> feed(ChangeStream stream, List<PgOutputMessage> messages) {
        List<SourceRecord> out = new ArrayList<>();
        for (PgOutputMessage m : messages) {
            stream.accept(m, new Lsn(COMMIT), out::add);
        }
        return out;
    }

    private static List<StreamPosition> positions(List<SourceRecord> records) {
        return records.stream().map(r -> StreamPosition.fromOffset(r.sourceOffset()).orElseThrow()).toList();
    }

    private static List<SourceRecord> run(boolean tombstones, List<String> exclude, Optional<StreamPosition> resumeAt) {
        return run(TRANSACTION, tombstones, exclude, List.of(), resumeAt);
    }

    private static List<SourceRecord> run(List<PgOutputMessage> transaction, boolean tombstones, List<String> exclude,
                                          List<String> operations, Optional<StreamPosition> resumeAt) {
        TypeMapper types = new TypeMapper((oid, typmod) -> "x");
        RelationRegistry relations = new RelationRegistry("p", types, oid -> List.of("id"), oid -> Map.of());
        // The re-read finds no row: it was deleted after the change.
        ChangeRecordFactory factory = new ChangeRecordFactory("p", "db", tombstones, (t, c, k, xid) -> null,
                TopicPartitions.from(Map.of()), "7");
        ChangeStream stream = new ChangeStream(relations, types, factory, new TableFilter(List.of(), exclude),
                OperationFilter.parse(operations), new LsnAckTracker(), null, resumeAt);
        List<SourceRecord> out = new ArrayList<>();
        for (PgOutputMessage m : transaction) {
            stream.accept(m, new Lsn(COMMIT), out::add);
        }
        return out;
    }

    private static List<String> ops(List<SourceRecord> records) {
        return records.stream().map(r -> r.value() == null
                ? "tombstone " + ((Struct) r.key()).get("id")
                : ((Struct) r.value()).getString("op") + " " + ((Struct) r.key()).get("id")).toList();
    }

    private static Relation relation(int oid, String name) {
        return new Relation(OptionalInt.empty(), oid, "public", name, 'd', List.of(new Column(true, "id", 23, -1)));
    }

    private static TupleData row(String id) {
        return new TupleData(List.of(new TupleData.Value('t', id.getBytes(StandardCharsets.UTF_8))));
    }
}
