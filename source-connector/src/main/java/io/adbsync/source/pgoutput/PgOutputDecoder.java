package io.adbsync.source.pgoutput;

import io.adbsync.source.pgoutput.PgOutputMessage.Begin;
import io.adbsync.source.pgoutput.PgOutputMessage.BeginPrepare;
import io.adbsync.source.pgoutput.PgOutputMessage.Column;
import io.adbsync.source.pgoutput.PgOutputMessage.Commit;
import io.adbsync.source.pgoutput.PgOutputMessage.CommitPrepared;
import io.adbsync.source.pgoutput.PgOutputMessage.Delete;
import io.adbsync.source.pgoutput.PgOutputMessage.Insert;
import io.adbsync.source.pgoutput.PgOutputMessage.LogicalMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Origin;
import io.adbsync.source.pgoutput.PgOutputMessage.Prepare;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputMessage.RollbackPrepared;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamAbort;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamCommit;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamPrepare;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamStart;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamStop;
import io.adbsync.source.pgoutput.PgOutputMessage.Truncate;
import io.adbsync.source.pgoutput.PgOutputMessage.Type;
import io.adbsync.source.pgoutput.PgOutputMessage.Update;
import io.adbsync.source.wal.Lsn;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Decodes pgoutput messages (protocol versions 1 to 4) from the bytes of one CopyData payload. Stateful only in
 * knowing whether a streamed-transaction block is open, because data messages then carry an xid. Strict: any byte
 * it does not expect is an error naming the message and offset, so a server that differs shows up at once.
 */
public final class PgOutputDecoder {

    private final int protocolVersion;
    private final boolean parallelStreaming;
    private boolean inStreamBlock;

    /**
     * @param protocolVersion   the proto_version asked of the server (1 to 4)
     * @param parallelStreaming whether streaming=parallel was asked (protocol 4), which lengthens Stream Abort
     */
    public PgOutputDecoder(int protocolVersion, boolean parallelStreaming) {
        if (protocolVersion < 1 || protocolVersion > 4) {
            throw new IllegalArgumentException("pgoutput protocol version must be 1 to 4, not " + protocolVersion);
        }
        this.protocolVersion = protocolVersion;
        this.parallelStreaming = parallelStreaming;
    }

    /**
     * A decoder for data messages that were inside a Stream Start / Stream Stop block when received and are decoded
     * again later (spilled streamed transactions): they carry an xid.
     */
    public static PgOutputDecoder forStreamedMessages(int protocolVersion) {
        PgOutputDecoder decoder = new PgOutputDecoder(protocolVersion, false);
        decoder.inStreamBlock = true;
        return decoder;
    }

    /**
     * Decodes one message; the buffer's position moves past it. Whatever the bytes, the only exception is a
     * {@link PgOutputProtocolException} naming the message type and the offset in the message where decoding stopped:
     * every length and count is checked against the bytes left before anything is allocated for it.
     */
    public PgOutputMessage decode(ByteBuffer buffer) {
        int start = buffer.position();
        int size = buffer.remaining();
        if (size == 0) {
            throw new PgOutputProtocolException("pgoutput message is empty (no type byte) at offset 0");
        }
        char tag = (char) (buffer.get() & 0xFF);
        try {
            PgOutputMessage message = decode(tag, buffer);
            if (buffer.hasRemaining()) {
                throw new Malformed(buffer.remaining() + " unexpected trailing byte(s)");
            }
            return message;
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new PgOutputProtocolException("pgoutput message '" + tag + "' ends early (" + size + " bytes) at offset "
                    + (buffer.position() - start));
        } catch (Malformed e) {
            throw new PgOutputProtocolException("pgoutput message '" + tag + "'" + (e.endsEarly ? " ends early" : "") + " ("
                    + size + " bytes) at offset " + (buffer.position() - start) + ": " + e.getMessage());
        }
    }

    /** A message that does not follow the protocol; {@link #decode(ByteBuffer)} adds its type and offset. */
    private static final class Malformed extends RuntimeException {
        final boolean endsEarly;

