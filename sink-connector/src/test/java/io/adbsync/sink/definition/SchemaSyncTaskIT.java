package io.adbsync.sink.definition;

import io.adbsync.common.contract.BarrierHeaders;
import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.common.contract.EventContract;
import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.DefinitionCodec;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.common.definition.TableShape;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.sink.AdbPgSinkTask;
import io.adbsync.sink.barrier.SinkTaskFixture;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.sink.barrier.SinkTaskFixture.rec;
import static io.adbsync.sink.barrier.SinkTaskFixture.task;
import static org.assertj.core.api.Assertions.assertThat;

/** Sink tasks under schema.sync=all, driven as the Connect runtime drives them, against a real destination. */
class SchemaSyncTaskIT {

    private static final ObjectRef ITEMS = new ObjectRef(ObjectKind.TABLE, "public", "items");
    private static final Definition V1 = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
            new ColumnShape("id", "integer", true, null, null, null)), List.of("id"), List.of(), null, null));
    private static final Definition V2 = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
            new ColumnShape("id", "integer", true, null, null, null),
            new ColumnShape("v", "text", false, null, null, null)), List.of("id"), List.of(), null, null));

    private static final Definition V3 = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
            new ColumnShape("id", "integer", true, null, null, null),
            new ColumnShape("v", "text", false, null, null, null),
            new ColumnShape("w", "text", false, null, null, null)), List.of("id"), List.of(), null, null));

    /** A table without a primary key (its records keyed by a replica identity index), before and after UNIQUE (id). */
    private static final Definition KEYLESS = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
            new ColumnShape("id", "integer", true, null, null, null),
            new ColumnShape("v", "text", false, null, null, null)), List.of(), List.of(), null, null));
    private static final Definition UNIQUE_ID = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
            new ColumnShape("id", "integer", true, null, null, null),
            new ColumnShape("v", "text", false, null, null, null)), List.of(),
            List.of(new ConstraintShape("items_id_key", "UNIQUE", "UNIQUE (id)")), null, null));
    private static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA)
            .field("v", Schema.OPTIONAL_STRING_SCHEMA).build();
    private static final Schema ENVELOPE = EventContract.envelope(SinkTaskFixture.TOPIC, ROW);

    private final TopicPartition items = new TopicPartition(SinkTaskFixture.TOPIC, 0);
    private final TopicPartition schema = new TopicPartition("p.schema-changes", 0);
    /** Read by a task that does not read the schema topic. */
    private final TopicPartition items1 = new TopicPartition(SinkTaskFixture.TOPIC, 1);
    private PostgresServer pg;
    private String db;

    @BeforeEach
    void createDatabase() throws Exception {
        pg = Postgres.shared();
        db = pg.createDatabase("schemasynctask");
    }

    @AfterEach
    void dropDatabase() throws Exception {
        pg.dropDatabase(db);
    }

    private static SinkRecord definition(Definition d, long tsMs, long offset) {
        return new SinkRecord("p.schema-changes", 0, DefinitionCodec.KEY_SCHEMA, d.ref().key(), DefinitionCodec.VALUE_SCHEMA,
                DefinitionCodec.encode(d, null, tsMs), offset);
    }

    private static SinkRecord row(long offset, Definition under, long tsMs) {
        return row(0, offset, 1, under, tsMs);
    }

    private static SinkRecord row(int partition, long offset, int id, Definition under, long tsMs) {
        return rec(partition, offset, id, SchemaChannel.VERSION_HEADER, under.version(), SchemaChannel.TIME_HEADER, Long.toString(tsMs),
                SchemaChannel.TOPIC_HEADER, "p.schema-changes", SourceTableHeader.HEADER, SourceTableHeader.encode("public", "items"));
    }

    /** A delete of row {@code id}, keyed by it, naming definition {@code under}. */
    private static SinkRecord delete(int partition, long offset, int id, Definition under, long tsMs) {
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql").put("name", "p")
                .put("ts_ms", 0L).put("db", "d").put("schema", "public").put("table", "items");
        Struct envelope = new Struct(ENVELOPE).put("op", "d").put("source", source)
                .put("before", new Struct(ROW).put("id", id).put("v", "v" + id));
        SinkRecord r = new SinkRecord(SinkTaskFixture.TOPIC, partition, KEY, new Struct(KEY).put("id", id), ENVELOPE, envelope, offset);
        r.headers().addString(SchemaChannel.VERSION_HEADER, under.version()).addString(SchemaChannel.TIME_HEADER, Long.toString(tsMs))
                .addString(SchemaChannel.TOPIC_HEADER, "p.schema-changes")
                .addString(SourceTableHeader.HEADER, SourceTableHeader.encode("public", "items"));
        return r;
    }

    /** Two tasks of one connector under schema.sync=all: one reads the schema topic too, the other does not. */
    private record TwoTasks(AdbPgSinkTask reader, AdbPgSinkTask other, SinkTaskFixture.Context otherContext) {
        void stop() {
            reader.stop();
            other.stop();
        }
    }

    /** {@code reader} with partition 0 of the items topic and the schema topic, {@code other} with partition 1; config pairs {@code extra}. */
    private TwoTasks twoTasks(String... extra) {
        Map<String, String> config = new HashMap<>(Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes"));
        for (int i = 0; i < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        SinkTaskFixture.Context[] otherContext = new SinkTaskFixture.Context[1];
        AdbPgSinkTask reader = task(pg, db, config, null, items, schema);
        AdbPgSinkTask other = task(pg, db, config, otherContext, items1);
        return new TwoTasks(reader, other, otherContext[0]);
    }

    /** The destination's rows of public.items as {@code id=v,…} ({@code <null>} for NULL), by id. */
    private String itemRows() throws Exception {
        return pg.scalar(db, "SELECT string_agg(id || '=' || coalesce(v, '<null>'), ',' ORDER BY id) FROM public.items");
    }

    private void execute(String sql) throws Exception {
        try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /**
     * Two tasks, one of them reading the schema topic: a unique key a definition gives a table without a primary key,
     * applied by that task after the other had looked at the table. The other task's deletes by that key are matched
     * on one row now: written, not refused as deletes that could remove many rows.
     */
    @Test
    void aUniqueKeyAddedByAnotherTasksDefinitionIsSeenByEveryTask() throws Exception {
        TwoTasks tasks = twoTasks("errors.tolerance", "all");
        AdbPgSinkTask reader = tasks.reader();
        AdbPgSinkTask other = tasks.other();
        SinkTaskFixture.Context otherContext = tasks.otherContext();
        reader.put(List.of(definition(KEYLESS, 1_000, 0)));
        // No unique key yet: a delete by id could remove several rows, and is refused (rightly).
        other.put(List.of(delete(1, 0, 7, KEYLESS, 1_000)));
        assertThat(otherContext.errant).hasSize(1);
        reader.put(List.of(definition(UNIQUE_ID, 2_000, 1)));
        execute("INSERT INTO public.items VALUES (1, 'v1'), (2, 'v2')");
        other.put(List.of(delete(1, 1, 1, UNIQUE_ID, 2_000)));
        tasks.stop();
        assertThat(otherContext.errant).as("records refused; the last: %s", otherContext.errant.isEmpty() ? null
                : otherContext.errant.get(otherContext.errant.size() - 1)).hasSize(1);
        assertThat(pg.scalar(db, "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.items")).isEqualTo("2");
    }

    /**
     * A table without a primary key whose records are keyed by a unique constraint (the source's replica identity
     * index): the sink makes the constraint deferrable, which PostgreSQL refuses as the arbiter of ON CONFLICT.
     */
    @Test
    void rowsOfATableKeyedByAUniqueConstraintAreWritten() throws Exception {
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes"), null, items, schema);
        task.put(List.of(definition(UNIQUE_ID, 1_000, 0), row(0, 1, 1, UNIQUE_ID, 1_000)));
        task.put(List.of(row(0, 2, 1, UNIQUE_ID, 1_000), row(0, 3, 2, UNIQUE_ID, 1_000)));
        task.stop();
        assertThat(pg.scalar(db, "SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM public.items")).isEqualTo("1=v1,2=v2");
    }

    /**
     * A column dropped at the source and added again as it was: the table's definition is then the one it had before
     * the drop, the same version. Records naming it, read after the drop, wait until it is applied again; written under
     * the definition without the column (the other task has not applied it yet), their values of it would be lost.
     */
    @Test
    void recordsOfATableChangedBackWaitForTheDefinitionAppliedAgain() throws Exception {
        TwoTasks tasks = twoTasks();
        AdbPgSinkTask reader = tasks.reader();
        AdbPgSinkTask other = tasks.other();
        SinkTaskFixture.Context otherContext = tasks.otherContext();
        reader.put(List.of(definition(V2, 1_000, 0)));
        reader.put(List.of(definition(V1, 2_000, 1)));
        // v added again at the source: V2 again, read at 3000; the reader has not got there yet.
        other.put(List.of(row(1, 0, 5, V2, 3_000)));
        boolean held = otherContext.paused.contains(items1);
        reader.put(List.of(definition(V2, 3_000, 2)));
        Thread.sleep(600);
        other.put(List.of());
        if (held) {
            assertThat(otherContext.paused).as("released once the definition is applied again").doesNotContain(items1);
            // Delivered again from where it waited, as the runtime does after the rewind.
            other.put(List.of(row(1, 0, 5, V2, 3_000)));
        }
        tasks.stop();
        assertThat(itemRows())
                .isEqualTo("5=v5");
    }

    /**
     * A column added at the source with a default that is dropped at once (ALTER TABLE ADD COLUMN w int NOT NULL DEFAULT
     * 0; ALTER TABLE ALTER w DROP DEFAULT, as Django migrations do): the source's older rows hold 0 (a fast default), its
     * definition has no default but that value. The destination's older rows must hold 0 too, and w stays NOT NULL.
     */
    @Test
    void aColumnAddedWithAFastDefaultHoldsItsValueInTheOlderRows() throws Exception {
        Definition withW = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("v", "text", false, null, null, null),
                new ColumnShape("w", "integer", true, null, null, null, "0")), List.of("id"), List.of(), null, null));
        Schema row = SchemaBuilder.struct().optional().field("id", Schema.INT32_SCHEMA).field("v", Schema.OPTIONAL_STRING_SCHEMA)
                .field("w", SchemaBuilder.int32().parameter(EventContract.MISSING_VALUE_PARAMETER, "0").build()).build();
        Schema envelopeSchema = EventContract.envelope(SinkTaskFixture.TOPIC, row);
        Struct source = new Struct(EventContract.SOURCE_SCHEMA).put("version", "1").put("connector", "postgresql").put("name", "p")
                .put("ts_ms", 0L).put("db", "d").put("schema", "public").put("table", "items");
        Struct envelope = new Struct(envelopeSchema).put("op", "c").put("source", source)
                .put("after", new Struct(row).put("id", 2).put("v", "v2").put("w", 5));
        SinkRecord second = new SinkRecord(SinkTaskFixture.TOPIC, 0, KEY, new Struct(KEY).put("id", 2), envelopeSchema, envelope, 2);
        second.headers().addString(SchemaChannel.VERSION_HEADER, withW.version()).addString(SchemaChannel.TIME_HEADER, "2000")
                .addString(SchemaChannel.TOPIC_HEADER, "p.schema-changes")
                .addString(SourceTableHeader.HEADER, SourceTableHeader.encode("public", "items"));
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes"), null, items, schema);
        task.put(List.of(definition(V2, 1_000, 0), row(0, 1, 1, V2, 1_000)));
        task.put(List.of(definition(withW, 2_000, 1), second));
        task.stop();
        assertThat(pg.scalar(db, "SELECT string_agg(id || '=' || coalesce(w::text, '<null>'), ',' ORDER BY id) FROM public.items"))
                .isEqualTo("1=0,2=5");
        assertThat(pg.scalar(db, "SELECT attnotnull::text || ',' || atthasdef::text FROM pg_attribute "
                + "WHERE attrelid = 'public.items'::regclass AND attname = 'w'")).as("NOT NULL, no default").isEqualTo("true,false");
    }

    /**
     * Rows inserted at the source before a column added with a fast default, whose records arrive after the column
     * was added here (late in their partition, or on a task behind the schema topic's reader): their records carry no
     * value of it, and the rows hold the fast default at the source. Written with it, not refused by NOT NULL.
     */
    @ParameterizedTest(name = "w NOT NULL: {0}")
    @ValueSource(booleans = {true, false})
    void rowsInsertedBeforeAColumnWithAFastDefaultArrivingLateHoldItsValue(boolean notNull) throws Exception {
        Definition withW = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("v", "text", false, null, null, null),
                new ColumnShape("w", "integer", notNull, null, null, null, "0")), List.of("id"), List.of(), null, null));
        TwoTasks tasks = twoTasks();
        AdbPgSinkTask reader = tasks.reader();
        AdbPgSinkTask other = tasks.other();
        reader.put(List.of(definition(V2, 1_000, 0), row(0, 1, 1, V2, 1_000)));
        other.put(List.of(row(1, 0, 2, V2, 1_000)));
        reader.put(List.of(definition(withW, 2_000, 1)));
        // Rows 3 and 4 were inserted before w was added; row 2 changed then too.
        other.put(List.of(row(1, 1, 3, V2, 1_000), row(1, 2, 2, V2, 1_000)));
        reader.put(List.of(row(0, 2, 4, V2, 1_000)));
        tasks.stop();
        assertThat(pg.scalar(db, "SELECT string_agg(id || '=' || v || '/' || coalesce(w::text, '<null>'), ',' ORDER BY id) "
                + "FROM public.items")).isEqualTo("1=v1/0,2=v2/0,3=v3/0,4=v4/0");
    }

    /**
     * A column dropped at the source and another of the same name added later: a record written before the drop that
     * arrives after both (late in its partition, or on a task behind the schema topic's reader) must not put the old
     * column's value into the new column, which holds no value (NULL) for that row at the source.
     */
    @Test
    void aValueOfADroppedColumnDoesNotGoIntoANewColumnOfTheSameName() throws Exception {
        Definition readded = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("v", "text", false, null, null, null)), List.of("id"),
                List.of(new ConstraintShape("items_v_check", "CHECK", "CHECK ((v <> ''::text))")), null, null));
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes"), null, items, schema);
        task.put(List.of(definition(V2, 1_000, 0), definition(V1, 2_000, 1), definition(readded, 3_000, 2),
                row(0, 3, 7, V2, 1_000)));
        task.stop();
        assertThat(itemRows())
                .isEqualTo("7=<null>");
    }

    /**
     * The same on a task that does not read the schema topic, in one batch with records written after the column was
     * added again: those keep their values, also one still naming the definition without the column (the source had
     * not read the table again yet), and a row already here is not given the dropped column's value.
     */
    @Test
    void onlyTheValuesOfTheDroppedColumnAreLeftOutOnEveryTask() throws Exception {
        Definition readded = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("v", "text", false, null, null, null)), List.of("id"),
                List.of(new ConstraintShape("items_v_check", "CHECK", "CHECK ((v <> ''::text))")), null, null));
        TwoTasks tasks = twoTasks();
        tasks.reader().put(List.of(definition(V2, 1_000, 0), definition(V1, 2_000, 1), definition(readded, 3_000, 2)));
        execute("INSERT INTO public.items VALUES (4, NULL)");
        tasks.other().put(List.of(row(1, 0, 3, V2, 1_000), row(1, 1, 4, V2, 1_000), row(1, 2, 8, V1, 2_000),
                row(1, 3, 9, readded, 3_000)));
        tasks.stop();
        assertThat(tasks.otherContext().paused).isEmpty();
        assertThat(itemRows())
                .isEqualTo("3=<null>,4=<null>,8=v8,9=v9");
    }

    /**
     * A source with two key-shard tasks (tasks.max=2), each reading and timing definitions itself. Task A read the table
     * while v was absent (V1, at 2000) and after it was added again (V2 at 3000: the table changed back); task B read
     * it only before the drop (V2 at 1000), and every read of B since found that same version, so B still names V2 at
     * 1000 on the records it writes after the column came back. Those hold the new column's values (committed at
     * 3500, after the re-add): written, not left out as values of the dropped column.
     */
    @Test
    void recordsWrittenAfterAColumnCameBackKeepItsValuesWhateverTheirTasksLastRead() throws Exception {
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes"), null, items, schema);
        task.put(List.of(definition(V2, 1_000, 0), definition(V1, 2_000, 1), definition(V2, 3_000, 2),
                committedAt(row(0, 3, 9, V2, 1_000), 3_500), committedAt(row(0, 4, 7, V2, 1_000), 1_500)));
        task.stop();
        assertThat(itemRows())
                .isEqualTo("7=<null>,9=v9");
    }

    /**
     * Records from before a column was dropped and added again, in one batch with a record written after it came back:
     * theirs are left out, and must stay left out in the batch's one merge: a row already here keeps what its new column
     * holds, and a row new here gets what the source's older rows hold (the new column's fast default), not NULL.
     */
    @Test
    void leftOutValuesStayLeftOutInABatchWithRecordsThatCarryTheColumn() throws Exception {
        Definition readded = Definition.ofTable(ITEMS, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("v", "text", false, null, null, null, "m")), List.of("id"), List.of(), null, null));
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes"), null, items, schema);
        task.put(List.of(definition(V2, 1_000, 0), definition(V1, 2_000, 1), definition(readded, 3_000, 2)));
        execute("INSERT INTO public.items VALUES (4, 'd')");
        task.put(List.of(committedAt(row(0, 0, 3, V2, 1_000), 1_500), committedAt(row(0, 1, 4, V2, 1_000), 1_500),
                committedAt(row(0, 2, 9, readded, 3_000), 3_500)));
        task.stop();
        assertThat(itemRows())
                .isEqualTo("3=m,4=d,9=v9");
    }

    /**
     * Two key-shard source tasks: task A read the table while v was absent (V1 at 2000), task B only after it was added
     * again (V2 at 3000), and B's definition reached the schema topic first. A's, older than the one applied, is not
     * applied, but it still says v was absent at 2000: a record committed at 1500 holds the dropped column's value.
     */
    @Test
    void aDefinitionSkippedAsOlderStillSaysAColumnWasAbsent() throws Exception {
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes"), null, items, schema);
        task.put(List.of(definition(V2, 1_000, 0), definition(V2, 3_000, 1), definition(V1, 2_000, 2),
                committedAt(row(0, 3, 7, V2, 1_000), 1_500), committedAt(row(0, 4, 9, V2, 3_000), 3_500)));
        task.stop();
        assertThat(itemRows())
                .isEqualTo("7=<null>,9=v9");
        assertThat(pg.scalar(db, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns "
                + "WHERE table_schema = 'public' AND table_name = 'items'")).isEqualTo("id,v");
    }

    /** {@code record} with its source's commit time ({@code source.ts_ms}) set to {@code commitMs}. */
    private static SinkRecord committedAt(SinkRecord record, long commitMs) {
        ((Struct) record.value()).getStruct(EventContract.SOURCE).put("ts_ms", commitMs);
        return record;
    }

    @Test
    void recordsOfATableOutsideTheAllowListAreRefusedNotHeld() throws Exception {
        SinkTaskFixture.Context[] context = new SinkTaskFixture.Context[1];
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "table.allow.list", "public\\.other", "errors.tolerance", "all",
                "schema.sync.wait.ms", "1000", "topics", "p.public.items,p.schema-changes"), context, items, schema);
        task.put(List.of(definition(V2, 1_000, 0), row(0, V2, 1_000)));
        Thread.sleep(1_200);
        task.put(List.of());
        assertThat(context[0].errant).as("the definition and the record, refused").hasSize(2);
        assertThat(context[0].paused).isEmpty();
        task.stop();
    }

    /**
     * A column the table's latest definition still has, dropped at the destination by hand: its values cannot be
     * written, and that is said (the record refused, naming table and column), not taken for a drop at the source.
     */
    @Test
    void aColumnDroppedAtTheDestinationByHandIsNotTakenForOneDroppedAtTheSource() throws Exception {
        SinkTaskFixture.Context[] context = new SinkTaskFixture.Context[1];
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "errors.tolerance", "all",
                "topics", "p.public.items,p.schema-changes"), context, items, schema);
        task.put(List.of(definition(V2, 1_000, 0), row(0, V2, 1_000)));
        execute("ALTER TABLE public.items DROP COLUMN v");
        task.put(List.of(row(0, 1, 2, V2, 1_000)));
        task.stop();
        assertThat(context[0].errant).as("the record whose v cannot be written").hasSize(1);
        assertThat(pg.scalar(db, "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.items")).isEqualTo("1");
    }

    /**
     * A column dropped at the source while records written before the drop are on their way: the definition without it
     * is applied first (the batch's definitions go first), and those records must not bring the column back.
     */
    @Test
    void recordsWrittenBeforeADropColumnDoNotBringTheColumnBack() throws Exception {
        AdbPgSinkTask task = task(pg, db, Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes"), null, items, schema);
        task.put(List.of(definition(V2, 1_000, 0), row(0, V2, 1_000)));
        assertThat(pg.scalar(db, "SELECT v FROM public.items WHERE id = 1")).isEqualTo("v1");
        // v dropped at the source (the latest definition, read later, has no v); a row written before it still carries v.
        SinkRecord before = rec(0, 1, 2, SchemaChannel.VERSION_HEADER, V2.version(), SchemaChannel.TIME_HEADER, "1000",
                SchemaChannel.TOPIC_HEADER, "p.schema-changes", SourceTableHeader.HEADER, SourceTableHeader.encode("public", "items"));
        task.put(List.of(definition(V1, 3_000, 1), before));
        task.stop();
        assertThat(pg.scalar(db, "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 'public.items'::regclass AND attnum > 0 AND NOT attisdropped")).isEqualTo("id");
        assertThat(pg.scalar(db, "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.items")).isEqualTo("1,2");
    }

    /**
     * Two tasks, one of them reading the schema topic: a column the other task's records carry, added by a definition
     * the first task applied after the second had looked at the table, must be written, not judged dropped.
     */
    @Test
    void aColumnAddedByAnotherTasksDefinitionIsWrittenByEveryTask() throws Exception {
        TwoTasks tasks = twoTasks();
        AdbPgSinkTask reader = tasks.reader();
        AdbPgSinkTask other = tasks.other();
        reader.put(List.of(definition(V1, 1_000, 0), row(0, V1, 1_000)));
        other.put(List.of(row(1, 0, 2, V1, 1_000)));
        reader.put(List.of(definition(V2, 2_000, 1), row(0, 1, 3, V2, 2_000)));
        other.put(List.of(row(1, 1, 4, V2, 2_000)));
        tasks.stop();
        assertThat(itemRows())
                .as("v of rows 3 and 4 (written under the definition with v), by both tasks")
                .isEqualTo("1=<null>,2=<null>,3=v3,4=v4");
    }

    /**
     * Two tasks, one of them reading the schema topic: a column the other task knew, dropped by a definition the first
     * task applied since, while that task's records written before the drop still carry it. Written without it (as
     * one task would), not a failed task.
     */
    @Test
    void aColumnDroppedByAnotherTasksDefinitionDoesNotStopATask() throws Exception {
        TwoTasks tasks = twoTasks();
        AdbPgSinkTask reader = tasks.reader();
        AdbPgSinkTask other = tasks.other();
        reader.put(List.of(definition(V2, 1_000, 0), row(0, V2, 1_000)));
        other.put(List.of(row(1, 0, 2, V2, 1_000)));
        reader.put(List.of(definition(V1, 2_000, 1)));
        putAsTheRuntimeDoes(other, List.of(row(1, 1, 3, V2, 1_000)));
        tasks.stop();
        assertThat(pg.scalar(db, "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.items")).isEqualTo("1,2,3");
        assertThat(pg.scalar(db, "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute "
                + "WHERE attrelid = 'public.items'::regclass AND attnum > 0 AND NOT attisdropped")).isEqualTo("id");
    }

    /**
     * A batch applied again within one put (a column dropped meanwhile by another task's definition) reports a record
     * it refused once, not once per attempt.
     */
    @Test
    void aRecordRefusedInABatchAppliedAgainIsReportedOnce() throws Exception {
        TwoTasks tasks = twoTasks("errors.tolerance", "all");
        tasks.reader().put(List.of(definition(V2, 1_000, 0), row(0, V2, 1_000)));
        tasks.other().put(List.of(row(1, 0, 2, V2, 1_000)));
        tasks.reader().put(List.of(definition(V1, 2_000, 1)));
        // A version header without the source table's: malformed, refused where it is read.
        SinkRecord malformed = SinkTaskFixture.rec(1, 1, 3, SchemaChannel.VERSION_HEADER, V2.version());
        tasks.other().put(List.of(malformed, row(1, 2, 4, V2, 1_000)));
        tasks.stop();
        assertThat(tasks.otherContext().errant).as("reports of the malformed record").hasSize(1);
        assertThat(pg.scalar(db, "SELECT string_agg(id::text, ',' ORDER BY id) FROM public.items")).isEqualTo("1,2,4");
    }

    /** put() as the runtime calls it: a batch that failed with a retriable error is delivered again. */
    private static void putAsTheRuntimeDoes(AdbPgSinkTask task, List<SinkRecord> batch) {
        for (int attempt = 1; ; attempt++) {
            try {
                task.put(batch);
                return;
            } catch (org.apache.kafka.connect.errors.RetriableException e) {
                assertThat(attempt).as("attempts; last failure: %s", e.getMessage()).isLessThan(3);
            }
        }
    }

    @Test
    void definitionsDeliveredAgainAfterNewerOnesAreNotAppliedAgain() throws Exception {
        Map<String, String> config = Map.of("schema.sync", "all", "exactly.once.offsets.table", "public.adbsync_offsets",
                "topics", "p.public.items,p.schema-changes");
        List<SinkRecord> definitions = List.of(definition(V1, 1_000, 0), definition(V2, 2_000, 1));
        AdbPgSinkTask first = task(pg, db, config, null, items, schema);
        List<SinkRecord> batch = new ArrayList<>(definitions);
        batch.add(row(0, V2, 2_000));
        first.put(batch);
        first.stop();
        assertThat(pg.scalar(db, "SELECT v FROM public.items WHERE id = 1")).isEqualTo("v1");
        // Connect had not committed the schema topic's offsets: the next task gets the definitions again.
        AdbPgSinkTask next = task(pg, db, config, null, items, schema);
        next.put(definitions);
        next.stop();
        assertThat(pg.scalar(db, "SELECT coalesce(v, '<null>') FROM public.items WHERE id = 1")).isEqualTo("v1");
    }

    /**
     * A batch applied again because another task (one that lost a partition while its put ran long) recorded an arrival
     * at a truncate barrier meanwhile: a partition held in the first attempt for a definition not applied yet is held
     * afresh, from the record that names it, not from the start of the batch. (Red before: the hold of the first attempt
     * stayed, the second skipped the partition's records before the held one, and they were never written.)
     */
    @Test
    void aBatchAppliedAgainAfterAnArrivalRecordedElsewhereWritesTheRecordsBeforeAHold() throws Exception {
        Map<String, String> config = Map.of("schema.sync", "all", "topics", "p.public.items,p.schema-changes");
        AdbPgSinkTask reader = task(pg, db, config, null, schema);
        SinkTaskFixture.Context[] ownerContext = new SinkTaskFixture.Context[1];
        AdbPgSinkTask owner = task(pg, db, config, ownerContext, items, items1);
        AdbPgSinkTask zombie = null;
        try {
            reader.put(List.of(definition(V2, 1_000, 0)));
            // The owner reads the barriers of partition 1 with its first record.
            owner.put(List.of(twoPartitions(row(1, 0, 1, V2, 1_000))));
            // A task that had partition 1 before records its arrival at a truncate barrier there, at offset 50.
            zombie = task(pg, db, config, null, items1);
            zombie.put(List.of(twoPartitions(SinkTaskFixture.rec(1, 50, null, BarrierHeaders.BARRIER, "b1"))));
            List<SinkRecord> batch = new ArrayList<>();
            batch.add(twoPartitions(row(1, 40, 40, V2, 1_000)));
            for (int offset = 100; offset <= 104; offset++) {
                batch.add(twoPartitions(row(0, offset, offset, V2, 1_000)));
            }
            // Names a definition the reader has not applied yet: partition 0 waits there.
            batch.add(twoPartitions(row(0, 105, 105, V3, 2_000)));
            owner.put(batch);
        } finally {
            reader.stop();
            owner.stop();
            if (zombie != null) {
                zombie.stop();
            }
        }
        assertThat(itemRows()).as("the rows before the held record").contains("100=v100", "104=v104");
        assertThat(ownerContext[0].paused).as("waiting for the definition").contains(items);
    }

    /** {@code r} as a record of a topic of two partitions (which the truncate barriers count). */
    private static SinkRecord twoPartitions(SinkRecord r) {
        r.headers().addString(BarrierHeaders.PARTITIONS, "2");
        return r;
    }
}
