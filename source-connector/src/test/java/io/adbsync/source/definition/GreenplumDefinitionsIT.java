package io.adbsync.source.definition;

import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.Distribution;
import io.adbsync.common.sql.TableId;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import static io.adbsync.source.definition.DefinitionReaderIT.assertDependenciesComeFirst;
import static io.adbsync.source.definition.DefinitionReaderIT.byKey;
import static io.adbsync.source.definition.DefinitionReaderIT.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link DefinitionReader} on a real Greenplum 7 coordinator: distribution and storage of each kind of table. */
class GreenplumDefinitionsIT {

    @Test
    void distributionAndStorageAreReadFromTheCoordinatorsCatalog() throws SQLException {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String db = gp.createDatabase("gp_definitions");
        try {
            gp.execute(db, "CREATE SCHEMA gp",
                    "CREATE TYPE gp.state AS ENUM ('new', 'done')",
                    "CREATE TABLE gp.hashed (id integer, k text, state gp.state DEFAULT 'new', serial_no serial, "
                            + "PRIMARY KEY (k, id)) DISTRIBUTED BY (k, id)",
                    "CREATE TABLE gp.spread (id integer, v text) DISTRIBUTED RANDOMLY",
                    "CREATE TABLE gp.everywhere (id integer PRIMARY KEY) DISTRIBUTED REPLICATED",
                    "CREATE TABLE gp.by_column (id integer, v text) WITH (appendonly=true, orientation=column) DISTRIBUTED BY (id)",
                    "CREATE TABLE gp.by_row (id integer, v text) WITH (appendonly=true) DISTRIBUTED BY (id)",
                    "CREATE TABLE gp.parts (id integer, at date) DISTRIBUTED BY (id) PARTITION BY RANGE (at)",
                    "CREATE TABLE gp.parts_2024 PARTITION OF gp.parts FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                    "CREATE TABLE gp.mixed (id integer, at date) DISTRIBUTED BY (id) PARTITION BY RANGE (at)",
                    "CREATE TABLE gp.mixed_2024 PARTITION OF gp.mixed FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                    "CREATE TABLE gp.mixed_2023 PARTITION OF gp.mixed FOR VALUES FROM ('2023-01-01') TO ('2024-01-01') "
                            + "WITH (appendonly=true, orientation=column)",
                    "CREATE INDEX hashed_state_idx ON gp.hashed (state)",
                    "CREATE VIEW gp.open_items AS SELECT id, k FROM gp.hashed WHERE state = 'new'",
                    "INSERT INTO gp.hashed (id, k) VALUES (1, 'a'), (2, 'b')");
            List<TableId> tables = List.of(new TableId("gp", "by_column"), new TableId("gp", "by_row"), new TableId("gp", "everywhere"),
                    new TableId("gp", "hashed"), new TableId("gp", "mixed"), new TableId("gp", "parts"), new TableId("gp", "spread"));
            SourceDefinitions read;
            SourceDefinitions again;
            try (Connection c = gp.connect(db)) {
                DefinitionReader reader = DefinitionReader.of(c);
                assertThat(reader.greenplum()).isTrue();
                read = reader.read(c, tables);
                again = reader.read(c, tables);
            }
            assertDependenciesComeFirst(read.definitions());
            assertThat(versions(again)).isEqualTo(versions(read));
            Map<String, Definition> byKey = byKey(read);
            assertThat(byKey).containsKeys("schema:\"gp\".\"gp\"", "enum:\"gp\".\"state\"", "sequence:\"gp\".\"hashed_serial_no_seq\"",
                    "index:\"gp\".\"hashed_state_idx\"", "view:\"gp\".\"open_items\"");

            assertThat(byKey.get("table:\"gp\".\"hashed\"").table().distribution()).isEqualTo(new Distribution("hash", List.of("k", "id")));
            assertThat(byKey.get("table:\"gp\".\"hashed\"").table().storage()).isEqualTo("heap");
            assertThat(byKey.get("table:\"gp\".\"hashed\"").table().primaryKey()).containsExactly("k", "id");
            assertThat(byKey.get("table:\"gp\".\"spread\"").table().distribution()).isEqualTo(new Distribution("random", List.of()));
            assertThat(byKey.get("table:\"gp\".\"everywhere\"").table().distribution()).isEqualTo(new Distribution("replicated", List.of()));
            assertThat(byKey.get("table:\"gp\".\"by_column\"").table().storage()).isEqualTo("ao_column");
            assertThat(byKey.get("table:\"gp\".\"by_column\"").table().distribution()).isEqualTo(new Distribution("hash", List.of("id")));
            assertThat(byKey.get("table:\"gp\".\"by_row\"").table().storage()).isEqualTo("ao_row");
            assertThat(byKey.get("table:\"gp\".\"parts\"").table().distribution()).isEqualTo(new Distribution("hash", List.of("id")));
            assertThat(byKey.get("table:\"gp\".\"parts\"").table().storage()).isEqualTo("heap");
            assertThat(byKey.get("table:\"gp\".\"mixed\"").table().storage()).isNull();
            assertThat(read.skipped()).extracting(Skipped::toString).contains("storage of table gp.mixed: its partitions are "
                    + "stored differently (ao_column, heap): the destination table gets the sink's storage; create it there "
                    + "by hand to store it otherwise");

            // Sequences are served by the coordinator: its position is past the values the segments' rows took.
            assertThat(byKey.get("sequence:\"gp\".\"hashed_serial_no_seq\"").sequence().lastValue()).isGreaterThanOrEqualTo(2L);
            assertThat(byKey.get("sequence:\"gp\".\"hashed_serial_no_seq\"").sequence().isCalled()).isTrue();
        } finally {
            gp.dropDatabase(db);
        }
    }

