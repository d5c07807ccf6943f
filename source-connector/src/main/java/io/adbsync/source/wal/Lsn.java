package io.adbsync.source.wal;

import java.util.Locale;
import java.util.regex.Pattern;
import org.postgresql.replication.LogSequenceNumber;

/**
 * A PostgreSQL log sequence number: a position in the WAL. The 64 bits are unsigned, so positions compare with
 * {@link Long#compareUnsigned}; a signed {@code <} on the raw value orders every position from 2^63 on before 0.
 * Written as PostgreSQL writes a {@code pg_lsn}: two hexadecimal halves around a slash, e.g. {@code 16/B374D848}.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    /** As PostgreSQL's pg_lsn input takes it: no sign, no spaces, at most 32 bits a half. */
    private static final Pattern TEXT = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    /** Reads the text form of a {@code pg_lsn} (as {@code pg_current_wal_lsn()::text} gives it). */
    public static Lsn parse(String text) {
        if (text == null || !TEXT.matcher(text).matches()) {
            throw notAnLsn(text);
        }
        int slash = text.indexOf('/');
        long high = Long.parseLong(text, 0, slash, 16);
        long low = Long.parseLong(text, slash + 1, text.length(), 16);
        return new Lsn(high << 32 | low);
    }

    private static IllegalArgumentException notAnLsn(String text) {
        return new IllegalArgumentException("Not a PostgreSQL LSN: '" + text + "' (expected two hexadecimal numbers of "
                + "up to 8 digits around a slash, as in 16/B374D848)");
    }

    /** The position pgjdbc reports, where the replication connection hands one over. */
    public static Lsn of(LogSequenceNumber lsn) {
        return new Lsn(lsn.asLong());
    }

    /** The later of two positions. */
    public static Lsn max(Lsn a, Lsn b) {
        return a.isBefore(b) ? b : a;
    }

    /** This position as pgjdbc takes it, for the replication connection. */
    public LogSequenceNumber toPgjdbc() {
        return LogSequenceNumber.valueOf(value);
    }

    public boolean isBefore(Lsn other) {
        return compareTo(other) < 0;
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    /** The {@code pg_lsn} text form, e.g. {@code 16/B374D848}. */
    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase(Locale.ROOT) + "/"
                + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase(Locale.ROOT);
    }
}
