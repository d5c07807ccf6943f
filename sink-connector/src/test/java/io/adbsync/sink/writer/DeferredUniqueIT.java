package io.adbsync.sink.writer;

import io.adbsync.common.contract.EventContract;
import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.barrier.SinkTaskDatabaseTest;
import io.adbsync.sink.barrier.SinkTaskFixture;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.TOPIC;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A destination UNIQUE constraint checked at commit (DEFERRABLE INITIALLY DEFERRED, as schema.sync=all makes them on
 * PostgreSQL and Greenplum 7). Its check is a constraint trigger, so it acts on the sink's rows only under
 * session.replication.role=origin: there, a record that violates it goes to the dead-letter queue under
 * errors.tolerance=all, as one violating an immediate constraint does, and the batch's other records are written.
 * Under replica (the default) it does not act, as PostgreSQL's own logical replication leaves it.
 */
class DeferredUniqueIT extends SinkTaskDatabaseTest {

    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA)
            .field("email", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ENVELOPE = EventContract.envelope(TOPIC, ROW);

    @Override
    protected String databasePrefix() {
        return "deferred_unique";
    }

    private static SinkRecord created(long offset, int id, String email) {
        Struct envelope = new Struct(ENVELOPE).put("op", "c").put("source", source())
                .put("after", new Struct(ROW).put("id", id).put("email", email));
        return new SinkRecord(TOPIC, 0, KEY, new Struct(KEY).put("id", id), ENVELOPE, envelope, offset);
    }

    private List<String> rows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (var c = pg.connect(db); var s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, email FROM public.items ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + " " + rs.getString(2));
            }
        }
        return rows;
    }

    /** Table public.items, email unique as checked at commit, holding {@code rows} (SQL VALUES). */
    private void itemsWithEmailsUniqueAtCommit(String rows) throws Exception {
        try (var c = pg.connect(db); var s = c.createStatement()) {
            s.execute("CREATE TABLE public.items (id int PRIMARY KEY, email text NOT NULL, "
                    + "CONSTRAINT items_email UNIQUE (email) DEFERRABLE INITIALLY DEFERRED)");
            s.execute("INSERT INTO public.items VALUES " + rows);
        }
    }

    /**
     * {@code batch} put by a task with errors.tolerance=all and {@code extra}; the records the task reported errant.
     */
    private List<SinkRecord> put(Map<String, String> extra, List<SinkRecord> batch) {
        Map<String, String> config = new HashMap<>(extra);
        config.put("errors.tolerance", "all");
        SinkTaskFixture.Context[] context = new SinkTaskFixture.Context[1];
        AdbPgSinkTask task = task(pg, db, config, context, p0);
        try {
            task.put(batch);
        } finally {
            task.stop();
        }
        return context[0].errant;
    }

    /** (Red before: the violation surfaced only at commit, after each record's savepoint, and failed the task.) */
    @Test
    void aRecordViolatingAConstraintCheckedAtCommitGoesToTheDeadLetterQueue() throws Exception {
        itemsWithEmailsUniqueAtCommit("(1, 'x')");
        SinkRecord taken = created(0, 2, "x");
        List<SinkRecord> errant = put(Map.of("session.replication.role", "origin"), List.of(taken, created(1, 3, "y")));
        assertThat(rows()).containsExactly("1 x", "3 y");
        assertThat(errant).containsExactly(taken);
    }

    /**
     * Two records swapping a unique value hold at commit, not at each statement: where a batch goes record by record for
     * another record's fault, they are written, and only that record is refused. (Red before: with the constraint
     * checked at each statement, the first of the swap was refused too.)
     */
    @Test
    void aSwapOfAUniqueValueInABatchAppliedRecordByRecordIsWritten() throws Exception {
        itemsWithEmailsUniqueAtCommit("(1, 'x'), (2, 'y')");
        SinkRecord noEmail = created(2, 3, null);
        List<SinkRecord> errant = put(Map.of("session.replication.role", "origin"),
                List.of(created(0, 1, "y"), created(1, 2, "x"), noEmail));
        assertThat(rows()).containsExactly("1 y", "2 x");
        assertThat(errant).containsExactly(noEmail);
    }

    /**
     * A truncate after a row whose deferred check is pending, in a batch that goes record by record: PostgreSQL refuses
     * a truncate while such checks are pending, so that pass checks every constraint at once. (Red before: the refusal,
     * taken for a transient failure, failed the put again and again.)
     */
    @Test
    void aTruncateAfterARowWithADeferredCheckInABatchAppliedRecordByRecordIsApplied() throws Exception {
        try (var c = pg.connect(db); var s = c.createStatement()) {
            s.execute("CREATE TABLE public.emails (email text PRIMARY KEY)");
            s.execute("INSERT INTO public.emails VALUES ('x'), ('z')");
            s.execute("CREATE TABLE public.items (id int PRIMARY KEY, email text NOT NULL "
                    + "REFERENCES public.emails DEFERRABLE INITIALLY DEFERRED)");
            s.execute("INSERT INTO public.items VALUES (1, 'x')");
        }
        SinkRecord noEmail = created(2, 4, null);
        List<SinkRecord> errant = put(Map.of("session.replication.role", "origin"),
                List.of(created(0, 3, "z"), truncated(1), noEmail));
        assertThat(rows()).isEmpty();
        assertThat(errant).containsExactly(noEmail);
    }

    /**
     * A record refused in a pass whose commit a deferred constraint then refuses is decided by the next pass: reported
     * only where that pass refuses it too. (Red before: B, refused in the first pass for a handle A took there, was
     * reported, and then written by the second, where A was refused: in the dead-letter queue and in the table.)
     */
    @Test
    void aRecordRefusedInAPassRolledBackIsReportedOnlyIfTheNextPassRefusesItToo() throws Exception {
        try (var c = pg.connect(db); var s = c.createStatement()) {
            s.execute("CREATE TABLE public.items (id int PRIMARY KEY, email text, handle text UNIQUE, "
                    + "CONSTRAINT items_email UNIQUE (email) DEFERRABLE INITIALLY DEFERRED)");
            s.execute("INSERT INTO public.items VALUES (1, 'x', 'a')");
        }
        SinkRecord a = withHandle(0, 5, "x", "h");
        SinkRecord b = withHandle(1, 6, "y", "h");
        List<SinkRecord> errant = put(Map.of("session.replication.role", "origin"), List.of(a, b));
        assertThat(rows()).containsExactly("1 x", "6 y");
        assertThat(errant).containsExactly(a);
    }

    private static final Schema ROW_WITH_HANDLE = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA)
            .field("email", Schema.OPTIONAL_STRING_SCHEMA).field("handle", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ENVELOPE_WITH_HANDLE = EventContract.envelope(TOPIC, ROW_WITH_HANDLE);

    private static SinkRecord withHandle(long offset, int id, String email, String handle) {
        Struct envelope = new Struct(ENVELOPE_WITH_HANDLE).put("op", "c").put("source", source()).put("after",
                new Struct(ROW_WITH_HANDLE).put("id", id).put("email", email).put("handle", handle));
        return new SinkRecord(TOPIC, 0, KEY, new Struct(KEY).put("id", id), ENVELOPE_WITH_HANDLE, envelope, offset);
    }

    private static SinkRecord truncated(long offset) {
        return new SinkRecord(TOPIC, 0, null, null, ENVELOPE, new Struct(ENVELOPE).put("op", "t").put("source", source()),
                offset);
    }

    private static Struct source() {
        return new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql")
                .put("name", "p").put("ts_ms", 0L).put("db", "d").put("schema", "public").put("table", "items");
    }

    /** Under replica the constraint's trigger does not fire: the rows are written as the source sent them. */
    @Test
    void underReplicaAConstraintCheckedAtCommitDoesNotActOnTheSinksRows() throws Exception {
        itemsWithEmailsUniqueAtCommit("(1, 'x')");
        assertThat(put(Map.of(), List.of(created(0, 2, "x")))).isEmpty();
        assertThat(rows()).containsExactly("1 x", "2 x");
    }
}
