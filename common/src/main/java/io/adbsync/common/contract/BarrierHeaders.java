package io.adbsync.common.contract;

import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;

import java.util.Locale;

/**
 * The record headers that let a sink keep a truncate in order with the row events on every partition of a topic.
 * A truncate has no key, so the source sends one copy of it to each of the topic's N partitions; the sink applies it
 * once every partition has reached its copy (a barrier).
 * <ul>
 *   <li>{@value #PARTITIONS}: N, the partition count the source believes the record's topic has, on every record of
 *   a table topic. A record on a partition at or above N tells the sink that the topic has more partitions than the
 *   source sends truncate copies to.</li>
 *   <li>{@value #BARRIER}: on each copy of a truncate, an id the same on all copies and on any re-send of them.</li>
 *   <li>{@value #POSITION}: on every streamed record (rows, tombstones, truncate copies) of a topic of several
 *   partitions, its place in the source
 *   server's commit order ({@link Position}); a sink skips a re-sent streamed record that precedes a truncate it
 *   applied.</li>
 * </ul>
 * Values are plain text that Connect's default {@code SimpleHeaderConverter} reads back to the same text.
 */
public final class BarrierHeaders {

    public static final String PARTITIONS = "adbsync.partitions";
    public static final String BARRIER = "adbsync.barrier";
    public static final String POSITION = "adbsync.position";

    private BarrierHeaders() {
    }

    /**
     * The partition count a record's {@value #PARTITIONS} header states, or 0 when it has none; an
     * {@link IllegalArgumentException} says what is malformed.
     */
    public static int partitions(Headers headers) {
        Header header = headers == null ? null : headers.lastWithName(PARTITIONS);
        // Connect's header converter reads "4" back as a number: taken as it is, not printed and parsed per record.
        if (header != null && (header.value() instanceof Byte || header.value() instanceof Short
                || header.value() instanceof Integer) && ((Number) header.value()).intValue() >= 1) {
            return ((Number) header.value()).intValue();
        }
        String text = header == null || header.value() == null ? null : header.value().toString();
        if (text == null) {
            return 0;
        }
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below with what the header should hold.
        }
        throw new IllegalArgumentException("Header " + PARTITIONS + " must be a partition count of at least 1, not '" + text + "'");
    }

    /** The barrier id of a truncate copy, or null when the record is none. */
    public static String barrier(Headers headers) {
        String text = text(headers, BARRIER);
        if (text != null && text.isBlank()) {
            throw new IllegalArgumentException("Header " + BARRIER + " must not be empty");
        }
        return text;
    }

    /** The position a streamed record's {@value #POSITION} header states, or null when it has none. */
    public static Position position(Headers headers) {
        String text = text(headers, POSITION);
        return text == null ? null : Position.decode(text);
    }

    private static String text(Headers headers, String name) {
        if (headers == null) {
            return null;
        }
        Header header = headers.lastWithName(name);
        return header == null || header.value() == null ? null : header.value().toString();
    }

    /**
     * Where a streamed change stands in the source's commit order: the source server (its system identifier, which
     * stays the same on a promoted standby and differs on any other server), the commit LSN of its transaction, then
     * its record index inside the transaction. Every record the source streams after another from the same server has
     * a greater position, whatever restarts happen in between, which is what lets a sink recognize a re-sent older
     * record. Positions of different servers are not ordered: LSNs of a new server start again from low values.
     */
    public record Position(String source, long commitLsn, long event) {

        /** Whether this position comes before {@code other}; never when they are of different servers. */
        public boolean before(Position other) {
            if (!source.equals(other.source)) {
                return false;
            }
            int byLsn = Long.compareUnsigned(commitLsn, other.commitLsn);
            return byLsn != 0 ? byLsn < 0 : event < other.event;
        }

        /**
         * The LSN as PostgreSQL prints it, the index and the server, e.g. {@code 0/16B3748@12@7301234567890123456}
         * (no ':' — Connect's SimpleHeaderConverter would read a value with one as something else).
         */
        public String encode() {
            return Long.toHexString(commitLsn >>> 32).toUpperCase(Locale.ROOT) + "/"
                    + Long.toHexString(commitLsn & 0xFFFFFFFFL).toUpperCase(Locale.ROOT) + "@" + event + "@" + source;
        }

        public static Position decode(String text) {
            int slash = text.indexOf('/');
            int at = text.indexOf('@');
            int second = at < 0 ? -1 : text.indexOf('@', at + 1);
            if (slash > 0 && at > slash + 1 && second > at + 1) {
                try {
                    long high = Long.parseLong(text.substring(0, slash), 16);
                    long low = Long.parseLong(text.substring(slash + 1, at), 16);
                    long event = Long.parseLong(text.substring(at + 1, second));
                    if (high >= 0 && high <= 0xFFFFFFFFL && low >= 0 && low <= 0xFFFFFFFFL && event >= 0) {
                        return new Position(text.substring(second + 1), high << 32 | low, event);
                    }
                } catch (NumberFormatException e) {
                    // Reported below with what the header should hold.
                }
            }
            throw new IllegalArgumentException("Header " + POSITION + " must read <commit LSN>@<index>@<server>, e.g. "
                    + "0/16B3748@12@7301234567890123456, not '" + text + "'");
        }

        @Override
        public String toString() {
            return encode();
        }
    }
}
