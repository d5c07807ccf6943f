package io.adbsync.common.jdbc;

import io.adbsync.common.config.ConnectionConfig;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/** Opens connections from a {@link ConnectionConfig} with the PostgreSQL driver. */
public final class Jdbc {

    private Jdbc() {
    }

    public static Connection open(ConnectionConfig config) throws SQLException {
        return open(config, new Properties());
    }

    /** Opens a connection; {@code extra} driver properties override the defaults (e.g. {@code replication=database}). */
    public static Connection open(ConnectionConfig config, Properties extra) throws SQLException {
        Properties props = config.driverProperties();
        props.putAll(extra);
        // The connector's own class loader holds the driver; DriverManager would not see it from a plugin loader.
        org.postgresql.Driver driver = new org.postgresql.Driver();
        Connection connection;
        try {
            connection = driver.connect(config.url(), props);
        } catch (SQLException e) {
            // pgjdbc's words for a TLS refusal ("PKIX path building failed") do not say which setting to look at.
            throw TlsFailures.explain(e);
        }
        if (connection == null) {
            throw new SQLException("The PostgreSQL driver does not accept the URL " + config.redactedUrl(), "08001");
        }
        return connection;
    }
}
