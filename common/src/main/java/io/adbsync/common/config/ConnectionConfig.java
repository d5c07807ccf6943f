package io.adbsync.common.config;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import java.util.Properties;

/** The database connection settings both connectors share: {@code connection.url}, {@code connection.user}, {@code connection.password}. */
public record ConnectionConfig(String url, String user, Password password) {

    public static final String GROUP = "Connection";
    public static final String URL = "connection.url";
    public static final String USER = "connection.user";
    public static final String PASSWORD = "connection.password";
    /** The application_name of every connection the connectors open, so their sessions can be told apart on the server. */
    public static final String APPLICATION_NAME = "adbsync";
    static final String URL_PREFIX = "jdbc:postgresql://";

    /** Adds the three connection keys to {@code def}; {@code role} says which database they point at. */
    public static ConfigDef define(ConfigDef def, String role) {
        return def
                .define(URL, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new JdbcUrlValidator(),
                        ConfigDef.Importance.HIGH,
                        "JDBC URL of the " + role + " database, e.g. jdbc:postgresql://host:5432/dbname. Only the "
                                + "PostgreSQL driver's URL form is accepted; driver properties may follow after '?'.",
                        GROUP, 1, ConfigDef.Width.LONG, "JDBC URL")
                .define(USER, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        ConfigDef.Importance.HIGH, "User name to connect to the " + role + " database with.",
                        GROUP, 2, ConfigDef.Width.MEDIUM, "User")
                .define(PASSWORD, ConfigDef.Type.PASSWORD, null, ConfigDef.Importance.HIGH,
                        "Password of connection.user; leave unset for trust or certificate authentication. "
                                + "It is never logged; use a ConfigProvider to keep it out of the connector config.",
                        GROUP, 3, ConfigDef.Width.MEDIUM, "Password");
    }

    public static ConnectionConfig from(AbstractConfig config) {
        return new ConnectionConfig(config.getString(URL), config.getString(USER), config.getPassword(PASSWORD));
    }

    /** Driver properties for this connection; the password is only ever placed here, never in a log line. */
    public Properties driverProperties() {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null && password.value() != null) {
            props.setProperty("password", password.value());
        }
        props.setProperty("ApplicationName", APPLICATION_NAME);
        return props;
    }

    @Override
    public String toString() {
        return "ConnectionConfig[url=" + url + ", user=" + user + ", password=" + (password == null ? "null" : Password.HIDDEN) + "]";
    }

    /** Accepts only {@code jdbc:postgresql://} URLs, so a typo fails validation on the field rather than at connect time. */
    static final class JdbcUrlValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || ((String) value).isBlank()) {
                throw new ConfigException(name, value, "A JDBC URL is required, e.g. jdbc:postgresql://host:5432/dbname");
            }
            String url = ((String) value).trim();
            if (!url.startsWith(URL_PREFIX) || url.length() == URL_PREFIX.length()) {
                throw new ConfigException(name, value, "Must be a PostgreSQL JDBC URL starting with " + URL_PREFIX
                        + " followed by host[:port]/database");
            }
        }

        @Override
        public String toString() {
            return "a URL starting with " + URL_PREFIX;
        }
    }
}
