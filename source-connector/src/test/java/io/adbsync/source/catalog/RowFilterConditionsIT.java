package io.adbsync.source.catalog;

import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a real server makes of a row filter {@link RowFilterConditions} accepts: put in a publication's table list, it
 * never publishes another table, whichever way standard_conforming_strings is set.
 */
class RowFilterConditionsIT {

    private static PostgresServer server;
    private static String database;

    @BeforeAll
    static void setUp() throws SQLException {
        server = Postgres.shared();
        database = server.createDatabase("rowfilters");
        try (Connection c = server.connect(database); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id int PRIMARY KEY, v text)");
            s.execute("ALTER TABLE orders REPLICA IDENTITY FULL");
            s.execute("CREATE TABLE secrets (id int PRIMARY KEY, v text)");
        }
    }

    @AfterAll
    static void tearDown() throws SQLException {
        server.dropDatabase(database);
    }

    /**
     * A string continued on the next line keeps the kind of its first part (E'...' takes backslash escapes there, a
     * plain string continuing it too), so a reader that takes each part for a string of its own ends it elsewhere.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "v = E'a'\n'\\'' || '\\' ), public.secrets --'",
            "v = E'a'\n  \n\t'\\'' || '\\' ), public.secrets --'",
            "v = 'a'\n'b' OR v = E'c'\r'\\'' || '\\' ), public.secrets --'",
            "v = E'a'\n'b\\'c ) d'",
    })
    void aConditionItAcceptsNeverPublishesAnotherTable(String condition) throws SQLException {
        Map<String, String> parsed;
        try {
            parsed = RowFilterConditions.parse("public.orders: " + condition);
        } catch (IllegalArgumentException refused) {
            assertThat(refused).hasMessageContaining("public.orders");
            return;
        }
        for (String conforming : new String[] {"on", "off"}) {
            try (Connection c = server.connect(database); Statement s = c.createStatement()) {
                s.execute("SET standard_conforming_strings = " + conforming);
                s.execute("DROP PUBLICATION IF EXISTS probe");
                try {
                    s.execute("CREATE PUBLICATION probe FOR TABLE public.orders WHERE (" + parsed.get("public.orders") + ")");
                } catch (SQLException notACondition) {
                    continue;
                }
                try (ResultSet rs = s.executeQuery("SELECT string_agg(schemaname || '.' || tablename, ',') "
                        + "FROM pg_publication_tables WHERE pubname = 'probe'")) {
                    rs.next();
                    assertThat(rs.getString(1)).as("published with standard_conforming_strings=%s", conforming)
                            .isEqualTo("public.orders");
                }
            }
        }
    }
}
