package io.adbsync.source.stream;

import io.adbsync.source.pgoutput.PgOutputDecoder;
import io.adbsync.source.wal.Lsn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Spill files of streamed transactions: named after their task, and swept by the next run of that task only. */
class SpillFileSweepTest {

    private static final String URL = "jdbc:postgresql://source:5432/app";

    @TempDir
    Path directory;

    private static ByteBuffer streamStart(int xid) {
        return ByteBuffer.allocate(6).put((byte) 'S').putInt(xid).put((byte) 1).flip();
    }

    /** An Insert of one text value inside a stream block (with its xid). */
    private static ByteBuffer streamedInsert(int xid) {
        return ByteBuffer.allocate(1 + 4 + 4 + 1 + 2 + 1 + 4 + 1)
                .put((byte) 'I').putInt(xid).putInt(16384).put((byte) 'N').putShort((short) 1)
                .put((byte) 't').putInt(1).put((byte) '7').flip();
    }

    private List<String> files() throws IOException {
        try (Stream<Path> list = Files.list(directory)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void spillFilesLeftByACrashedRunAreSweptByTheNextRunOfTheSameTask() throws IOException {
        String owner = StreamedTransactions.owner("orders-source", URL, "orders");
        StreamedTransactions crashed = new StreamedTransactions(directory, owner, 2);
        PgOutputDecoder decoder = new PgOutputDecoder(2, false);
        crashed.offer(decoder, streamStart(700), new Lsn(0x100));
        crashed.offer(decoder, streamedInsert(700), new Lsn(0x108));
        // No Stream Stop, no close(): the worker died here.
        assertThat(files()).hasSize(1);
        assertThat(files().get(0)).startsWith("adbsync-").contains("orders").endsWith(".spill");

        assertThat(StreamedTransactions.sweepStale(directory, owner)).isEqualTo(1);
        assertThat(files()).isEmpty();
    }

    @Test
    void theSweepLeavesEveryFileItDidNotWrite() throws IOException {
        String owner = StreamedTransactions.owner("orders-source", URL, "orders");
        String sameSlotOtherServer = StreamedTransactions.owner("orders-source", "jdbc:postgresql://other:5432/app", "orders");
        String sameSlotOtherConnector = StreamedTransactions.owner("billing-source", URL, "orders");
        assertThat(owner).isNotEqualTo(sameSlotOtherServer).isNotEqualTo(sameSlotOtherConnector).matches("[a-z0-9_-]+");

        Files.writeString(directory.resolve("adbsync-" + owner + "-xid-77-123.spill"), "stale");
        List<String> others = List.of(
                "adbsync-" + sameSlotOtherServer + "-xid-77-456.spill",
                "adbsync-" + sameSlotOtherConnector + "-xid-77-789.spill",
                // Files of versions that did not name their owner cannot be told apart: left alone.
                "adbsync-xid-77-101112.spill",
                "adbsync-" + owner + "-xid-77-123.spill.bak",
                "x-adbsync-" + owner + "-xid-77-123.spill",
                "notes.txt");
        for (String other : others) {
            Files.writeString(directory.resolve(other), "not ours");
        }
        // A directory and a symbolic link with a matching name are not spill files this task wrote.
        Files.createDirectory(directory.resolve("adbsync-" + owner + "-xid-1-2.spill"));
        Path outside = Files.writeString(Files.createTempFile("outside", ".txt"), "keep me");
        Files.createSymbolicLink(directory.resolve("adbsync-" + owner + "-xid-3-4.spill"), outside);

        assertThat(StreamedTransactions.sweepStale(directory, owner)).isEqualTo(1);

        assertThat(files()).containsExactlyInAnyOrderElementsOf(Stream.concat(others.stream(), Stream.of(
                "adbsync-" + owner + "-xid-1-2.spill", "adbsync-" + owner + "-xid-3-4.spill")).toList());
        assertThat(Files.readString(outside)).isEqualTo("keep me");
        Files.delete(outside);
    }

    @Test
    void aMissingSpillDirectoryIsNothingToSweep() {
        assertThat(StreamedTransactions.sweepStale(directory.resolve("absent"), "o")).isZero();
    }
}
