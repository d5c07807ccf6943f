package io.adbsync.it;

import io.adbsync.stack.connect.ConnectRestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

import java.sql.SQLException;
import java.util.Map;

/**
 * One broker and worker per test class, one source database and one connector per test: the connector (and its
 * slot and topic prefix) is named after the test method, and removed after it.
 */
abstract class SourceConnectorTestBase extends WithLocalStack {

    ConnectRestClient rest;
    String database;
    String name;

    @BeforeEach
    void createDatabase(TestInfo test) throws SQLException {
        rest = stack.connect().rest();
        database = postgres.createDatabase(databasePrefix());
        String method = test.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "");
        // Slot names are at most 63 characters.
        name = namePrefix() + method.substring(0, Math.min(48 - namePrefix().length(), method.length()));
    }

    @AfterEach
    void removeConnector() {
        if (rest.get("connectors/" + name).ok()) {
            rest.remove(name);
        }
    }

    abstract String databasePrefix();

    String namePrefix() {
        return "";
    }

    /** Settings every test's connector starts from. */
    abstract Map<String, String> baseConfig();

    void sql(String... statements) throws SQLException {
        Tables.sql(postgres, database, statements);
    }

    String scalar(String query) throws SQLException {
        return Tables.scalar(postgres, database, query);
    }

    /** The connector config: connection to this test's database, topic prefix and slot named after the test, then {@code extra} pairs. */
    Map<String, String> config(String... extra) {
        Map<String, String> config = sourceConfig(database, name);
        config.putAll(baseConfig());
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }
}
