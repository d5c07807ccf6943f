package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.GreenplumSegments;

/**
 * A primary segment of a Greenplum cluster as the coordinator's {@code gp_segment_configuration} lists it, and how to
 * reach it in utility mode.
 *
 * @param content the segment's content id (0 .. n-1), which names its share of the rows
 * @param dbid    the instance's id in the catalog
 * @param host    the {@code address} the coordinator itself reaches the segment at
 * @param port    the segment's port
 * @param up      whether the catalog marks it up ({@code status = 'u'})
 */
public record Segment(int content, int dbid, String host, int port, boolean up) {

    /** The session settings of every connection to a segment ({@link GreenplumSegments#UTILITY_OPTIONS}). */
    public static final String UTILITY_OPTIONS = GreenplumSegments.UTILITY_OPTIONS;

    /** How messages name it: {@code segment 1 at sdw2:6001}. */
    public String describe() {
        return "segment " + content + " at " + host + ":" + port;
    }

    /**
     * The settings of a connection to this segment in utility mode: {@code coordinator}'s URL pointed at this segment,
     * its database and every other parameter (TLS, timeouts) kept, the user's session options followed by
     * {@link #UTILITY_OPTIONS} (so those win where the user set the same), and the same credentials. Everything that
     * opens connections from a {@link ConnectionConfig} (the catalog, the snapshot, the replication stream) then
     * reaches the segment unchanged, and adds its own session options after these.
     */
    public ConnectionConfig utilityConnection(ConnectionConfig coordinator) {
        String url = GreenplumSegments.utilityUrl(coordinator.url(), host, port);
        return new ConnectionConfig(url, coordinator.user(), coordinator.password(), coordinator.sslPassword());
    }
}
