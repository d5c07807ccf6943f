package io.adbsync.stack.postgres;

import org.postgresql.Driver;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server someone else runs, given as a JDBC URL (the user as a URL parameter, the password from PGPASSWORD or
 * ~/.pgpass, or still as a URL parameter); databases made here are dropped on close.
 */
public final class ExternalPostgres implements PostgresServer {

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final List<String> created = new CopyOnWriteArrayList<>();

    private ExternalPostgres(String host, int port, String user, String password) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /** Connects to {@code url} and checks that it can serve logical replication. */
    public static ExternalPostgres attach(String url) {
        Properties parsed = Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException("ADBSYNC_TEST_PG_URL is not a PostgreSQL JDBC URL: " + io.adbsync.common.jdbc.JdbcUrls.redact(url));
        }
        Properties credentials = ClientCredentials.ofProcess().forUrl(url);
        String user = credentials.getProperty("user");
        ExternalPostgres server = new ExternalPostgres(parsed.getProperty("PGHOST").split(",")[0],
                Integer.parseInt(parsed.getProperty("PGPORT").split(",")[0]), user,
                parsed.getProperty("password", credentials.getProperty("password")));
        try (Connection c = server.connect(parsed.getProperty("PGDBNAME", "postgres"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW wal_level")) {
            rs.next();
            if (!"logical".equals(rs.getString(1))) {
                throw new IllegalStateException("The server at ADBSYNC_TEST_PG_URL has wal_level=" + rs.getString(1)
                        + "; the tests need wal_level=logical");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot connect to ADBSYNC_TEST_PG_URL (" + server.host + ":" + server.port + "): " + e.getMessage(), e);
        }
        return server;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public String kind() {
        return "ADBSYNC_TEST_PG_URL";
    }

    @Override
    public String createDatabase(String prefix) throws SQLException {
        String name = DatabaseNames.create(this, prefix);
        created.add(name);
        return name;
    }

    @Override
    public boolean restartable() {
        return false;
    }

    @Override
    public void stop(boolean immediate) {
        throw new IllegalStateException("A server given by ADBSYNC_TEST_PG_URL cannot be stopped by the tests");
    }

    @Override
    public void start() {
        throw new IllegalStateException("A server given by ADBSYNC_TEST_PG_URL cannot be started by the tests");
    }

    @Override
    public void close() {
        for (String name : created) {
            try {
                DatabaseNames.drop(this, name);
            } catch (SQLException e) {
                org.slf4j.LoggerFactory.getLogger(ExternalPostgres.class).warn("Could not drop test database {}: {}", name, e.getMessage());
            }
        }
        created.clear();
    }
}
