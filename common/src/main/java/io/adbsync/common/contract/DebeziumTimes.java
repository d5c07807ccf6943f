package io.adbsync.common.contract;

/**
 * The names of Debezium's time encodings other than those of the event contract (EventContract), which a sink reading
 * Debezium's output meets: milliseconds for timestamp(0..3) and time(0..3), nanoseconds in its nanosecond mode, time
 * with time zone as text, and intervals in approximate microseconds.
 */
public final class DebeziumTimes {

    /** INT64: milliseconds since the epoch, no time zone. */
    public static final String TIMESTAMP = "io.debezium.time.Timestamp";
    /** INT32: milliseconds since midnight. */
    public static final String TIME = "io.debezium.time.Time";
    /** INT64: nanoseconds since the epoch, no time zone. */
    public static final String NANO_TIMESTAMP = "io.debezium.time.NanoTimestamp";
    /** INT64: nanoseconds since midnight. */
    public static final String NANO_TIME = "io.debezium.time.NanoTime";
    /** STRING: an ISO-8601 time with its offset. */
    public static final String ZONED_TIME = "io.debezium.time.ZonedTime";
    /** INT64: an interval as microseconds, a month counted as 30.4375 days. */
    public static final String MICRO_DURATION = "io.debezium.time.MicroDuration";

    /**
     * Debezium's ±infinity of a timestamp in microseconds (MicroTimestamp): pgjdbc's PGStatement.DATE_POSITIVE_INFINITY
     * and _NEGATIVE_, read as microseconds (the event contract's own are the long's bounds).
     */
    public static final long MICROS_POSITIVE_INFINITY = 9223372036825200000L;
    public static final long MICROS_NEGATIVE_INFINITY = -9223372036832400000L;
    /** The same in milliseconds (Timestamp). */
    public static final long MILLIS_POSITIVE_INFINITY = MICROS_POSITIVE_INFINITY / 1000;
    public static final long MILLIS_NEGATIVE_INFINITY = MICROS_NEGATIVE_INFINITY / 1000;

    private DebeziumTimes() {
    }
}
