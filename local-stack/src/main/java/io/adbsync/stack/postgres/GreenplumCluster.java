package io.adbsync.stack.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A running Greenplum-family cluster reached through its coordinator; databases made here are dropped on close. */
public final class GreenplumCluster extends AttachedServer {

    private final String kind;
    private String version;

    private GreenplumCluster(Address address, String kind) {
        super(address);
        this.kind = kind;
    }

    /** Connects to the coordinator at {@code url} and checks that it is a Greenplum-family server. */
    static GreenplumCluster attach(String url, String kind) {
        Address address = Address.of(url, "The URL " + kind + " gave");
        GreenplumCluster cluster = new GreenplumCluster(address, kind);
        try (Connection c = cluster.connect(address.database());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            cluster.version = rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot connect to the Greenplum coordinator of " + kind + " (" + address.host()
                    + ":" + address.port() + "): " + e.getMessage(), e);
        }
        if (!cluster.version.matches("(?s).*(Greenplum|Cloudberry|AnalyticDB).*")) {
            throw new IllegalStateException("The server of " + kind + " is not Greenplum-family: " + cluster.version);
        }
        return cluster;
    }

    /** What {@code version()} says. */
    public String version() {
        return version;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public void stop(boolean immediate) {
        throw new IllegalStateException("The Greenplum cluster of " + kind + " is shared and is not stopped by the tests");
    }

    @Override
    public void start() {
        throw new IllegalStateException("The Greenplum cluster of " + kind + " is started by its own script");
    }
}
