package io.adbsync.stack.postgres;

import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

/** A running Greenplum-family cluster reached through its coordinator; databases made here are dropped on close. */
public final class GreenplumCluster implements PostgresServer {

    private static final Logger log = LoggerFactory.getLogger(GreenplumCluster.class);

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String kind;
    private String version;
    private final List<String> created = new CopyOnWriteArrayList<>();

    private GreenplumCluster(String host, int port, String user, String password, String kind) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.kind = kind;
    }

    /** Connects to the coordinator at {@code url} and checks that it is a Greenplum-family server. */
    static GreenplumCluster attach(String url, String kind) {
        Properties parsed = Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException(kind + " did not give a PostgreSQL JDBC URL: " + io.adbsync.common.jdbc.JdbcUrls.redact(url));
        }
        Properties credentials = ClientCredentials.ofProcess().forUrl(url);
        GreenplumCluster cluster = new GreenplumCluster(parsed.getProperty("PGHOST").split(",")[0],
                Integer.parseInt(parsed.getProperty("PGPORT").split(",")[0]), credentials.getProperty("user"),
                parsed.getProperty("password", credentials.getProperty("password")), kind);
        try (Connection c = cluster.connect(parsed.getProperty("PGDBNAME", "postgres"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version()")) {
            rs.next();
            cluster.version = rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot connect to the Greenplum coordinator of " + kind + " (" + cluster.host
                    + ":" + cluster.port + "): " + e.getMessage(), e);
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
        return kind;
    }

    @Override
    public String createDatabase(String prefix) throws SQLException {
        String name = DatabaseNames.create(this, prefix);
        created.add(name);
        return name;
    }

    @Override
    public void dropDatabase(String name) throws SQLException {
        DatabaseNames.drop(this, name);
        created.remove(name);
    }

    @Override
    public boolean restartable() {
        return false;
    }

    @Override
    public void stop(boolean immediate) {
        throw new IllegalStateException("The Greenplum cluster of " + kind + " is shared and is not stopped by the tests");
    }

    @Override
    public void start() {
        throw new IllegalStateException("The Greenplum cluster of " + kind + " is started by its own script");
    }

    @Override
    public void close() {
        for (String name : created) {
            try {
                dropDatabase(name);
            } catch (SQLException e) {
                log.warn("Could not drop test database {}: {}", name, e.getMessage());
            }
        }
    }
}
