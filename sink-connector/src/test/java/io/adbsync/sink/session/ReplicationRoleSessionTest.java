package io.adbsync.sink.session;

import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.config.SinkConfig.ReplicationRole;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplicationRoleSessionTest {

    private static SinkConfig config(Map<String, String> extra) {
        Map<String, String> props = new java.util.HashMap<>(Map.of("connection.url", "jdbc:postgresql://localhost/db",
                "connection.user", "u"));
        props.putAll(extra);
        return new SinkConfig(props);
    }

    @Test
    void replicaIsTheDefaultAndEitherValueIsReadInAnyCase() {
        assertThat(config(Map.of()).replicationRole()).isEqualTo(ReplicationRole.REPLICA);
        assertThat(config(Map.of(SinkConfig.SESSION_REPLICATION_ROLE, " Origin ")).replicationRole()).isEqualTo(ReplicationRole.ORIGIN);
        // local (PostgreSQL's third value) would fire the triggers that origin does, under another name.
        assertThatThrownBy(() -> config(Map.of(SinkConfig.SESSION_REPLICATION_ROLE, "local"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("Must be one of replica, origin");
    }

    @Test
    void beforePostgres15TheRoleCanOnlyBeMadeTheUsersOwnByASuperuser() {
        String message = ReplicationRoleSession.refusal(ReplicationRole.REPLICA, "origin", "Writer \"1\"", 120_000);
        assertThat(message).doesNotContain("GRANT SET").contains("Run, as a superuser: ALTER ROLE \"Writer \"\"1\"\"\" SET "
                + "session_replication_role = replica (before PostgreSQL 15 only a superuser may set session_replication_role; "
                + "a setting a superuser attached to the user applies to its every session); or connect as a superuser; "
                + "or set session.replication.role=origin");
    }

    @Test
    void originRefusedNamesTheSettingThatStartsTheSessionsUnderReplica() {
        assertThat(ReplicationRoleSession.refusal(ReplicationRole.ORIGIN, "replica", "writer", 160_000)).isEqualTo(
                "User writer starts its sessions with session_replication_role = replica (set for the user or the database) "
                        + "and may not change it to origin, which session.replication.role=origin asks for. Set "
                        + "session.replication.role=replica, or have a superuser remove that setting (ALTER ROLE \"writer\" "
                        + "RESET session_replication_role, or ALTER DATABASE ... RESET session_replication_role)");
    }
}
