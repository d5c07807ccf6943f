package io.adbsync.common.jdbc;


import org.postgresql.PGProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens every connection of both connectors from a {@link ConnectionConfig} with the PostgreSQL driver: the one place
 * where the URL's session options meet the connection's own, and where a refusal by TLS is explained.
 */
public final class Jdbc {

    private static final Logger log = LoggerFactory.getLogger(Jdbc.class);
    private static final String OPTIONS = PGProperty.OPTIONS.getName();
    /** Collisions already warned about: a task reopens its connections after each failure. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private Jdbc() {
    }

    public static Connection open(ConnectionConfig config) throws SQLException {
        return open(config, new Properties());
    }

    /**
     * Driver properties for a connection that must not hang on an unreachable or stuck server: {@code connectSeconds}
     * to connect and log in, {@code socketSeconds} for any reply.
     */
    public static Properties timeouts(int connectSeconds, int socketSeconds) {
        Properties timeouts = new Properties();
        timeouts.setProperty("connectTimeout", Integer.toString(connectSeconds));
        timeouts.setProperty("loginTimeout", Integer.toString(connectSeconds));
        timeouts.setProperty("socketTimeout", Integer.toString(socketSeconds));
        return timeouts;
    }

    /** The URL and properties {@link #open(ConnectionConfig, Properties)} hands to the driver. */
    record DriverArguments(String url, Properties properties) {
    }

    /** Opens a connection; {@code extra} driver properties override the defaults (e.g. {@code replication=database}). */
    public static Connection open(ConnectionConfig config, Properties extra) throws SQLException {
        DriverArguments arguments = arguments(config, extra);
        // The connector's own class loader holds the driver; DriverManager would not see it from a plugin loader.
        org.postgresql.Driver driver = new org.postgresql.Driver();
        Connection connection;
        try {
            connection = driver.connect(arguments.url(), arguments.properties());
        } catch (SQLException e) {
            // pgjdbc's words for a TLS refusal ("PKIX path building failed") do not say which setting to look at.
            throw TlsFailures.explain(e);
        }
        if (connection == null) {
            throw new SQLException("The PostgreSQL driver does not accept the URL " + config.redactedUrl(), "08001");
        }
        return connection;
    }

    /**
     * The driver's URL and properties. pgjdbc lets a URL parameter win over a property, so an {@code options=} in the
     * URL would replace the session settings a connection sets for itself in {@code extra}: here both are merged into
     * the property ({@link SessionOptions}) and the parameter leaves the URL. Any other parameter the connection sets
     * itself leaves the URL too.
     */
    static DriverArguments arguments(ConnectionConfig config, Properties extra) {
        Properties props = config.driverProperties();
        props.putAll(extra);
        String url = config.url();
        String ours = extra.getProperty(OPTIONS);
        Properties parsed = extra.isEmpty() ? null : org.postgresql.Driver.parseURL(url, null);
        if (parsed != null) {
            // The connection's own properties (replication=database and the simple protocol for a stream, timeouts
            // chosen for the call) are what it needs to work: the URL's parameter of the same name leaves it.
            for (String name : extra.stringPropertyNames()) {
                String theirs = parsed.getProperty(name);
                if (!name.equals(OPTIONS) && theirs != null) {
                    url = JdbcUrls.withoutParameter(url, name);
                    if (!theirs.equals(extra.getProperty(name)) && WARNED.add(name + "=" + theirs)) {
                        log.warn("{} sets {}={}, which this connection sets itself to {}: its own value applies", ConnectionConfig.URL,
                                name, theirs, extra.getProperty(name));
                    }
                }
            }
        }
        String users = ours == null || parsed == null ? null : parsed.getProperty(OPTIONS);
        if (users != null) {
            url = JdbcUrls.withoutParameter(url, OPTIONS);
            props.setProperty(OPTIONS, SessionOptions.merge(users, ours));
            List<String> collisions = SessionOptions.collisions(users, ours);
            if (!collisions.isEmpty() && WARNED.add(collisions + " " + ours)) {
                log.warn("The options of {} set {}, which this connection sets itself ({}): its own values apply, since "
                        + "reading values exactly depends on them", ConnectionConfig.URL, collisions, ours);
            }
        }
        return new DriverArguments(url, props);
    }
}
