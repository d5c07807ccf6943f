package io.adbsync.source.types;

/** The server settings under which values are read as text (stream and snapshot alike), so that parsing is exact. */
public final class TextForms {

    /**
     * As {@code options} of a connection: ISO dates, UTC timestamps, ISO 8601 intervals, hex bytea, shortest exact
     * floats and C-locale money (whose text otherwise follows the database's lc_monetary: "-1.234,56 €").
     */
    public static final String SESSION_OPTIONS = "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 "
            + "-c bytea_output=hex -c extra_float_digits=3 -c lc_monetary=C";

    private TextForms() {
    }
}
