package io.adbsync.source.stream;

import io.adbsync.source.catalog.TableFilter;
import io.adbsync.common.filter.OperationFilter;
import io.adbsync.source.pgoutput.PgOutputDecoder;
import io.adbsync.source.pgoutput.PgOutputProtocolException;
import io.adbsync.source.replication.LsnAckTracker;
import io.adbsync.source.types.TypeMapper;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link StreamedTransactions} between the decoder and the {@link ChangeStream}, fed pgoutput protocol 2 bytes as the
 * server sends them: nothing uncommitted is emitted, aborts drop exactly what they abort, and committed transactions
 * come out in commit order.
 */
class StreamedTransactionsTest {

    private static final int OID = 16384;

    @TempDir
    Path spillDirectory;

    private final PgOutputDecoder decoder = new PgOutputDecoder(2, false);
    private final LsnAckTracker tracker = new LsnAckTracker();
    private final ChangeStream changes = changeStream(tracker);
    private StreamedTransactions streamed;
    private final List<SourceRecord> out = new ArrayList<>();

    @AfterEach
    void close() {
        if (streamed != null) {
            streamed.close();
        }
    }

    @Test
    void aSubtransactionAbortDropsOnlyThatSubtransactionsChanges() {
        receive(streamStart(100, true), relation(100), insert(100, 1), insert(101, 2), insert(102, 3), insert(103, 4),
                streamStop(),
                streamAbort(100, 101),
                streamStart(100, false), insert(100, 5), insert(103, 6), streamStop(),
                streamAbort(100, 103),
                streamCommit(100, 0x5000, 0x5030));
        assertThat(ids()).containsExactly(1, 3, 5);
        // Aborted changes are not counted: indices are those of the same transaction sent whole at its commit
        // (protocol 1, or too small to stream), which never holds them, so a restart may receive it either way.
        assertThat(positions()).containsExactly(new StreamPosition(new Lsn(0x5000), 0),
                new StreamPosition(new Lsn(0x5000), StreamPosition.RECORDS_PER_CHANGE),
                new StreamPosition(new Lsn(0x5000), 2L * StreamPosition.RECORDS_PER_CHANGE));
    }

    @Test
    void aTopLevelAbortDropsTheWholeTransactionAndItsSpillFile() throws IOException {
        receive(streamStart(200, true), relation(200), insert(200, 1), insert(201, 2), streamStop());
        assertThat(spillFiles()).hasSize(1);
        receive(streamAbort(200, 200));
        assertThat(spillFiles()).isEmpty();
        assertThat(out).isEmpty();
        // Nothing of it is left to commit.
        assertThatThrownBy(() -> receive(streamCommit(200, 0x5000, 0x5030)))
                .isInstanceOf(PgOutputProtocolException.class)
                .hasMessage("Stream Commit of transaction 200 that never streamed a change");
    }

    @Test
    void committedTransactionsAreReplayedInCommitOrderAmongOrdinaryOnes() {
        receive(streamStart(300, true), relation(300), insert(300, 30), streamStop(),
                streamStart(400, true), relation(400), insert(400, 40), streamStop(),
                streamStart(300, false), insert(300, 31), streamStop(),
                // An ordinary transaction commits while both are in progress.
                begin(0x6000, 500), relationOutsideStream(), insertOutsideStream(50), commit(0x6000, 0x6030),
                streamCommit(400, 0x7000, 0x7030),
                streamStart(300, false), insert(300, 32), streamStop(),
                streamCommit(300, 0x8000, 0x8030));
        assertThat(ids()).containsExactly(50, 40, 30, 31, 32);
        assertThat(positions()).extracting(StreamPosition::commitLsn)
                .containsExactly(new Lsn(0x6000L), new Lsn(0x7000L), new Lsn(0x8000L), new Lsn(0x8000L), new Lsn(0x8000L));
        out.forEach(tracker::acknowledged);
        assertThat(tracker.confirmableLsn()).contains(new Lsn(0x8030));
    }

    @Test
    void changesWaitOnDiskUntilTheCommitAndAreReplayedOneMessageAtATime() throws IOException {
        List<byte[]> messages = new ArrayList<>(List.of(streamStart(600, true), relation(600)));
        IntStream.rangeClosed(1, 300).forEach(id -> messages.add(insert(600, id)));
        messages.add(streamStop());
        receive(messages.toArray(byte[][]::new));
        assertThat(out).isEmpty();
        List<Path> files = spillFiles();
        assertThat(files).hasSize(1);
        assertThat(files.get(0).getFileName().toString()).startsWith("adbsync-slot-").contains("-xid-600-").endsWith(".spill");
        assertThat(Files.size(files.get(0))).isGreaterThan(300L * 16);

        streamed.offer(decoder, ByteBuffer.wrap(streamCommit(600, 0x9000, 0x9030)), new Lsn(0x9000));
        assertThat(streamed.replaying()).isTrue();
        streamed.replayNext(changes, out::add); // Begin and the first spilled message, the Relation
        assertThat(out).isEmpty();
        assertThat(changes.inTransaction()).isTrue();
        streamed.replayNext(changes, out::add);
        assertThat(ids()).containsExactly(1);
        while (streamed.replaying()) {
            streamed.replayNext(changes, out::add);
        }
        assertThat(ids()).isEqualTo(IntStream.rangeClosed(1, 300).boxed().toList());
        assertThat(changes.inTransaction()).isFalse();
        assertThat(spillFiles()).isEmpty();
    }

    @Test
    void closingDeletesTheSpillFilesOfTransactionsStillInProgress() throws IOException {
        receive(streamStart(700, true), relation(700), insert(700, 1), streamStop(),
                streamStart(701, true), relation(701), insert(701, 2));
        assertThat(spillFiles()).hasSize(2);
        streamed.close();
        assertThat(spillFiles()).isEmpty();
    }

