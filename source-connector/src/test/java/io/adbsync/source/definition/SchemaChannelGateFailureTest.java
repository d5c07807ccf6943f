package io.adbsync.source.definition;

import io.adbsync.common.contract.SourceTableHeader;
import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.common.definition.TableShape;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaChannelGateFailureTest {

    private static final ObjectRef ORDERS = new ObjectRef(ObjectKind.TABLE, "public", "orders");

    private static final class Catalog implements SchemaChannelGate.Reader {
        List<String> columns = new ArrayList<>(List.of("id"));
        int reads;
        int failOnRead = -1;
        int failuresLeft = 1;
        SQLException failure = new SQLException("connection lost", "08006");

        Definition table() {
            List<ColumnShape> cols = columns.stream().map(c -> new ColumnShape(c, "bigint", c.equals("id"), null, null, null)).toList();
            return Definition.ofTable(ORDERS, List.of(), new TableShape(cols, List.of("id"), List.of(), null, null));
        }

        @Override
        public SchemaChannelGate.Read definitions() throws SQLException {
            reads++;
            if (reads >= failOnRead && failOnRead > 0 && failuresLeft-- > 0) {
                throw failure;
            }
            return new SchemaChannelGate.Read(List.of(table()), List.of());
        }

    }

    private final Catalog catalog = new Catalog();
    private final AtomicLong now = new AtomicLong(1_000);
    private final SchemaChannelGate gate = new SchemaChannelGate("p", catalog, 30_000, 3_600_000, now::get);

    private static Schema schema(String... extra) {
        SchemaBuilder b = SchemaBuilder.struct().name("p.public.orders.Envelope").field("id", Schema.INT64_SCHEMA);
        for (String e : extra) {
            b.field(e, Schema.OPTIONAL_INT64_SCHEMA);
        }
        return b.build();
    }

    private static SourceRecord row(Schema schema, long id) {
        SourceRecord r = new SourceRecord(Map.of("slot", "s"), Map.of("lsn", id), "p.public.orders", null, null, null, schema,
                new Struct(schema).put("id", id));
        r.headers().addString(SourceTableHeader.HEADER, SourceTableHeader.encode("public", "orders"));
        return r;
    }

    /**
     * A read that fails for a reason reconnecting cannot cure (a privilege, a catalog the server lacks) fails the task
     * with what failed and what to do, not as a lost replication stream.
     */
    @Test
    void aReadThatCannotSucceedFailsWithWhatToDo() {
        catalog.failOnRead = 1;
        catalog.failure = new SQLException("ERROR: permission denied for table pg_proc", "42501");
        assertThatThrownBy(() -> gate.gate(List.of(row(schema(), 1))))
                .isInstanceOf(org.apache.kafka.connect.errors.ConnectException.class)
                .hasMessage("Cannot read the definitions of the captured tables for p.schema-changes: ERROR: permission "
                        + "denied for table pg_proc (SQLState 42501). Grant the connector's user what it lacks, or set "
                        + "schema.changes.enabled=false to run without the schema channel.");
    }

    /**
     * A table dropped while its definition is read makes the catalog functions fail ("cache lookup failed", XX000, or
     * "could not open relation", 42P01): the read is worth trying again, on the same connection, not a failed task.
     */
    @Test
    void aReadRacingADropIsReadAgainAndOnlyARepeatedFailureFailsTheTask() throws Exception {
        catalog.failOnRead = 1;
        catalog.failure = new SQLException("ERROR: cache lookup failed for relation 16999", "XX000");
        assertThatThrownBy(() -> gate.gate(List.of(row(schema(), 1)))).isInstanceOf(SchemaChannelGate.ReadAgain.class)
                .hasCause(catalog.failure);
        // Handed in again: this read works, and the records go after the definitions.
        assertThat(gate.gate(List.of(row(schema(), 1)))).hasSize(2);

        catalog.failuresLeft = 100;
        catalog.columns.add("note");
        for (int i = 1; i < SchemaChannelGate.READ_ATTEMPTS; i++) {
            assertThatThrownBy(() -> gate.gate(List.of(row(schema("note"), 2)))).isInstanceOf(SchemaChannelGate.ReadAgain.class);
        }
        assertThatThrownBy(() -> gate.gate(List.of(row(schema("note"), 2))))
                .isInstanceOf(org.apache.kafka.connect.errors.ConnectException.class)
                .hasMessageStartingWith("Cannot read the definitions of the captured tables for p.schema-changes ("
                        + SchemaChannelGate.READ_ATTEMPTS + " attempts): ERROR: cache lookup failed for relation 16999 (SQLState XX000)");
    }

    /** A lost connection is left to the task, which reconnects and hands the same records in again. */
    @Test
    void aLostConnectionIsThrownAsItIsForTheTaskToReconnect() {
        catalog.failOnRead = 1;
        assertThatThrownBy(() -> gate.gate(List.of(row(schema(), 1)))).isSameAs(catalog.failure);
    }

    /** pgoutput re-sends an unchanged Relation after every reconnect/relcache invalidation: a new but equal schema. */
    @Test
    void anEqualSchemaInstanceReadsTheWholeCatalogAgain() throws Exception {
        gate.gate(List.of(row(schema(), 1)));
        for (int i = 0; i < 5; i++) {
            gate.gate(List.of(row(schema(), 2 + i)));
        }
        assertThat(catalog.reads).as("full catalog reads for 6 records of one unchanged table").isEqualTo(1);
    }

    /** A read fails after definitions were sent before: the batch, handed in again, goes after all of them again. */
    @Test
    void aFailedReadSendsEverythingAgainBeforeTheRecords() throws Exception {
        gate.gate(List.of(row(schema(), 1)));
        catalog.columns.add("note");
        now.addAndGet(30_000);
        catalog.failOnRead = 2; // the refresh's read
        List<SourceRecord> batch = List.of(row(schema("note"), 2));
        assertThatThrownBy(() -> gate.gate(batch)).isInstanceOf(SQLException.class);
        // AdbPgSourceTask keeps the batch in awaitingDefinitions and gates it again after reconnecting.
        List<SourceRecord> out = gate.gate(batch);
        String named = (String) out.get(out.size() - 1).headers().lastWithName(SchemaChannel.VERSION_HEADER).value();
        assertThat(named).isEqualTo(catalog.table().version());
        assertThat(out.stream().filter(r -> r.topic().equals("p.schema-changes")).toList())
                .as("the definition the record names is handed to Connect").isNotEmpty();
    }

    /** A record handed in again (its batch was held after a failed read) carries one set of marks, the latest. */
    @Test
    void aRecordHandedInAgainCarriesOneSetOfMarks() throws Exception {
        SourceRecord record = row(schema(), 1);
        gate.gate(List.of(record));
        gate.gate(List.of(record));
        for (String header : List.of(SchemaChannel.VERSION_HEADER, SchemaChannel.TIME_HEADER, SchemaChannel.TOPIC_HEADER)) {
            assertThat(record.headers().allWithName(header)).toIterable().as(header).hasSize(1);
        }
    }

    /** A new table's first read fails: after the reconnect its records go without the version header. */
    @Test
    void aFailedFirstReadLetsTheRecordsOfANewTableThroughUnmarked() throws Exception {
        catalog.failOnRead = 1;
        List<SourceRecord> batch = List.of(row(schema(), 1));
        assertThatThrownBy(() -> gate.gate(batch)).isInstanceOf(SQLException.class);
        List<SourceRecord> out = gate.gate(batch);
        assertThat(out.get(out.size() - 1).headers().lastWithName(SchemaChannel.VERSION_HEADER)).as("version header").isNotNull();
    }
}
