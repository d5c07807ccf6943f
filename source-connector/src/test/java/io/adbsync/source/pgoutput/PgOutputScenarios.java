package io.adbsync.source.pgoutput;

import io.adbsync.source.pgoutput.PgOutputMessage.Begin;
import io.adbsync.source.pgoutput.PgOutputMessage.BeginPrepare;
import io.adbsync.source.pgoutput.PgOutputMessage.Commit;
import io.adbsync.source.pgoutput.PgOutputMessage.CommitPrepared;
import io.adbsync.source.pgoutput.PgOutputMessage.Delete;
import io.adbsync.source.pgoutput.PgOutputMessage.Insert;
import io.adbsync.source.pgoutput.PgOutputMessage.LogicalMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Origin;
import io.adbsync.source.pgoutput.PgOutputMessage.Prepare;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputMessage.RollbackPrepared;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamAbort;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamCommit;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamPrepare;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamStart;
import io.adbsync.source.pgoutput.PgOutputMessage.StreamStop;
import io.adbsync.source.pgoutput.PgOutputMessage.Truncate;
import io.adbsync.source.pgoutput.PgOutputMessage.Type;
import io.adbsync.source.pgoutput.PgOutputMessage.Update;
import io.adbsync.source.wal.Lsn;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workloads whose pgoutput bytes were captured from a real PostgreSQL 15 server into src/test/resources/pgoutput,
 * and the assertions both the live test and the fixture test make on the decoded messages.
 */
final class PgOutputScenarios {

    record Scenario(String name, String setupSql, PgOutputCapture.Workload workload, int protocolVersion,
                    Map<String, String> options, boolean twoPhaseSlot, String sessionOptions,
                    Consumer<List<PgOutputMessage>> check) {
    }

    private static final String SMALL_WORK_MEM = "-c logical_decoding_work_mem=64kB";

