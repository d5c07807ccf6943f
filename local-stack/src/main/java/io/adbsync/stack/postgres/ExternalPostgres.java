package io.adbsync.stack.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The server ADBSYNC_TEST_PG_URL names, checked to serve logical replication. */
public final class ExternalPostgres extends AttachedServer {

    private ExternalPostgres(Address address) {
        super(address);
    }

    /** Connects to {@code url} and checks that it can serve logical replication. */
    public static ExternalPostgres attach(String url) {
        Address address = Address.of(url, "ADBSYNC_TEST_PG_URL");
        ExternalPostgres server = new ExternalPostgres(address);
        try (Connection c = server.connect(address.database());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW wal_level")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                throw new IllegalStateException("The server at ADBSYNC_TEST_PG_URL has wal_level=" + rs.getString(1)
                        + "; the tests need wal_level=logical");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot connect to ADBSYNC_TEST_PG_URL (" + address.host() + ":" + address.port() + "): "
                    + e.getMessage(), e);
        }
        return server;
    }

    @Override
    public String kind() {
        return "ADBSYNC_TEST_PG_URL";
    }

    @Override
    public void stop(boolean immediate) {
        throw new IllegalStateException("A server given by ADBSYNC_TEST_PG_URL cannot be stopped by the tests");
    }

    @Override
    public void start() {
        throw new IllegalStateException("A server given by ADBSYNC_TEST_PG_URL cannot be started by the tests");
    }
}
