package io.adbsync.common.jdbc;

import io.adbsync.common.jdbc.ConnectionConfig;
import org.junit.jupiter.api.Test;
import org.postgresql.Driver;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** What the driver makes of the URL and properties {@link Jdbc#open} hands it, read with the driver's own URL parser. */
class JdbcTest {

    private static final String OURS = "-c TimeZone=UTC -c IntervalStyle=iso_8601";

    /** The URL parameters and properties as pgjdbc merges them (its URL parameters win over properties). */
    private static Properties effective(String url, String sessionOptions) {
        Properties extra = new Properties();
        if (sessionOptions != null) {
            extra.setProperty("options", sessionOptions);
        }
        Jdbc.DriverArguments arguments = Jdbc.arguments(new ConnectionConfig(url, "u", null), extra);
        return Driver.parseURL(arguments.url(), arguments.properties());
    }

    @Test
    void theUsersOptionsComeFirstAndTheConnectorsAfterThemSoThatTheConnectorsWin() {
        Properties p = effective("jdbc:postgresql://db/app?sslmode=verify-full&options=-c%20statement_timeout%3D0"
                + "%20-c%20search_path%3Dapp%2Cpublic&ApplicationName=x", OURS);
        assertThat(p.getProperty("options")).isEqualTo("-c statement_timeout=0 -c search_path=app,public " + OURS);
        assertThat(p.getProperty("sslmode")).isEqualTo("verify-full");
        assertThat(p.getProperty("ApplicationName")).isEqualTo("x");
    }

    @Test
    void plusSignsBackslashEscapesAndAnOnlyParameterAreKept() {
        assertThat(effective("jdbc:postgresql://db/app?options=-c+adbsync.test%3D1", OURS).getProperty("options"))
                .isEqualTo("-c adbsync.test=1 " + OURS);
        assertThat(effective("jdbc:postgresql://db/app?options=-c%20search_path%3Dmy%5C%20schema&sslmode=disable", OURS)
                .getProperty("options")).isEqualTo("-c search_path=my\\ schema " + OURS);
    }

    /**
     * A replication connection needs replication=database and the simple query protocol; a URL saying otherwise (one
     * pasted from an application's settings) would have won and broken the stream. The connection's own values win.
     */
    @Test
    void aConnectionsOwnPropertiesWinOverTheSameParametersInTheUrl() {
        Properties extra = new Properties();
        extra.setProperty("replication", "database");
        extra.setProperty("preferQueryMode", "simple");
        Jdbc.DriverArguments arguments = Jdbc.arguments(new ConnectionConfig(
                "jdbc:postgresql://db/app?preferQueryMode=extendedCacheEverything&sslmode=require&replication=false", "u", null), extra);
        Properties p = Driver.parseURL(arguments.url(), arguments.properties());
        assertThat(p.getProperty("replication")).isEqualTo("database");
        assertThat(p.getProperty("preferQueryMode")).isEqualTo("simple");
        assertThat(p.getProperty("sslmode")).isEqualTo("require");
    }

    @Test
    void withoutOptionsOnEitherSideNothingChanges() {
        assertThat(effective("jdbc:postgresql://db/app?sslmode=disable", OURS).getProperty("options")).isEqualTo(OURS);
        // A connection that sets no options of its own (the precheck) gets the user's as they are.
        assertThat(effective("jdbc:postgresql://db/app?options=-c%20gp_role%3Dutility", null).getProperty("options"))
                .isEqualTo("-c gp_role=utility");
        assertThat(effective("jdbc:postgresql://db/app", null).getProperty("options")).isNull();
    }
}
