package io.adbsync.common.jdbc;

import org.postgresql.PGProperty;

import java.util.Properties;
import java.util.regex.Pattern;

/**
 * How a Greenplum-family server is recognised and how one of its segments is reached: shared by the source task, which
 * reads each segment, and {@code bin/adbsync status}, which reads the segments' slots, so both reach them alike.
 */
public final class GreenplumSegments {

    /** Products whose {@code version()} names a Greenplum-family server. */
    public static final Pattern FAMILY = Pattern.compile("Greenplum|Cloudberry|AnalyticDB");

    /**
     * The session settings of every connection to a segment. A primary segment refuses sessions that are not in utility
     * mode. Read-only because a write in utility mode would change this segment's rows only, behind the coordinator's
     * back (a replicated table's copies would differ, a distributed row could land on the wrong segment): every write
     * the connector makes (heartbeats, publication, replica identity) goes through the coordinator.
     */
    public static final String UTILITY_OPTIONS = "-c gp_role=utility -c default_transaction_read_only=on";

    private GreenplumSegments() {
    }

    /**
     * {@code coordinatorUrl} pointed at a segment's {@code host} and {@code port}, its database and every other parameter
     * (TLS, timeouts) kept, the user's session options followed by {@link #UTILITY_OPTIONS} (so those win where the
     * user set the same).
     */
    public static String utilityUrl(String coordinatorUrl, String host, int port) {
        String options = PGProperty.OPTIONS.getName();
        Properties parsed = org.postgresql.Driver.parseURL(coordinatorUrl, null);
        String users = parsed == null ? null : parsed.getProperty(options);
        return JdbcUrls.withParameter(JdbcUrls.withHost(coordinatorUrl, host, port), options,
                SessionOptions.merge(users, UTILITY_OPTIONS));
    }
}
