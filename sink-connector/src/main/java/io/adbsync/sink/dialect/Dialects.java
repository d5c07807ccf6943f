package io.adbsync.sink.dialect;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Picks the dialect from what the server says it is ({@code version()}). */
public final class Dialects {

    private static final Pattern PG_MAJOR = Pattern.compile("PostgreSQL (\\d+)");

    private Dialects() {
    }

    public static Dialect detect(Connection connection) throws SQLException {
        String version;
        boolean beam;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT version(), EXISTS (SELECT 1 FROM pg_catalog.pg_am WHERE amname = 'beam')")) {
            rs.next();
            version = rs.getString(1);
            beam = rs.getBoolean(2);
        }
        return forVersion(version, beam);
    }

    /** The dialect for a {@code version()} string; {@code beam}: the server has the Beam access method. */
    public static Dialect forVersion(String version, boolean beam) {
        boolean greenplumFamily = version.contains("Greenplum") || version.contains("Cloudberry")
                || version.contains("AnalyticDB");
        if (!greenplumFamily) {
            return new PostgresDialect();
        }
        Matcher m = PG_MAJOR.matcher(version);
        int major = m.find() ? Integer.parseInt(m.group(1)) : 9;
        return new GreenplumDialect(major >= 12, beam);
    }
}
