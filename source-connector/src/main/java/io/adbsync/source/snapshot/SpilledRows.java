package io.adbsync.source.snapshot;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The COPY lines of a chunk beyond what its feed may hold in memory, in a file until the reader converts them once its
 * transaction has ended. The file is unlinked as soon as it is open where the system allows it (Linux), so a worker
 * that dies leaves nothing behind; elsewhere it is removed on close.
 */
final class SpilledRows implements AutoCloseable {

    private static final int BUFFER_BYTES = 1 << 16;

    private final Path path;
    private final FileChannel channel;
    private final boolean unlinked;
    private DataOutputStream out;
    private long bytes;

    private SpilledRows(Path path, FileChannel channel, boolean unlinked) {
        this.path = path;
        this.channel = channel;
        this.unlinked = unlinked;
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES));
    }

    /** A new, empty file under {@code directory}. */
    static SpilledRows create(Path directory) throws IOException {
        Path path = Files.createTempFile(directory, "adbsync-snapshot-", ".spill");
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        boolean unlinked;
        try {
            Files.delete(path);
            unlinked = true;
        } catch (IOException e) {
            // A system that will not remove an open file: removed on close instead.
            unlinked = false;
        }
        return new SpilledRows(path, channel, unlinked);
    }

    void add(byte[] line) throws IOException {
        out.writeInt(line.length);
        out.write(line);
        bytes += line.length;
    }

    /** Bytes of row text spilled. */
    long bytes() {
        return bytes;
    }

    /** What reads the lines back, in the order they were added. */
    interface Lines {
        /** The next line, or null after the last. */
        byte[] next() throws IOException;
    }

    /** Ends writing; the lines are read back from the first. */
    Lines lines() throws IOException {
        out.flush();
        out = null;
        channel.position(0);
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), BUFFER_BYTES));
        return () -> {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException end) {
                return null;
            }
            byte[] line = new byte[length];
            in.readFully(line);
            return line;
        };
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to keep: the file is removed below, or was already.
        }
        if (!unlinked) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                path.toFile().deleteOnExit();
            }
        }
    }
}
