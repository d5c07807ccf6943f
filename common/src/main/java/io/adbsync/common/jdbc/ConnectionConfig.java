package io.adbsync.common.jdbc;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.types.Password;

import java.util.List;
import java.util.Properties;

/**
 * The database connection settings both connectors share: {@code connection.url}, {@code connection.user},
 * {@code connection.password} and {@code connection.ssl.password}.
 */
public record ConnectionConfig(String url, String user, Password password, Password sslPassword) {

    public static final String GROUP = "Connection";
    public static final String URL = "connection.url";
    public static final String USER = "connection.user";
    public static final String PASSWORD = "connection.password";
    public static final String SSL_PASSWORD = "connection.ssl.password";
    /** The application_name of every connection the connectors open, so their sessions can be told apart on the server. */
    public static final String APPLICATION_NAME = "adbsync";
    static final String URL_PREFIX = "jdbc:postgresql://";

    /** Settings without a client key passphrase. */
    public ConnectionConfig(String url, String user, Password password) {
        this(url, user, password, null);
    }

    /** Adds the connection keys to {@code def}; {@code role} says which database they point at. */
    public static ConfigDef define(ConfigDef def, String role) {
        return def
                .define(URL, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new JdbcUrlValidator(),
                        ConfigDef.Importance.HIGH,
                        "JDBC URL of the " + role + " database, e.g. jdbc:postgresql://host:5432/dbname. Only the "
                                + "PostgreSQL driver's URL form is accepted; driver properties may follow after '?', "
                                + "except secrets: a password or sslpassword parameter is refused (the URL is shown in "
                                + "logs, task traces and the REST API, and pgjdbc would let it override "
                                + "connection.password); give the password in connection.password, through a "
                                + "ConfigProvider such as ${file:/path/secrets.properties:password}. TLS: the driver's "
                                + "default sslmode=prefer does not verify the server; sslmode=verify-full with sslrootcert "
                                + "does (add sslcert and sslkey for a client certificate), on every connection of the "
                                + "connector. Server settings in the options parameter (-c name=value ...) apply together "
                                + "with those the connector sets for itself, which win where both set one (see "
                                + "docs/security.md).",
                        GROUP, 1, ConfigDef.Width.LONG, "JDBC URL")
                .define(USER, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                        ConfigDef.Importance.HIGH, "User name to connect to the " + role + " database with.",
                        GROUP, 2, ConfigDef.Width.MEDIUM, "User")
                .define(PASSWORD, ConfigDef.Type.PASSWORD, null, ConfigDef.Importance.HIGH,
                        "Password of connection.user; leave unset for trust or certificate authentication. "
                                + "It is never logged; use a ConfigProvider to keep it out of the connector config.",
                        GROUP, 3, ConfigDef.Width.MEDIUM, "Password")
                .define(SSL_PASSWORD, ConfigDef.Type.PASSWORD, null, ConfigDef.Importance.LOW,
                        "Passphrase of an encrypted client key (the URL's sslkey: a PKCS-12 .p12 file, or a DER "
                                + "PKCS-8 .pk8 key encrypted with PBE-SHA1-3DES), passed to the driver as its sslpassword, "
                                + "which the URL may not carry. Never logged; use a ConfigProvider.",
                        GROUP, 4, ConfigDef.Width.MEDIUM, "Client key passphrase");
    }

    public static ConnectionConfig from(AbstractConfig config) {
        return new ConnectionConfig(config.getString(URL), config.getString(USER), config.getPassword(PASSWORD),
                config.getPassword(SSL_PASSWORD));
    }

    /** The URL as it may be shown in a log line, an exception message or a REST response: secrets hidden. */
    public String redactedUrl() {
        return JdbcUrls.redact(url);
    }

    /**
     * Replaces the echoed value of {@code connection.url} in a validation result by its redacted form, so a
     * secret the user put there (refused by the validator) is not sent back in the REST response.
     */
    public static void redactUrlIn(Config validated) {
        for (ConfigValue value : validated.configValues()) {
            if (value.name().equals(URL) && value.value() instanceof String url) {
                value.value(JdbcUrls.redact(url));
            }
        }
    }

    /** Driver properties for this connection; the secrets are only ever placed here, never in a log line. */
    public Properties driverProperties() {
        Properties props = new Properties();
        props.setProperty("user", user);
        if (password != null && password.value() != null) {
            props.setProperty("password", password.value());
        }
        if (sslPassword != null && sslPassword.value() != null) {
            props.setProperty("sslpassword", sslPassword.value());
        }
        props.setProperty("ApplicationName", APPLICATION_NAME);
        return props;
    }

    @Override
    public String toString() {
        return "ConnectionConfig[url=" + redactedUrl() + ", user=" + user + ", password=" + (password == null ? "null" : Password.HIDDEN)
                + ", sslPassword=" + (sslPassword == null ? "null" : Password.HIDDEN) + "]";
    }

    /**
     * Accepts only {@code jdbc:postgresql://} URLs without secrets, so a typo fails validation on the field rather
     * than at connect time, and a password in the URL is refused both by {@code validate()} and at task start (a
     * config stored before this check, or a ConfigProvider value that changed since). The refused value is quoted
     * redacted: the exception message becomes a task's trace.
     */
    static final class JdbcUrlValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null || ((String) value).isBlank()) {
                throw new ConfigException(name, value, "A JDBC URL is required, e.g. jdbc:postgresql://host:5432/dbname");
            }
            String url = ((String) value).trim();
            if (!url.startsWith(URL_PREFIX) || url.length() == URL_PREFIX.length()) {
                throw new ConfigException(name, JdbcUrls.redact(url), "Must be a PostgreSQL JDBC URL starting with "
                        + URL_PREFIX + " followed by host[:port]/database");
            }
            List<String> secrets = JdbcUrls.secrets(url);
            if (!secrets.isEmpty()) {
                throw new ConfigException(name, JdbcUrls.redact(url), "The URL carries a secret (" + String.join(", ", secrets)
                        + "). A URL is shown in logs, task traces and the REST API, and pgjdbc lets its password override "
                        + PASSWORD + ": remove it from the URL and set " + PASSWORD + ", preferably through a "
                        + "ConfigProvider (e.g. ${file:/etc/adbsync/secrets.properties:password}); a client key's passphrase "
                        + "(sslpassword) goes into " + SSL_PASSWORD + " the same way");
            }
        }

        @Override
        public String toString() {
            return "a URL starting with " + URL_PREFIX;
        }
    }
}
