package io.adbsync.source.catalog;

import io.adbsync.source.pgoutput.TupleData;

/**
 * Row filters applied to the stream by the connector, for servers whose publications cannot filter rows (before
 * PostgreSQL 15, e.g. AnalyticDB 7). Updates follow the publication semantics: a row that leaves the filter becomes a
 * delete, a row that enters it an insert. Filtered tables have REPLICA IDENTITY FULL, so the old row is whole.
 */
public interface RowFilter {

    /** Whether {@code table} has a filter the connector evaluates. */
    boolean filters(CapturedTable table);

    /** Whether {@code row} (a tuple of {@code table}) satisfies the table's condition. */
    boolean matches(CapturedTable table, TupleData row);

    RowFilter NONE = new RowFilter() {
        @Override
        public boolean filters(CapturedTable table) {
            return false;
        }

        @Override
        public boolean matches(CapturedTable table, TupleData row) {
            return true;
        }
    };
}
