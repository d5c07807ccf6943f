package io.adbsync.sink.ddl;

import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.record.Column;
import io.adbsync.sink.record.TableChanges;
import io.adbsync.sink.writer.OffsetStore;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.connect.data.Schema;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sink's DDL needs only the grants docs/security.md names: CREATE on the schema a table goes into (which exists),
 * not CREATE on the database, which {@code CREATE SCHEMA IF NOT EXISTS} asks for even when the schema exists; and
 * nothing beyond SELECT, INSERT, UPDATE for an offsets table an administrator made.
 */
class LeastPrivilegeDdlIT {

    private static final List<Column> KEY = List.of(new Column("id", Schema.INT32_SCHEMA));
    private static final List<Column> COLUMNS = List.of(new Column("id", Schema.INT32_SCHEMA),
            new Column("name", Schema.OPTIONAL_STRING_SCHEMA));

    @Test
    void tablesAndOffsetsTablesAreMadeInExistingSchemasWithoutCreateOnTheDatabase() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("least_privilege_ddl");
        String role = "sink_" + db;
        try {
            Dialect dialect;
            try (Connection c = pg.connect(db)) {
                dialect = Dialects.detect(c);
            }
            sql(pg, db, "CREATE SCHEMA sales", "CREATE SCHEMA adbsync", "CREATE SCHEMA admin",
                    OffsetStore.createTable(new TableId("admin", "offsets"), dialect),
                    "CREATE ROLE " + role + " LOGIN PASSWORD 'least-privilege'",
                    "GRANT USAGE, CREATE ON SCHEMA sales, adbsync TO " + role,
                    "GRANT USAGE ON SCHEMA admin TO " + role,
                    "GRANT SELECT, INSERT, UPDATE ON admin.offsets TO " + role);
            try (Connection c = connectAs(pg, db, role)) {
                assertThat(bool(c, "SELECT has_database_privilege(current_database(), 'CREATE')")).isFalse();
                c.setAutoCommit(false);

                TableId items = new TableId("sales", "items");
                SchemaSync sync = new SchemaSync(dialect, true, true, StorageEngine.HEAP, List.of());
                TableState created = sync.ensure(c, new TableChanges(items, false, KEY, COLUMNS, List.of(), List.of(),
                        List.of(), List.of(), List.of()));
                assertThat(created.exists()).isTrue();
                assertThat(created.columns()).containsOnlyKeys("id", "name");

                OffsetStore made = new OffsetStore(new TableId("adbsync", "offsets"), "c", dialect);
                made.ensureTable(c);
                made.ensureTable(c);
                assertThat(bool(c, "SELECT to_regclass('adbsync.offsets') IS NOT NULL")).isTrue();

                // Made by an administrator: the connector's role may not create anything in its schema.
                new OffsetStore(new TableId("admin", "offsets"), "c", dialect).ensureTable(c);
            }
        } finally {
            pg.dropDatabase(db);
            sql(pg, "postgres", "DROP ROLE IF EXISTS " + role);
        }
    }

    private static Connection connectAs(PostgresServer pg, String db, String role) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", role);
        props.setProperty("password", "least-privilege");
        return DriverManager.getConnection(pg.jdbcUrl(db), props);
    }

    private static boolean bool(Connection c, String query) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
