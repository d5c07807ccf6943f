package io.adbsync.stack.postgres;

import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Where the command line finds a password, as libpq's tools do, since pgjdbc reads neither: the PGPASSWORD environment
 * variable, else the first matching line of the password file (PGPASSFILE, default ~/.pgpass). A password on the
 * command line would be visible to every user of the machine in {@code ps}.
 */
public final class ClientCredentials {

    private static final Logger log = LoggerFactory.getLogger(ClientCredentials.class);

    private final Map<String, String> environment;
    private final Path home;

    public ClientCredentials(Map<String, String> environment, Path home) {
        this.environment = environment;
        this.home = home;
    }

    /** Credentials of this process: its environment and the user's home directory. */
    public static ClientCredentials ofProcess() {
        return new ClientCredentials(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * Driver properties to connect to {@code url}: the user from the URL, PGUSER or the OS user; the password from
     * PGPASSWORD or the password file, matched on the URL's host, port and database and that user (the same line's password for
     * every host of a URL that lists several). No password
     * property when none is found (trust or certificate authentication).
     */
    public Properties forUrl(String url) {
        return forUrl(url, null);
    }

    /** As {@link #forUrl(String)}, for {@code user} when not null (a connector's {@code connection.user}). */
    public Properties forUrl(String url, String user) {
        return forUrl(url, user, true);
    }

    /**
     * As {@link #forUrl(String, String)}; {@code environmentPassword} false leaves PGPASSWORD out, for a URL the user
     * did not give (one read from a connector's config): only the password file's line for that very host and
     * database may go there.
     */
    public Properties forUrl(String url, String user, boolean environmentPassword) {
        Properties parsed = Driver.parseURL(url, new Properties());
        if (parsed == null) {
            throw new IllegalArgumentException("Not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database)");
        }
        Properties props = new Properties();
        if (user == null || user.isBlank()) {
            user = parsed.getProperty("user", environment.getOrDefault("PGUSER", System.getProperty("user.name")));
        }
        props.setProperty("user", user);
        String password = environmentPassword ? environment.get("PGPASSWORD") : null;
        if (password == null) {
            password = fromPasswordFileForEveryHost(parsed.getProperty("PGHOST", "localhost").split(","),
                    parsed.getProperty("PGPORT", "5432").split(","), parsed.getProperty("PGDBNAME", user), user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        return props;
    }

    /**
     * The password file's password where it gives the same one for every host of the URL; else none. The driver sends
     * one password to whichever host it connects to, and libpq would look each host up on its own: a password found
     * for the first host must not reach another (a URL read from a connector's config may list any host after it).
     */
    private String fromPasswordFileForEveryHost(String[] hosts, String[] ports, String database, String user) {
        String password = null;
        for (int i = 0; i < hosts.length; i++) {
            String found = fromPasswordFile(hosts[i], ports[Math.min(i, ports.length - 1)], database, user);
            if (found == null || password != null && !password.equals(found)) {
                return null;
            }
            password = found;
        }
        return password;
    }

    private String fromPasswordFile(String host, String port, String database, String user) {
        String configured = environment.get("PGPASSFILE");
        Path file = configured != null ? Path.of(configured) : home.resolve(".pgpass");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            if (readableByOthers(file)) {
                log.warn("Password file {} has group or world access; it is ignored (permissions should be u=rw (0600) "
                        + "or less)", file);
                return null;
            }
            for (String line : Files.readAllLines(file)) {
                List<String> fields = fields(line);
                if (fields.size() == 5 && matches(fields.get(0), host) && matches(fields.get(1), port)
                        && matches(fields.get(2), database) && matches(fields.get(3), user)) {
                    return fields.get(4);
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read password file " + file, e);
        }
    }

    /**
     * As libpq: a password file others can read is ignored. A file system without POSIX permissions has nothing to
     * check (libpq does not check them on Windows either), so the file is read.
     */
    private static boolean readableByOthers(Path file) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return false;
        }
        return permissions.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
    }

    private static boolean matches(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value);
    }

    /** The colon-separated fields of a password file line; backslash escapes ':' and '\'. Comments give none. */
    static List<String> fields(String line) {
        List<String> fields = new ArrayList<>();
        if (line.startsWith("#") || line.isBlank()) {
            return fields;
        }
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\\' && i + 1 < line.length()) {
                field.append(line.charAt(++i));
            } else if (ch == ':' && fields.size() < 4) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
