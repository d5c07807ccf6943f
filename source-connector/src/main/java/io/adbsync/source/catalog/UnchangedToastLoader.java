package io.adbsync.source.catalog;

import org.apache.kafka.connect.errors.ConnectException;

import java.util.List;

/**
 * Fetches the current text value of a column the server did not send because it is TOASTed and unchanged, by the
 * row's key. The current value is safe to use: if a later transaction changed it, that change comes later in the
 * stream with the value and overwrites this one.
 * <p>
 * The table is found by its OID and the columns by their names and types as of the Relation message, so a rename
 * after the change does not matter and another table or column that later took the name is never read. Values are
 * read under the same text settings as the stream and the snapshot, so they parse the same way.
 * <p>
 * The read must see the change's own transaction: the server sends a transaction once its commit record is in the
 * WAL, which can be before other sessions see it committed (a synchronous standby being waited for makes that last).
 * Read earlier, a new key is missing and a key the transaction took over from a deleted row shows that row's value.
 * <p>
 * When the value cannot be read any more, the outcome depends on why:
 * <ul>
 *   <li>The row is gone (deleted, or its key changed, after this change): {@link #load} returns null. A later
 *   DELETE or key-changing UPDATE of this key follows in the stream and removes the row, so the value this change
 *   carries instead is never the final one; {@link ChangeRecordFactory} accepts that only where those later
 *   changes are delivered for the table, and fails otherwise.</li>
 *   <li>The table is gone (dropped): {@link RelationGone}; the change stream skips its remaining changes, since the
 *   table's rows are gone at the source and a table created again under its name is copied anew.</li>
 *   <li>A column is gone (dropped, or dropped and re-created with another type): its value as of this
 *   change is nowhere to be read and no later event carries it. Emitting the change without it would silently
 *   change the value (the event contract has no "value unavailable" marker, by design: a placeholder string is
 *   what peers got wrong), so {@link #load} fails with a message naming table and column and the remedy (REPLICA
 *   IDENTITY FULL, which puts the value in the old row and makes re-reads unnecessary).</li>
 * </ul>
 */
@FunctionalInterface
public interface UnchangedToastLoader {

    /**
     * Returns the column's text value, or null if the row is gone (a later delete will follow in the stream), as seen
     * by a read that sees transaction {@code xid} (the change's, as pgoutput's Begin gives it) committed.
     */
    String load(CapturedTable table, CapturedTable.CapturedColumn column, List<KeyValue> key, long xid);

    /**
     * The change's table no longer exists (dropped after the change): its value is nowhere to be read, and neither is
     * anything else of that table, so the change stream skips the table's remaining changes (see ChangeStream).
     */
    final class RelationGone extends ConnectException {
        private final int relationOid;

        public RelationGone(int relationOid, String message) {
            super(message);
            this.relationOid = relationOid;
        }

        public int relationOid() {
            return relationOid;
        }
    }

    /** A key column and its value's text form. */
    record KeyValue(CapturedTable.CapturedColumn column, String text) {
    }
}