    static final Scenario DML = new Scenario("v1-dml",
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
                    + "CREATE TABLE t (id int PRIMARY KEY, name text, m mood, big text);"
                    + "ALTER TABLE t ALTER big SET STORAGE EXTERNAL;"
                    + "CREATE TABLE f (id int PRIMARY KEY, v text);"
                    + "ALTER TABLE f REPLICA IDENTITY FULL;"
                    + "SELECT pg_replication_origin_create('upstream')",
            c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO t VALUES (1, 'a', 'ok', repeat('x', 10000)), (2, NULL, 'sad', 'small')");
                    s.execute("UPDATE t SET name = 'b' WHERE id = 1");
                    s.execute("UPDATE t SET id = 3 WHERE id = 2");
                    s.execute("DELETE FROM t WHERE id = 1");
                    s.execute("INSERT INTO f VALUES (1, 'old')");
                    s.execute("UPDATE f SET v = 'new' WHERE id = 1");
                    s.execute("TRUNCATE t");
                    s.execute("SELECT pg_logical_emit_message(true, 'adbsync', 'hello')");
                    s.execute("SELECT pg_replication_origin_session_setup('upstream')");
                    s.execute("BEGIN");
                    s.execute("SELECT pg_replication_origin_xact_setup('0/10', now())");
                    s.execute("INSERT INTO t VALUES (10, 'from upstream', 'happy', 'o')");
                    s.execute("COMMIT");
                    s.execute("SELECT pg_replication_origin_session_reset()");
                }
            },
            1, Map.of("messages", "true"), false, "",
            PgOutputScenarios::checkDml);

    static final Scenario STREAMING = new Scenario("v2-streaming",
            "CREATE TABLE s (id int PRIMARY KEY, v text)",
            c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("BEGIN");
                    s.execute("INSERT INTO s SELECT g, repeat('v', 100) FROM generate_series(1, 800) g");
                    s.execute("COMMIT");
                    s.execute("BEGIN");
                    s.execute("INSERT INTO s SELECT g, repeat('r', 100) FROM generate_series(10001, 10800) g");
                    s.execute("ROLLBACK");
                    s.execute("BEGIN");
                    s.execute("INSERT INTO s VALUES (20001, 'kept')");
                    s.execute("SAVEPOINT sp");
                    s.execute("INSERT INTO s SELECT g, repeat('a', 100) FROM generate_series(30001, 30800) g");
                    s.execute("ROLLBACK TO SAVEPOINT sp");
                    s.execute("INSERT INTO s VALUES (20002, 'kept too')");
                    s.execute("COMMIT");
                }
            },
            2, Map.of("streaming", "on"), false, SMALL_WORK_MEM,
            PgOutputScenarios::checkStreaming);

    static final Scenario TWO_PHASE = new Scenario("v3-two-phase",
            "CREATE TABLE p (id int PRIMARY KEY, v text)",
            c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("BEGIN");
                    s.execute("INSERT INTO p VALUES (1, 'committed')");
                    s.execute("PREPARE TRANSACTION 'g1'");
                    s.execute("COMMIT PREPARED 'g1'");
                    s.execute("BEGIN");
                    s.execute("INSERT INTO p VALUES (2, 'rolled back')");
                    s.execute("PREPARE TRANSACTION 'g2'");
                    s.execute("ROLLBACK PREPARED 'g2'");
                    s.execute("BEGIN");
                    s.execute("INSERT INTO p SELECT g, repeat('p', 100) FROM generate_series(100, 900) g");
                    s.execute("PREPARE TRANSACTION 'g3'");
                    s.execute("COMMIT PREPARED 'g3'");
                }
            },
            3, Map.of("two_phase", "on", "streaming", "on"), true, SMALL_WORK_MEM,
            PgOutputScenarios::checkTwoPhase);

    static final List<Scenario> ALL = List.of(DML, STREAMING, TWO_PHASE);

    private PgOutputScenarios() {
    }

    private static void checkDml(List<PgOutputMessage> messages) {
        Type mood = only(messages, Type.class).get(0);
        assertThat(mood.name()).isEqualTo("mood");
        assertThat(mood.namespace()).isEqualTo("public");
        Relation t = only(messages, Relation.class).stream().filter(r -> r.name().equals("t")).findFirst().orElseThrow();
        assertThat(t.namespace()).isEqualTo("public");
        assertThat(t.replicaIdentity()).isEqualTo('d');
        assertThat(t.columns()).extracting(PgOutputMessage.Column::name).containsExactly("id", "name", "m", "big");
        assertThat(t.columns()).extracting(PgOutputMessage.Column::key).containsExactly(true, false, false, false);
        assertThat(t.columns().get(0).typeOid()).isEqualTo(23);
        assertThat(t.columns().get(2).typeOid()).isEqualTo(mood.oid());

        List<Insert> inserts = only(messages, Insert.class);
        Insert first = inserts.get(0);
        assertThat(first.relationOid()).isEqualTo(t.oid());
        assertThat(first.newTuple().get(0).text()).isEqualTo("1");
        assertThat(first.newTuple().get(2).text()).isEqualTo("ok");
        assertThat(first.newTuple().get(3).text()).hasSize(10_000);
        assertThat(inserts.get(1).newTuple().get(1).isNull()).isTrue();

        List<Update> updates = only(messages, Update.class);
        Update toastKept = updates.get(0);
        assertThat(toastKept.oldKind()).isEqualTo((char) 0);
        assertThat(toastKept.newTuple().get(1).text()).isEqualTo("b");
        assertThat(toastKept.newTuple().get(3).isUnchangedToast()).isTrue();
        Update keyChange = updates.get(1);
        assertThat(keyChange.oldKind()).isEqualTo('K');
        assertThat(keyChange.oldTuple().get(0).text()).isEqualTo("2");
        assertThat(keyChange.oldTuple().get(1).isNull()).isTrue();
        assertThat(keyChange.newTuple().get(0).text()).isEqualTo("3");
        Update full = updates.get(2);
        assertThat(full.oldKind()).isEqualTo('O');
        assertThat(full.oldTuple().get(1).text()).isEqualTo("old");
        assertThat(full.newTuple().get(1).text()).isEqualTo("new");

        Delete delete = only(messages, Delete.class).get(0);
        assertThat(delete.oldKind()).isEqualTo('K');
        assertThat(delete.oldTuple().get(0).text()).isEqualTo("1");

        Truncate truncate = only(messages, Truncate.class).get(0);
        assertThat(truncate.relationOids()).containsExactly(t.oid());
        assertThat(truncate.cascade()).isFalse();

        LogicalMessage message = only(messages, LogicalMessage.class).get(0);
        assertThat(message.prefix()).isEqualTo("adbsync");
        assertThat(message.transactional()).isTrue();
        assertThat(new String(message.content(), StandardCharsets.UTF_8)).isEqualTo("hello");

        Origin origin = only(messages, Origin.class).get(0);
        assertThat(origin.name()).isEqualTo("upstream");
        assertThat(origin.originCommitLsn()).isEqualTo(new Lsn(0x10));

        List<Begin> begins = only(messages, Begin.class);
        List<Commit> commits = only(messages, Commit.class);
        assertThat(begins).hasSameSizeAs(commits).hasSizeGreaterThanOrEqualTo(9);
        for (int i = 0; i < begins.size(); i++) {
            assertThat(commits.get(i).commitLsn()).isEqualTo(begins.get(i).finalLsn());
            assertThat(commits.get(i).endLsn()).isGreaterThan(commits.get(i).commitLsn());
        }
    }

    private static void checkStreaming(List<PgOutputMessage> messages) {
        List<StreamStart> starts = only(messages, StreamStart.class);
        assertThat(starts).isNotEmpty();
        assertThat(starts.get(0).firstSegment()).isTrue();
        assertThat(only(messages, StreamStop.class)).hasSameSizeAs(starts);
        // Inside stream blocks data messages carry the xid of their (sub)transaction.
        assertThat(only(messages, Insert.class)).allMatch(i -> i.xid().isPresent());
        List<StreamCommit> commits = only(messages, StreamCommit.class);
        assertThat(commits).hasSize(2);
        List<StreamAbort> aborts = only(messages, StreamAbort.class);
        assertThat(aborts).anyMatch(a -> a.xid() == a.subXid()).anyMatch(a -> a.xid() != a.subXid());
        assertThat(aborts).allMatch(a -> a.abortLsn().isEmpty());
        StreamCommit subtransactionCommit = commits.get(1);
        assertThat(aborts).anyMatch(a -> a.xid() == subtransactionCommit.xid() && a.subXid() != a.xid());
    }

    private static void checkTwoPhase(List<PgOutputMessage> messages) {
        List<BeginPrepare> begins = only(messages, BeginPrepare.class);
        assertThat(begins).extracting(BeginPrepare::gid).containsExactly("g1", "g2");
        assertThat(only(messages, Prepare.class)).extracting(Prepare::gid).containsExactly("g1", "g2");
        assertThat(only(messages, CommitPrepared.class)).extracting(CommitPrepared::gid).containsExactly("g1", "g3");
        RollbackPrepared rollback = only(messages, RollbackPrepared.class).get(0);
        assertThat(rollback.gid()).isEqualTo("g2");
        assertThat(rollback.rollbackEndLsn()).isGreaterThan(rollback.prepareEndLsn());
        StreamPrepare streamed = only(messages, StreamPrepare.class).get(0);
        assertThat(streamed.gid()).isEqualTo("g3");
        assertThat(streamed.endLsn()).isGreaterThan(streamed.prepareLsn());
    }

    static <T> List<T> only(List<PgOutputMessage> messages, Class<T> type) {
        return messages.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static void runSetup(java.sql.Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
