package io.adbsync.source.stream;

import io.adbsync.source.pgoutput.PgOutputDecoder;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Begin;
import io.adbsync.source.pgoutput.PgOutputMessage.Commit;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamAbort;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamCommit;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamStart;
import io.adbsync.source.pgoutput.PgOutputProtocolException;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * In-progress transactions the server streams (pgoutput protocol 2, {@code streaming=on}): their changes are spilled
 * to a file per transaction as they arrive, so memory stays bounded however large they grow; at Stream Commit the
 * file is replayed through the {@link ChangeStream} as one ordinary transaction, a message at a time; at Stream
 * Abort it is deleted (or, for a subtransaction, its changes are skipped on replay). Nothing uncommitted is emitted.
 */
public final class StreamedTransactions implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamedTransactions.class);
    private static final String SUFFIX = ".spill";

    /** Spilled changes of one top-level transaction. */
    private static final class Spill {
        final Path file;
        final DataOutputStream out;
        final Set<Integer> abortedSubtransactions = new HashSet<>();
        long messages;

        Spill(Path file) throws IOException {
            this.file = file;
            this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
        }
    }

    /** A committed streamed transaction being handed to the change stream. */
    private static final class Replay {
        final Spill spill;
        final StreamCommit commit;
        final DataInputStream in;
        final PgOutputDecoder decoder;
        boolean begun;

        Replay(Spill spill, StreamCommit commit, int protocolVersion) throws IOException {
            this.spill = spill;
            this.commit = commit;
            this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(spill.file), 1 << 16));
            this.decoder = PgOutputDecoder.forStreamedMessages(protocolVersion);
        }
    }

    private final Path directory;
    private final String owner;
    private final int protocolVersion;
    private final Map<Integer, Spill> spills = new HashMap<>();
    private Spill current;
    private Replay replay;

    /**
     * @param owner the task's {@link #owner(String, String, String)}, which every spill file's name starts with so
     *              that a later run of the same task can tell its own files from any other
     */
    public StreamedTransactions(Path directory, String owner, int protocolVersion) {
        this.directory = directory;
        this.owner = owner;
        this.protocolVersion = protocolVersion;
    }

    /**
     * The owner part of a task's spill file names: the slot name (for people reading the directory) and a digest of the
     * connector name, source URL and slot, so that connectors that share a spill directory and a slot name on different
     * servers never take each other's files for their own.
     */
    public static String owner(String connectorName, String connectionUrl, String slotName) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {connectorName, connectionUrl, slotName}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            // The slot name is validated as [a-z0-9_]: safe in a file name and in the pattern the sweep matches.
            return slotName + "-" + HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /**
     * Removes the spill files an earlier run of the task {@code owner} left in {@code directory} (a worker that died
     * mid-transaction never closed them); returns how many. Call it once the replication stream has started and before
     * anything is spilled: the slot admits one reader, so no other run of this task can be writing a file of its name
     * then. Only regular files whose whole name is one this task writes are removed; anything else in the directory
     * (other tasks', other programs', links and directories) is left alone.
     */
    public static int sweepStale(Path directory, String owner) {
        Pattern own = Pattern.compile(Pattern.quote(prefix(owner)) + "[0-9]+-[0-9]+" + Pattern.quote(SUFFIX));
        int removed = 0;
        long bytes = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                if (!own.matcher(file.getFileName().toString()).matches() || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                long size = Files.size(file);
                if (Files.deleteIfExists(file)) {
                    removed++;
                    bytes += size;
                }
            }
        } catch (NoSuchFileException absent) {
            return 0;
        } catch (IOException e) {
            log.warn("Could not remove stale spill files of this task from {}: {}", directory, e.getMessage());
        }
        if (removed > 0) {
            log.info("Removed {} spill file(s) ({} bytes) an earlier run of this task left in {}", removed, bytes, directory);
        }
        return removed;
    }

    /**
     * Takes the message if it belongs to streaming: Stream Start/Stop/Abort/Commit and every message inside a stream
     * block. Returns false for messages of ordinary transactions, which the caller hands to the change stream.
     */
    public boolean offer(PgOutputDecoder decoder, ByteBuffer raw, Lsn walLsn) {
        char tag = (char) (raw.get(raw.position()) & 0xFF);
        if (!decoder.inStreamBlock() && tag != 'S' && tag != 'A' && tag != 'c') {
            return false;
        }
        byte[] bytes = new byte[raw.remaining()];
        raw.duplicate().get(bytes);
        PgOutputMessage message = decoder.decode(raw);
        try {
            if (message instanceof StreamStart start) {
                current = spills.get(start.xid());
                if (current == null) {
                    current = new Spill(Files.createTempFile(directory, prefix(owner) + Integer.toUnsignedString(start.xid()) + "-", SUFFIX));
                    spills.put(start.xid(), current);
                }
            } else if (message instanceof PgOutputMessage.StreamStop) {
                current.out.flush();
                current = null;
            } else if (message instanceof StreamAbort abort) {
                abort(abort);
            } else if (message instanceof StreamCommit commit) {
                Spill spill = spills.remove(commit.xid());
                if (spill == null) {
                    throw new PgOutputProtocolException("Stream Commit of transaction " + Integer.toUnsignedString(commit.xid())
                            + " that never streamed a change");
                }
                spill.out.close();
                replay = new Replay(spill, commit, protocolVersion);
            } else {
                if (current == null) {
                    throw new PgOutputProtocolException("Streamed change outside a stream block: " + message);
                }
                current.out.writeInt(subtransactionOf(message));
                current.out.writeLong(walLsn.value());
                current.out.writeInt(bytes.length);
                current.out.write(bytes);
                current.messages++;
            }
        } catch (IOException e) {
            throw new ConnectException("Cannot spill a streamed transaction to " + directory + ": " + e.getMessage(), e);
        }
        return true;
    }

    private void abort(StreamAbort abort) throws IOException {
        Spill spill = spills.get(abort.xid());
        if (spill == null) {
            return;
        }
        if (abort.xid() == abort.subXid()) {
            spills.remove(abort.xid());
            spill.out.close();
            Files.deleteIfExists(spill.file);
            log.debug("Discarded aborted streamed transaction {} ({} spilled changes)", Integer.toUnsignedString(abort.xid()), spill.messages);
        } else {
            spill.abortedSubtransactions.add(abort.subXid());
        }
    }

    /** The start of a task's spill file names, up to the transaction id. */
    private static String prefix(String owner) {
        return "adbsync-" + owner + "-xid-";
    }

    /** Whether a committed streamed transaction is being replayed; the caller drains it before reading further. */
    public boolean replaying() {
        return replay != null;
    }

    /** Replays the next spilled change (with a Begin first and a Commit last) into {@code changes}. */
    public void replayNext(ChangeStream changes, Consumer<SourceRecord> out) {
        Replay r = replay;
        try {
            if (!r.begun) {
                r.begun = true;
                changes.accept(new Begin(r.commit.commitLsn(), r.commit.commitTime(), r.commit.xid()), r.commit.commitLsn(), out);
            }
            int subtransaction;
            try {
                subtransaction = r.in.readInt();
            } catch (EOFException end) {
                changes.accept(new Commit(r.commit.flags(), r.commit.commitLsn(), r.commit.endLsn(), r.commit.commitTime()),
                        r.commit.commitLsn(), out);
                finishReplay();
                return;
            }
            Lsn walLsn = new Lsn(r.in.readLong());
            byte[] bytes = new byte[r.in.readInt()];
            r.in.readFully(bytes);
            PgOutputMessage message = r.decoder.decode(ByteBuffer.wrap(bytes));
            boolean aborted = r.spill.abortedSubtransactions.contains(subtransaction) && isDataChange(message);
            if (!aborted) {
                changes.accept(message, walLsn, out);
            }
        } catch (IOException e) {
            throw new ConnectException("Cannot read spilled transaction " + r.spill.file + ": " + e.getMessage(), e);
        }
    }

    private void finishReplay() throws IOException {
        replay.in.close();
        Files.deleteIfExists(replay.spill.file);
        replay = null;
    }

    private static boolean isDataChange(PgOutputMessage m) {
        return m instanceof PgOutputMessage.Insert || m instanceof PgOutputMessage.Update
                || m instanceof PgOutputMessage.Delete || m instanceof PgOutputMessage.Truncate;
    }

    private static int subtransactionOf(PgOutputMessage m) {
        if (m instanceof PgOutputMessage.Insert i) {
            return i.xid().orElse(0);
        } else if (m instanceof PgOutputMessage.Update u) {
            return u.xid().orElse(0);
        } else if (m instanceof PgOutputMessage.Delete d) {
            return d.xid().orElse(0);
        } else if (m instanceof PgOutputMessage.Truncate t) {
            return t.xid().orElse(0);
        }
        return 0;
    }

    /** Deletes every spill file: after a reconnect the server streams open transactions again from their start. */
    @Override
    public void close() {
        try {
            if (replay != null) {
                finishReplay();
            }
            for (Spill spill : spills.values()) {
                spill.out.close();
                Files.deleteIfExists(spill.file);
            }
        } catch (IOException e) {
            log.warn("Could not remove spill files in {}: {}", directory, e.getMessage());
        }
        spills.clear();
        current = null;
    }
}