    @Test
    void bytesCapturedFromARealServerYieldExactlyTheCommittedRows() throws IOException {
        // v2-streaming: 1..800 committed; 10001..10800 rolled back; 20001, then 30001..30800 rolled back to a
        // savepoint, then 20002, committed.
        List<byte[]> captured = Files.readAllLines(Path.of("src/test/resources/pgoutput/v2-streaming.hex")).stream()
                .filter(line -> !line.isBlank()).map(line -> HexFormat.of().parseHex(line.trim())).toList();
        receive(captured.toArray(byte[][]::new));
        List<Integer> expected = new ArrayList<>(IntStream.rangeClosed(1, 800).boxed().toList());
        expected.addAll(List.of(20001, 20002));
        assertThat(ids()).isEqualTo(expected);
        assertThat(spillFiles()).isEmpty();
    }

    /** What the source task does with each message: a committed streamed transaction is drained before the next. */
    private void receive(byte[]... messages) {
        if (streamed == null) {
            streamed = new StreamedTransactions(spillDirectory, StreamedTransactions.owner("test", "jdbc:postgresql://h/d", "slot"), 2);
        }
        long walLsn = 0x100;
        for (byte[] message : messages) {
            drain();
            ByteBuffer raw = ByteBuffer.wrap(message);
            if (!streamed.offer(decoder, raw, new Lsn(walLsn))) {
                changes.accept(decoder.decode(raw), new Lsn(walLsn), out::add);
            }
            walLsn += 0x10;
        }
        drain();
    }

    private void drain() {
        while (streamed.replaying()) {
            streamed.replayNext(changes, out::add);
        }
    }

    private List<Path> spillFiles() throws IOException {
        try (Stream<Path> files = Files.list(spillDirectory)) {
            return files.toList();
        }
    }

    private List<Integer> ids() {
        return out.stream().map(r -> ((Struct) r.key()).getInt32("id")).toList();
    }

    private List<StreamPosition> positions() {
        return out.stream().map(r -> StreamPosition.fromOffset(r.sourceOffset()).orElseThrow()).toList();
    }

    private static ChangeStream changeStream(LsnAckTracker tracker) {
        TypeMapper types = new TypeMapper((oid, typmod) -> "x");
        RelationRegistry relations = new RelationRegistry("p", types, oid -> List.of("id"), oid -> Map.of());
        ChangeRecordFactory factory = new ChangeRecordFactory("p", "db", false, (t, c, k, xid) -> null,
                TopicPartitions.from(java.util.Map.of()), "7");
        return new ChangeStream(relations, types, factory, new TableFilter(List.of(), List.of()),
                OperationFilter.parse(List.of()), tracker, null, Optional.empty());
    }

    // pgoutput protocol 2 messages, laid out as the protocol documents them.

    private static byte[] streamStart(int xid, boolean first) {
        return bytes(o -> {
            o.writeByte('S');
            o.writeInt(xid);
            o.writeByte(first ? 1 : 0);
        });
    }

    private static byte[] streamStop() {
        return bytes(o -> o.writeByte('E'));
    }

    private static byte[] streamCommit(int xid, long commitLsn, long endLsn) {
        return bytes(o -> {
            o.writeByte('c');
            o.writeInt(xid);
            o.writeByte(0);
            o.writeLong(commitLsn);
            o.writeLong(endLsn);
            o.writeLong(0);
        });
    }

    private static byte[] streamAbort(int xid, int subXid) {
        return bytes(o -> {
            o.writeByte('A');
            o.writeInt(xid);
            o.writeInt(subXid);
        });
    }

    private static byte[] begin(long finalLsn, int xid) {
        return bytes(o -> {
            o.writeByte('B');
            o.writeLong(finalLsn);
            o.writeLong(0);
            o.writeInt(xid);
        });
    }

    private static byte[] commit(long commitLsn, long endLsn) {
        return bytes(o -> {
            o.writeByte('C');
            o.writeByte(0);
            o.writeLong(commitLsn);
            o.writeLong(endLsn);
            o.writeLong(0);
        });
    }

    /** Relation {@code public.items (id int4 key)}, inside a stream block of {@code xid}. */
    private static byte[] relation(int xid) {
        return bytes(o -> {
            o.writeByte('R');
            o.writeInt(xid);
            relationBody(o);
        });
    }

    private static byte[] relationOutsideStream() {
        return bytes(o -> {
            o.writeByte('R');
            relationBody(o);
        });
    }

    private static void relationBody(DataOutputStream o) throws IOException {
        o.writeInt(OID);
        cString(o, "public");
        cString(o, "items");
        o.writeByte('d');
        o.writeShort(1);
        o.writeByte(1);
        cString(o, "id");
        o.writeInt(23);
        o.writeInt(-1);
    }

    /** An insert of {@code id} by (sub)transaction {@code xid}, inside a stream block. */
    private static byte[] insert(int xid, int id) {
        return bytes(o -> {
            o.writeByte('I');
            o.writeInt(xid);
            insertBody(o, id);
        });
    }

    private static byte[] insertOutsideStream(int id) {
        return bytes(o -> {
            o.writeByte('I');
            insertBody(o, id);
        });
    }

    private static void insertBody(DataOutputStream o, int id) throws IOException {
        byte[] text = Integer.toString(id).getBytes(StandardCharsets.UTF_8);
        o.writeInt(OID);
        o.writeByte('N');
        o.writeShort(1);
        o.writeByte('t');
        o.writeInt(text.length);
        o.write(text);
    }

    private static void cString(DataOutputStream o, String s) throws IOException {
        o.write(s.getBytes(StandardCharsets.UTF_8));
        o.writeByte(0);
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