    /**
     * The aggregate and operators of {@link DefinitionReaderIT#STATS} (without the C function, whose library Greenplum
     * lacks) read from Greenplum 7's catalog as from PostgreSQL's, and their statements run there.
     */
    @Test
    void aggregatesAndOperatorsReadAndRunOnGreenplum() throws SQLException {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String db = gp.createDatabase("gp_aggops");
        String copy = gp.createDatabase("gp_aggops_copy");
        try {
            gp.execute(db, java.util.Arrays.stream(DefinitionReaderIT.STATS)
                    .filter(sql -> !sql.contains("c_pick") && !sql.contains("stats.pick")).toArray(String[]::new));
            List<TableId> tables = List.of(new TableId("stats", "readings"));
            SourceDefinitions read;
            try (Connection c = gp.connect(db)) {
                read = DefinitionReader.of(c).read(c, tables);
            }
            assertDependenciesComeFirst(read.definitions());
            assertThat(read.skipped()).isEmpty();
            Map<String, Definition> byKey = byKey(read);
            assertThat(byKey.get("aggregate:\"stats\".\"norm(numeric)\"").statements()).containsExactly("CREATE AGGREGATE "
                    + "\"stats\".\"norm\"(numeric) (SFUNC = \"stats\".\"add_square\", STYPE = numeric, FINALFUNC = "
                    + "\"stats\".\"root\", FINALFUNC_MODIFY = READ_ONLY, INITCOND = '0', PARALLEL = SAFE)");
            assertThat(byKey).containsKeys("operator:\"stats\".\"<<<(numeric, numeric)\"",
                    "operator:\"stats\".\">>>(numeric, numeric)\"", "view:\"stats\".\"norms\"");
            try (Connection c = gp.connect(copy); java.sql.Statement s = c.createStatement()) {
                ShapeRenderer.apply(s, read.definitions());
            }
            gp.execute(copy, "INSERT INTO stats.readings VALUES (1, 1, 20, 'a'), (2, 5, 100, 'b')");
            try (Connection c = gp.connect(copy); java.sql.Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery("SELECT high_norm::text FROM stats.norms")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("101.980390");
            }
            try (Connection c = gp.connect(copy)) {
                assertThat(versions(DefinitionReader.of(c).read(c, tables))).isEqualTo(versions(read));
            }
        } finally {
            gp.dropDatabase(db);
            gp.dropDatabase(copy);
        }
    }
}
