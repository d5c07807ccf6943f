package io.adbsync.sink.session;

import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.sink.AdbPgSinkConnector;
import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.barrier.SinkTaskFixture;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.sink.Sql.scalar;
import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A sink user that is not a superuser, at a destination whose table has a foreign key the records do not satisfy
 * (their parents are not there): under session.replication.role=replica the precheck and the task name the setting
 * and the statement that lets the user set it, and once an administrator ran it the rows are written, the foreign
 * key not acting on them; under origin it acts.
 */
class ReplicationRoleIT {

    private static final String PASSWORD = "replication-role";
    private final TopicPartition p0 = new TopicPartition(SinkTaskFixture.TOPIC, 0);
    private PostgresServer pg;
    private String db;
    private String user;

    @BeforeEach
    void destination() throws Exception {
        pg = Postgres.shared();
        db = pg.createDatabase("replication_role");
        user = "sink_" + db;
        sql(pg, db, "CREATE ROLE " + user + " LOGIN PASSWORD '" + PASSWORD + "'",
                "CREATE TABLE labels (v text PRIMARY KEY)",
                "CREATE TABLE items (id int PRIMARY KEY, v text REFERENCES labels)",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON items TO " + user);
    }

    @AfterEach
    void drop() throws Exception {
        pg.dropDatabase(db);
        // A parameter's grant belongs to the server, not the database: it would keep the role.
        sql(pg, "postgres", "REVOKE SET ON PARAMETER session_replication_role FROM " + user, "DROP ROLE " + user);
    }

    private Map<String, String> config(String... extra) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", AdbPgSinkConnector.class.getName());
        config.put("topics", SinkTaskFixture.TOPIC);
        config.put("connection.url", pg.jdbcUrl(db));
        config.put("connection.user", user);
        config.put("connection.password", PASSWORD);
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }

    /** The precheck's errors by config key. */
    private static Map<String, List<String>> validate(Map<String, String> config) {
        Map<String, List<String>> errors = new HashMap<>();
        for (ConfigValue value : new AdbPgSinkConnector().validate(config).configValues()) {
            if (!value.errorMessages().isEmpty()) {
                errors.put(value.name(), value.errorMessages());
            }
        }
        return errors;
    }

    /** Writes item {@code id} (whose label is not in labels) through a task of {@code config}. */
    private void write(Map<String, String> config, int id) {
        AdbPgSinkTask task = SinkTaskFixture.task(pg, db, config, null, p0);
        try {
            task.put(List.of(SinkTaskFixture.rec(0, id, id)));
        } finally {
            task.stop();
        }
    }

    @Test
    void aUserThatMayNotSetTheRoleIsToldWhatToRunAndWritesOnceItRan() throws Exception {
        String message = "User " + user + " may not set session_replication_role to replica, which "
                + "session.replication.role=replica (the default) asks for: under it the destination's foreign keys and "
                + "triggers do not act on replicated rows, which a batch writes table by table in any order, as "
                + "PostgreSQL's own logical replication applies them. Run, as a superuser: GRANT SET ON PARAMETER "
                + "session_replication_role TO \"" + user + "\"; or ALTER ROLE \"" + user + "\" SET session_replication_role "
                + "= replica (every session of the user then starts under it); or connect as a superuser; or set "
                + "session.replication.role=origin, where they act on every replicated row, and drop or disable the "
                + "foreign keys between replicated tables and the triggers that change values until switchover "
                + "(docs/operations.md, \"Foreign keys and triggers at the destination\")";
        assertThat(validate(config())).isEqualTo(Map.of("session.replication.role", List.of(message)));
        // The task says the same before it writes anything.
        assertThatThrownBy(() -> write(config(), 1)).isInstanceOf(ConnectException.class).hasMessage(message);
        assertThat(scalar(pg, db, "SELECT count(*) FROM items")).isEqualTo("0");

        // Under origin the user needs nothing more, and the foreign key acts: the row without its label is refused.
        assertThat(validate(config("session.replication.role", "origin"))).isEmpty();
        assertThatThrownBy(() -> write(config("session.replication.role", "origin"), 1))
                .hasMessageContaining("items_v_fkey").hasMessageContaining("23503");

        sql(pg, db, "GRANT SET ON PARAMETER session_replication_role TO " + user);
        assertThat(validate(config())).isEmpty();
        write(config(), 1);
        assertThat(scalar(pg, db, "SELECT string_agg(id || ':' || v, ',') FROM items")).isEqualTo("1:v1");

        // Without the grant, a setting a superuser attached to the user is enough: the sink finds it set.
        sql(pg, db, "REVOKE SET ON PARAMETER session_replication_role FROM " + user,
                "ALTER ROLE " + user + " SET session_replication_role = replica");
        assertThat(validate(config())).isEmpty();
        write(config(), 2);
        assertThat(scalar(pg, db, "SELECT string_agg(id || ':' || v, ',' ORDER BY id) FROM items")).isEqualTo("1:v1,2:v2");
    }
}
