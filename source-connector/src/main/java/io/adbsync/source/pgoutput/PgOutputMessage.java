package io.adbsync.source.pgoutput;

import io.adbsync.source.wal.Lsn;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One message of the pgoutput logical replication protocol (versions 1 to 4), decoded into an immutable value.
 * LSNs are WAL positions; timestamps are microseconds since 2000-01-01 as the server sends them.
 * {@code xid} is present on data messages only inside a streamed (in-progress) transaction block.
 */
public sealed interface PgOutputMessage {

    /** Start of a transaction; {@code finalLsn} is the LSN of its commit record. */
    record Begin(Lsn finalLsn, long commitTime, int xid) implements PgOutputMessage {
    }

    /** End of a transaction. */
    record Commit(int flags, Lsn commitLsn, Lsn endLsn, long commitTime) implements PgOutputMessage {
    }

    /** The transaction came from another origin (replication cascade). */
    record Origin(Lsn originCommitLsn, String name) implements PgOutputMessage {
    }

    /** A relation's shape: sent before its first change in a session and again after any change of it. */
    record Relation(OptionalInt xid, int oid, String namespace, String name, char replicaIdentity,
                    List<Column> columns) implements PgOutputMessage {
        public Relation {
            columns = List.copyOf(columns);
        }
    }

    /** A column of a {@link Relation}; {@code key} marks membership in the replica identity. */
    record Column(boolean key, String name, int typeOid, int typeModifier) {
    }

    /** Names a non-built-in data type used by a following relation. */
    record Type(OptionalInt xid, int oid, String namespace, String name) implements PgOutputMessage {
    }

    record Insert(OptionalInt xid, int relationOid, TupleData newTuple) implements PgOutputMessage {
    }

    /**
     * An update. {@code oldKind} is 'K' (old key columns; the key changed), 'O' (whole old row, REPLICA IDENTITY
     * FULL) or 0 when no old tuple was sent; {@code oldTuple} is null exactly when {@code oldKind} is 0.
     */
    record Update(OptionalInt xid, int relationOid, char oldKind, TupleData oldTuple, TupleData newTuple)
            implements PgOutputMessage {
    }

    /** A delete; {@code oldKind} is 'K' (key columns only) or 'O' (whole old row). */
    record Delete(OptionalInt xid, int relationOid, char oldKind, TupleData oldTuple) implements PgOutputMessage {
    }

    record Truncate(OptionalInt xid, boolean cascade, boolean restartIdentity, List<Integer> relationOids)
            implements PgOutputMessage {
        public Truncate {
            relationOids = List.copyOf(relationOids);
        }
    }

    /** A message written with pg_logical_emit_message. */
    record LogicalMessage(OptionalInt xid, boolean transactional, Lsn lsn, String prefix, byte[] content)
            implements PgOutputMessage {
    }

    /** Opens a block of changes of an in-progress transaction (protocol 2+, streaming on). */
    record StreamStart(int xid, boolean firstSegment) implements PgOutputMessage {
    }

    record StreamStop() implements PgOutputMessage {
    }

    record StreamCommit(int xid, int flags, Lsn commitLsn, Lsn endLsn, long commitTime) implements PgOutputMessage {
    }

    /**
     * A streamed (sub)transaction was aborted. {@code abortLsn} and {@code abortTime} come only with protocol 4
     * and parallel streaming; otherwise the LSN is empty and the time 0.
     */
    record StreamAbort(int xid, int subXid, Optional<Lsn> abortLsn, long abortTime) implements PgOutputMessage {
    }

    /** Two-phase commit (protocol 3+): start of a prepared transaction's changes. */
    record BeginPrepare(Lsn prepareLsn, Lsn endLsn, long prepareTime, int xid, String gid) implements PgOutputMessage {
    }

    record Prepare(int flags, Lsn prepareLsn, Lsn endLsn, long prepareTime, int xid, String gid)
            implements PgOutputMessage {
    }

    record CommitPrepared(int flags, Lsn commitLsn, Lsn endLsn, long commitTime, int xid, String gid)
            implements PgOutputMessage {
    }

    record RollbackPrepared(int flags, Lsn prepareEndLsn, Lsn rollbackEndLsn, long prepareTime, long rollbackTime,
                            int xid, String gid) implements PgOutputMessage {
    }

    record StreamPrepare(int flags, Lsn prepareLsn, Lsn endLsn, long prepareTime, int xid, String gid)
            implements PgOutputMessage {
    }
}
