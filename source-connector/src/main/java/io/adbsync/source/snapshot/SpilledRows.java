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
 * transaction has ended. The file is unlinked as soon as it is open where the system allows it (Linux, macOS), so a
 * worker that dies leaves nothing behind; elsewhere it is removed on close.
 */
final class SpilledRows implements AutoCloseable {

    private static final int BUFFER_BYTES = 1 << 16;

    private final Path path;
    private final FileChannel channel;
    private final boolean unlinked;
    private DataOutputStream out;
    private long bytes;
    private long lines;

    private SpilledRows(Path path, FileChannel channel, boolean unlinked) {
        this.path = path;
        this.channel = channel;
        this.unlinked = unlinked;
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES));
    }

    /** A new, empty file under {@code directory}. */
    static SpilledRows create(Path directory) throws IOException {
        Path path = Files.createTempFile(directory, "adbsync-snapshot-", ".spill");
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException removing) {
                e.addSuppressed(removing);
            }
            throw e;
        }
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
        lines++;
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
        long written = lines;
        return new Lines() {
            private long read;

            @Override
            public byte[] next() throws IOException {
                if (read == written) {
                    return null;
                }
                try {
                    byte[] line = new byte[in.readInt()];
                    in.readFully(line);
                    read++;
                    return line;
                } catch (EOFException e) {
                    // A file cut short must not pass for a chunk with fewer rows.
                    throw new IOException("the file ends after " + read + " of the " + written + " rows written to it", e);
                }
            }
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
