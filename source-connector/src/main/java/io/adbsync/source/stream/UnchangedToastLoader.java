package io.adbsync.source.stream;

import java.util.List;

/**
 * Fetches the current text value of a column the server did not send because it is TOASTed and unchanged, by the
 * row's key. The current value is safe to use: if a later transaction changed it, that change comes later in the
 * stream with the value and overwrites this one.
 */
@FunctionalInterface
public interface UnchangedToastLoader {

    /** Returns the column's text value, or null if the row is gone (a later delete will follow in the stream). */
    String load(CapturedTable table, CapturedTable.CapturedColumn column, List<KeyValue> key);

    /** A key column and its value's text form. */
    record KeyValue(CapturedTable.CapturedColumn column, String text) {
    }
}
