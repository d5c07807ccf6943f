package io.adbsync.sink.definition;

import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.DefinitionCodec;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.TableShape;
import io.adbsync.common.sql.TableId;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.sink.naming.NameCase;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.adbsync.sink.Sql.scalar;
import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;

/** A redelivered batch of the schema topic, and statements that try to carry more than one statement. */
class DefinitionReplayIT {

    private static SinkRecord def(Definition d, long ts, long offset) {
        return new SinkRecord("src.schema-changes", 0, DefinitionCodec.KEY_SCHEMA, d.ref().key(), DefinitionCodec.VALUE_SCHEMA,
                DefinitionCodec.encode(d, null, ts), offset);
    }

    @Test
    void replayingOlderDefinitionsKeepsTheDataOfANewerOne() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("replay");
        ObjectRef ref = new ObjectRef(ObjectKind.TABLE, "public", "items");
        Definition v1 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null)), List.of("id"), List.of(), null, null));
        Definition v2 = Definition.ofTable(ref, List.of(), new TableShape(List.of(
                new ColumnShape("id", "integer", true, null, null, null),
                new ColumnShape("note", "text", false, null, null, null)), List.of("id"), List.of(), null, null));
        try (Connection c = pg.connect(db)) {
            c.setAutoCommit(false);
            Dialect dialect = Dialects.detect(c);
            c.commit();
            DefinitionApplier applier = new DefinitionApplier(dialect, DefinitionGolden.names(NameCase.KEEP),
                    new DestinationSettings(Optional.empty(), List.of(), SinkConfig.ConflictMode.FAIL));
            SchemaChannelSink sink = new SchemaChannelSink(new DefinitionLedger(new TableId("public", "adbsync_schema_sync"), dialect),
                    new SchemaChannelSink.Appliers() {
                        @Override
                        public DefinitionApplier applier(String topicPrefix) {
                            return applier;
                        }

                        @Override
                        public String refusal(String topicPrefix, Definition definition) {
                            return null;
                        }
                    }, 600_000, System::currentTimeMillis);
            List<String> refused = new ArrayList<>();
            List<SinkRecord> batch = List.of(def(v1, 1_000, 10), def(v2, 2_000, 11));
            sink.applyDefinitions(c, batch, (r, m) -> refused.add(m));
            sql(pg, db, "INSERT INTO items VALUES (1, 'written under v2')");
            // The task failed before the schema topic's offsets were committed: the batch comes again.
            sink.applyDefinitions(c, batch, (r, m) -> refused.add(m));
        }
        assertThat(scalar(pg, db, "SELECT coalesce(note, '<null>') FROM items WHERE id = 1")).isEqualTo("written under v2");
    }

    @Test
    void aStatementStartingWithCreateRunsOnlyThatStatement() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("multistmt");
        sql(pg, db, "CREATE TABLE public.victim (id int)", "CREATE TABLE public.adbsync_offsets (id int)");
        Definition view = Definition.ofStatements(new ObjectRef(ObjectKind.VIEW, "public", "v"), List.of(),
                List.of("CREATE VIEW public.v AS SELECT 1 AS one; DROP TABLE public.victim; DROP TABLE public.adbsync_offsets"));
        try (Connection c = pg.connect(db)) {
            c.setAutoCommit(false);
            DefinitionApplier applier = new DefinitionApplier(Dialects.detect(c), DefinitionGolden.names(NameCase.KEEP),
                    new DestinationSettings(Optional.empty(), List.of(), SinkConfig.ConflictMode.FAIL));
            c.commit();
            try {
                applier.apply(c, view);
            } catch (Exception e) {
                // Refused: what matters is that nothing else ran.
            }
        }
        assertThat(scalar(pg, db, "SELECT count(*) FROM pg_class WHERE relname IN ('victim', 'adbsync_offsets')")).isEqualTo("2");
    }
}
