package io.adbsync.common.jdbc;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that decides which parts of a JDBC URL are secret: every URL that reaches a log line, an exception
 * message, a validation response or a printed hint goes through {@link #redact(String)}.
 */
public final class JdbcUrls {

    /** What a secret is replaced with. */
    public static final String HIDDEN = "****";

    private static final String PREFIX = "jdbc:postgresql://";

    /** pgjdbc's URL parameters that carry a secret: the password and the passphrase of the client key. */
    private static final Set<String> SECRET_PARAMETERS = Set.of("password", "sslpassword");
    /**
     * {@code //user:secret@host/}: pgjdbc does not read it, but a user may still write it and it must not be shown. The
     * secret runs to the first '@' that a host and a '/' follow: a password may hold any character ('/', '?', '#', '@',
     * '=', '&'), while an '@' in a query parameter ({@code ?user=alice@corp}) or a database name ({@code /team@prod})
     * is followed by no host and '/'.
     */
    private static final Pattern USER_INFO = Pattern.compile("(//[^/?#:]*:)(.*?)@(?=[^/?#@]*/)");

    private JdbcUrls() {
    }

    /** {@code url} with the value of every secret parameter (any case) and any {@code user:password@} secret replaced. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String withoutUserInfo = USER_INFO.matcher(url).replaceFirst(m -> Matcher.quoteReplacement(m.group(1) + HIDDEN + "@"));
        int query = withoutUserInfo.indexOf('?');
        if (query < 0) {
            return withoutUserInfo;
        }
        StringBuilder out = new StringBuilder(withoutUserInfo.length()).append(withoutUserInfo, 0, query + 1);
        String[] parameters = withoutUserInfo.substring(query + 1).split("&", -1);
        for (int i = 0; i < parameters.length; i++) {
            if (i > 0) {
                out.append('&');
            }
            String parameter = parameters[i];
            int eq = parameter.indexOf('=');
            String name = eq < 0 ? parameter : parameter.substring(0, eq);
            out.append(eq >= 0 && isSecret(name) ? name + "=" + HIDDEN : parameter);
        }
        return out.toString();
    }

    /**
     * The secrets {@code url} carries, each named as the URL writes it: its secret parameters (any case) and
     * {@code user:password@} when present. Empty when the URL holds none.
     */
    public static List<String> secrets(String url) {
        List<String> found = new ArrayList<>();
        if (url == null) {
            return found;
        }
        if (USER_INFO.matcher(url).find()) {
            found.add("user:password@");
        }
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String parameter : url.substring(query + 1).split("&")) {
                int eq = parameter.indexOf('=');
                String name = eq < 0 ? parameter : parameter.substring(0, eq);
                if (isSecret(name)) {
                    found.add(name);
                }
            }
        }
        return found;
    }

    /**
     * {@code url} without its parameters named {@code name} (exactly, as pgjdbc matches them), the others kept as
     * written; the {@code ?} goes too when none is left.
     */
    public static String withoutParameter(String url, String name) {
        int query = url.indexOf('?');
        if (query < 0) {
            return url;
        }
        List<String> kept = new ArrayList<>();
        for (String parameter : url.substring(query + 1).split("&")) {
            int eq = parameter.indexOf('=');
            if (!(eq < 0 ? parameter : parameter.substring(0, eq)).equals(name) && !parameter.isEmpty()) {
                kept.add(parameter);
            }
        }
        return kept.isEmpty() ? url.substring(0, query) : url.substring(0, query + 1) + String.join("&", kept);
    }

    /**
     * {@code url} pointed at the one server {@code host:port} instead of its host list (one host or several for
     * failover), the database and every parameter kept as written. An IPv6 literal is bracketed as pgjdbc reads it.
     */
    public static String withHost(String url, String host, int port) {
        if (!url.startsWith(PREFIX)) {
            throw new IllegalArgumentException("Not a " + PREFIX + " URL: " + redact(url));
        }
        int query = url.indexOf('?');
        int slash = url.indexOf('/', PREFIX.length());
        // pgjdbc refuses a URL without the '/' that ends the host list, so there always is one before any '?'.
        if (slash < 0 || (query >= 0 && slash > query)) {
            throw new IllegalArgumentException("The URL has no '/' after its host and port: " + redact(url));
        }
        String address = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return PREFIX + address + ":" + port + url.substring(slash);
    }

    /**
     * {@code url} with parameter {@code name} set to {@code value}, replacing any parameter of that exact name, the
     * others kept as written. The value is percent-encoded, as pgjdbc decodes every parameter value.
     */
    public static String withParameter(String url, String name, String value) {
        String without = withoutParameter(url, name);
        String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
        String separator = without.indexOf('?') < 0 ? "?" : without.endsWith("?") || without.endsWith("&") ? "" : "&";
        return without + separator + name + "=" + encoded;
    }

    private static boolean isSecret(String name) {
        return SECRET_PARAMETERS.contains(name.trim().toLowerCase(Locale.ROOT));
    }
}
