package io.adbsync.source.stream;

import io.adbsync.source.wal.Lsn;
import java.util.List;

/**
 * A truncate the stream stopped at because this task reads only part of the truncated tables' rows (one Greenplum
 * segment's): it goes on once every segment's task reached the same truncate and one of them sent it for all.
 *
 * @param localXid     the xid of the truncating transaction on the server this task reads (unsigned)
 * @param commitLsn    that transaction's commit LSN there
 * @param relationOids the truncated tables this task reads in part, in the order of the truncate: captured or not, since
 *                     every segment's task must stop at the same truncates
 * @param tables       their names, for messages
 * @param ordinal      which of the transaction's truncates it is (0 for the first), the same on every segment
 */
public record HeldTruncate(long localXid, Lsn commitLsn, List<Integer> relationOids, List<String> tables, int ordinal) {
}
