package io.adbsync.stack.postgres;

import io.adbsync.common.jdbc.JdbcUrls;
import org.postgresql.Driver;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server someone else runs, reached through a JDBC URL (the user as a URL parameter, the password from PGPASSWORD or
 * ~/.pgpass, or still as a URL parameter): the tests never stop or start it, and the databases they made on it are
 * dropped on close.
 */
abstract class AttachedServer implements PostgresServer {

    /** Where a URL points, with the credentials psql would use there. */
    record Address(String host, int port, String user, String password, String database) {

        /** The address {@code url} gives; {@code source} names where the URL came from in the error of a URL that is not one. */
        static Address of(String url, String source) {
            Properties parsed = Driver.parseURL(url, new Properties());
            if (parsed == null) {
                throw new IllegalArgumentException(source + " is not a PostgreSQL JDBC URL: " + JdbcUrls.redact(url));
            }
            Properties credentials = ClientCredentials.ofProcess().forUrl(url);
            return new Address(parsed.getProperty("PGHOST").split(",")[0], Integer.parseInt(parsed.getProperty("PGPORT").split(",")[0]),
                    credentials.getProperty("user"), parsed.getProperty("password", credentials.getProperty("password")),
                    parsed.getProperty("PGDBNAME", "postgres"));
        }
    }

    private final Address address;
    private final List<String> created = new CopyOnWriteArrayList<>();

    AttachedServer(Address address) {
        this.address = address;
    }

    @Override
    public String host() {
        return address.host();
    }

    @Override
    public int port() {
        return address.port();
    }

    @Override
    public String user() {
        return address.user();
    }

    @Override
    public String password() {
        return address.password();
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
    public void close() {
        for (String name : created) {
            try {
                dropDatabase(name);
            } catch (SQLException e) {
                LoggerFactory.getLogger(getClass()).warn("Could not drop test database {}: {}", name, e.getMessage());
            }
        }
    }
}
