package io.adbsync.sink.dialect;

import io.adbsync.sink.SinkConfig;
import io.adbsync.sink.SinkConfig.StorageEngine;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
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

    /** Why {@code storage} cannot be used on a destination of {@code dialect}, and what can: for the precheck and the task. */
    public static String unsupportedStorage(Dialect dialect, StorageEngine storage) {
        String name = storage.name().toLowerCase(Locale.ROOT);
        String why = storage == StorageEngine.BEAM
                ? "it has no beam table access method (Beam exists on AnalyticDB for PostgreSQL 7.0.6.2 and later)"
                : "it has no " + name + " storage";
        String supported = Arrays.stream(StorageEngine.values()).filter(dialect::supports)
                .map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        return SinkConfig.STORAGE_ENGINE + "=" + name + " is not available on the destination (" + dialect.name() + "): "
                + why + "; use " + supported;
    }
}
