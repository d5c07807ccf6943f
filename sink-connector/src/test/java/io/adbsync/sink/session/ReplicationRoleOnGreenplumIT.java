package io.adbsync.sink.session;

import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.barrier.SinkTaskFixture;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static io.adbsync.sink.Sql.scalar;
import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On Greenplum the destination's triggers fire on the segments, where the rows are: the session's replication role
 * must reach them too. (Foreign keys are not enforced there at all; a user who is not a superuser may not set the
 * role, as on PostgreSQL before 15, and ALTER ROLE ... SET gives it to its sessions: checked by hand, since this
 * cluster's coordinator lets only its superuser log in.)
 */
class ReplicationRoleOnGreenplumIT {

    @Test
    void aTriggerOnADistributedTableDoesNotFireOnReplicatedRowsUnderReplicaAndDoesUnderOrigin() throws Exception {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String db = gp.createDatabase("replication_role_gp");
        try {
            sql(gp, db, "CREATE TABLE items (id int PRIMARY KEY, v text) DISTRIBUTED BY (id)",
                    "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := 'stamped'; RETURN NEW; END $$",
                    "CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION stamp()");
            TopicPartition p0 = new TopicPartition(SinkTaskFixture.TOPIC, 0);
            // Keys 1..8 land on both segments.
            write(gp, db, Map.of(), p0, 1, 2, 3, 4, 5, 6, 7, 8);
            assertThat(scalar(gp, db, "SELECT string_agg(v, ',' ORDER BY id) FROM items")).isEqualTo("v1,v2,v3,v4,v5,v6,v7,v8");
            assertThat(scalar(gp, db, "SELECT count(DISTINCT gp_segment_id) FROM items")).isEqualTo("2");

            write(gp, db, Map.of("session.replication.role", "origin"), p0, 9);
            assertThat(scalar(gp, db, "SELECT v FROM items WHERE id = 9")).isEqualTo("stamped");
        } finally {
            gp.dropDatabase(db);
        }
    }

    /** Writes items {@code ids} (offsets the same) through a task of {@code config}. */
    private static void write(PostgresServer gp, String db, Map<String, String> config, TopicPartition tp, int... ids) {
        AdbPgSinkTask task = SinkTaskFixture.task(gp, db, config, null, tp);
        try {
            task.put(Arrays.stream(ids).mapToObj(id -> SinkTaskFixture.rec(0, id, id)).toList());
        } finally {
            task.stop();
        }
    }
}