        Malformed(String message) {
            this(message, false);
        }

        Malformed(String message, boolean endsEarly) {
            super(message, null, false, false);
            this.endsEarly = endsEarly;
        }
    }

    /** Whether the decoder is between Stream Start and Stream Stop. */
    public boolean inStreamBlock() {
        return inStreamBlock;
    }

    private PgOutputMessage decode(char tag, ByteBuffer b) {
        return switch (tag) {
            case 'B' -> new Begin(lsn(b), b.getLong(), b.getInt());
            case 'C' -> new Commit(b.get(), lsn(b), lsn(b), b.getLong());
            case 'O' -> new Origin(lsn(b), string(b));
            case 'R' -> relation(b);
            case 'Y' -> new Type(xid(b), b.getInt(), string(b), string(b));
            case 'I' -> insert(b);
            case 'U' -> update(b);
            case 'D' -> delete(b);
            case 'T' -> truncate(b);
            case 'M' -> logicalMessage(b);
            case 'S' -> streamStart(b);
            case 'E' -> streamStop();
            case 'c' -> {
                requireVersion(tag, 2);
                yield new StreamCommit(b.getInt(), b.get(), lsn(b), lsn(b), b.getLong());
            }
            case 'A' -> streamAbort(b);
            case 'b' -> {
                requireVersion(tag, 3);
                yield new BeginPrepare(lsn(b), lsn(b), b.getLong(), b.getInt(), string(b));
            }
            case 'P' -> {
                requireVersion(tag, 3);
                yield new Prepare(b.get(), lsn(b), lsn(b), b.getLong(), b.getInt(), string(b));
            }
            case 'K' -> {
                requireVersion(tag, 3);
                yield new CommitPrepared(b.get(), lsn(b), lsn(b), b.getLong(), b.getInt(), string(b));
            }
            case 'r' -> {
                requireVersion(tag, 3);
                yield new RollbackPrepared(b.get(), lsn(b), lsn(b), b.getLong(), b.getLong(), b.getInt(), string(b));
            }
            case 'p' -> {
                requireVersion(tag, 3);
                yield new StreamPrepare(b.get(), lsn(b), lsn(b), b.getLong(), b.getInt(), string(b));
            }
            default -> throw new Malformed("Unknown pgoutput message type '" + tag + "' (0x"
                    + Integer.toHexString(tag) + ") for protocol version " + protocolVersion);
        };
    }

