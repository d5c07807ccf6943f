package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.source.AdbPgSourceConnector;
import io.adbsync.source.config.SourceConfig;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.Config;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.source.greenplum.Validated.errors;
import static io.adbsync.source.greenplum.Validated.value;
import static org.assertj.core.api.Assertions.assertThat;

/** What {@code validate()} tells a user about the source mode of a real PostgreSQL server. */
class PostgresSourceModeIT {

    @Test
    void plainPostgresIsReadAsOneServerAndRefusesThePerSegmentMode() throws SQLException {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("pg_mode");
        try {
            try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE orders (id int PRIMARY KEY, note text)");
            }
            Map<String, String> config = new HashMap<>(Map.of(ConnectionConfig.URL, pg.jdbcUrl(db), ConnectionConfig.USER, pg.user(),
                    SourceConfig.TOPIC_PREFIX, "pg", SourceConfig.TABLE_INCLUDE_LIST, "public\\.orders", SourceConfig.SLOT_NAME, db));
            if (pg.password() != null) {
                config.put(ConnectionConfig.PASSWORD, pg.password());
            }
            Config validated = new AdbPgSourceConnector().validate(config);
            assertThat(errors(validated)).isEmpty();
            assertThat(value(validated, SourceConfig.SOURCE_MODE).recommendedValues()).containsExactly("postgres");
            config.put(SourceConfig.SOURCE_MODE, "greenplum_segments");
            Map<String, List<String>> errors = errors(new AdbPgSourceConnector().validate(config));
            assertThat(errors).containsOnlyKeys(SourceConfig.SOURCE_MODE);
            assertThat(errors.get(SourceConfig.SOURCE_MODE)).singleElement().asString()
                    .startsWith("source.mode=greenplum_segments needs a Greenplum-family coordinator in connection.url, but "
                            + "version() names no Greenplum-family product (PostgreSQL ")
                    .endsWith("): set source.mode=auto or postgres");
        } finally {
            pg.dropDatabase(db);
        }
    }
}