    private Relation relation(ByteBuffer b) {
        OptionalInt xid = xid(b);
        int oid = b.getInt();
        String namespace = string(b);
        String name = string(b);
        char replicaIdentity = (char) b.get();
        int count = b.getShort() & 0xFFFF;
        List<Column> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int flags = b.get();
            columns.add(new Column((flags & 1) != 0, string(b), b.getInt(), b.getInt()));
        }
        // An empty namespace means pg_catalog, as the protocol documents.
        return new Relation(xid, oid, namespace.isEmpty() ? "pg_catalog" : namespace, name, replicaIdentity, columns);
    }

    private Insert insert(ByteBuffer b) {
        OptionalInt xid = xid(b);
        int relation = b.getInt();
        expect(b, 'N', "Insert");
        return new Insert(xid, relation, tuple(b));
    }

    private Update update(ByteBuffer b) {
        OptionalInt xid = xid(b);
        int relation = b.getInt();
        char kind = (char) b.get();
        char oldKind = 0;
        TupleData oldTuple = null;
        if (kind == 'K' || kind == 'O') {
            oldKind = kind;
            oldTuple = tuple(b);
            kind = (char) b.get();
        }
        if (kind != 'N') {
            throw new Malformed("Update of relation " + relation + ": expected 'N', 'K' or 'O', got '" + kind + "'");
        }
        return new Update(xid, relation, oldKind, oldTuple, tuple(b));
    }

    private Delete delete(ByteBuffer b) {
        OptionalInt xid = xid(b);
        int relation = b.getInt();
        char kind = (char) b.get();
        if (kind != 'K' && kind != 'O') {
            throw new Malformed("Delete of relation " + relation + ": expected 'K' or 'O', got '" + kind + "'");
        }
        return new Delete(xid, relation, kind, tuple(b));
    }

    private Truncate truncate(ByteBuffer b) {
        OptionalInt xid = xid(b);
        int count = count(b, b.getInt(), 4, "relation(s)");
        int options = b.get();
        List<Integer> relations = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            relations.add(b.getInt());
        }
        return new Truncate(xid, (options & 1) != 0, (options & 2) != 0, relations);
    }

    private static Lsn lsn(ByteBuffer b) {
        return new Lsn(b.getLong());
    }

    private LogicalMessage logicalMessage(ByteBuffer b) {
        OptionalInt xid = xid(b);
        boolean transactional = (b.get() & 1) != 0;
        Lsn lsn = lsn(b);
        String prefix = string(b);
        byte[] content = bytes(b, b.getInt(), "message content");
        return new LogicalMessage(xid, transactional, lsn, prefix, content);
    }

    private StreamStart streamStart(ByteBuffer b) {
        requireVersion('S', 2);
        StreamStart start = new StreamStart(b.getInt(), b.get() == 1);
        inStreamBlock = true;
        return start;
    }

    private StreamStop streamStop() {
        requireVersion('E', 2);
        inStreamBlock = false;
        return new StreamStop();
    }

    private StreamAbort streamAbort(ByteBuffer b) {
        requireVersion('A', 2);
        int xid = b.getInt();
        int subXid = b.getInt();
        if (protocolVersion >= 4 && parallelStreaming) {
            return new StreamAbort(xid, subXid, Optional.of(lsn(b)), b.getLong());
        }
        return new StreamAbort(xid, subXid, Optional.empty(), 0);
    }

    private static TupleData tuple(ByteBuffer b) {
        int count = b.getShort() & 0xFFFF;
        List<TupleData.Value> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            char kind = (char) b.get();
            values.add(switch (kind) {
                case 'n' -> TupleData.Value.NULL;
                case 'u' -> TupleData.Value.UNCHANGED_TOAST;
                case 't', 'b' -> new TupleData.Value(kind, bytes(b, b.getInt(), "value of column " + (i + 1)));
                default -> throw new Malformed("Unknown tuple value kind '" + kind + "' in column " + (i + 1));
            });
        }
        return new TupleData(values);
    }

    private OptionalInt xid(ByteBuffer b) {
        return inStreamBlock ? OptionalInt.of(b.getInt()) : OptionalInt.empty();
    }

    private void requireVersion(char tag, int version) {
        if (protocolVersion < version) {
            throw new Malformed("needs protocol version " + version + " but version " + protocolVersion + " was negotiated");
        }
    }

    private static void expect(ByteBuffer b, char expected, String message) {
        char actual = (char) b.get();
        if (actual != expected) {
            throw new Malformed(message + ": expected '" + expected + "', got '" + actual + "'");
        }
    }

    /**
     * Reads {@code length} bytes, after checking that the message holds them: a corrupt length must not become a
     * negative or a 2 GB allocation.
     */
    private static byte[] bytes(ByteBuffer b, int length, String what) {
        if (length < 0 || length > b.remaining()) {
            int left = b.remaining();
            // The offset reported is the length field's, where the corruption is.
            b.position(b.position() - 4);
            throw new Malformed("the " + what + " claims " + length + " bytes, " + left + " follow", length >= 0);
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return bytes;
    }

    /** Checks a count of items of at least {@code itemBytes} bytes each against the bytes left, before sizing a list. */
    private static int count(ByteBuffer b, int count, int itemBytes, String what) {
        if (count < 0 || (long) count * itemBytes > b.remaining()) {
            int left = b.remaining();
            b.position(b.position() - 4);
            throw new Malformed("it claims " + count + " " + what + " of " + itemBytes + " bytes, " + left + " bytes follow",
                    count >= 0);
        }
        return count;
    }

    private static String string(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(bytes);
        b.get(); // the terminating NUL
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
