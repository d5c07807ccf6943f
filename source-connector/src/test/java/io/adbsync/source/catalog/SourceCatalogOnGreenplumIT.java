package io.adbsync.source.catalog;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.source.Sql;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.adbsync.common.sql.TableId;

import java.sql.SQLException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the snapshot asks the catalog of a table before planning its copy, on a real Greenplum 7 coordinator, where
 * append-optimized tables (the usual kind for analytics there) cannot be sampled by {@code TABLESAMPLE}.
 */
class SourceCatalogOnGreenplumIT {

    private PostgresServer gp;
    private String database;
    private SourceCatalog catalog;

    @BeforeEach
    void setUp() throws SQLException {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        gp = Greenplum.shared();
        database = gp.createDatabase("catalog_gp");
        catalog = new SourceCatalog(new ConnectionConfig(gp.jdbcUrl(database), gp.user(),
                gp.password() == null ? null : new Password(gp.password())));
    }

    @AfterEach
    void tearDown() throws SQLException {
        if (catalog != null) {
            catalog.close();
            gp.dropDatabase(database);
        }
    }

    /** Red before: "invalid relation type ... Sampling is only supported in heap tables", and the copy never started. */
    @Test
    void anAppendOptimizedTableWithoutStatisticsIsSizedWithoutSamplingIt() throws SQLException {
        // Loaded with statistics off, as a bulk load may leave it: no reltuples to scale.
        Sql.sql(gp, database, "SET gp_autostats_mode = none",
                "CREATE TABLE facts (id int, v text) WITH (appendoptimized = true) DISTRIBUTED BY (id)",
                "INSERT INTO facts SELECT g, repeat('v', 300) FROM generate_series(1, 20000) g");
        int oid = Integer.parseUnsignedInt(gp.scalar(database, "SELECT 'facts'::regclass::oid"));
        SourceCatalog.RelationSize size = catalog.sizeOf("public", "facts", oid);
        assertThat(size.blocks()).isPositive();
        assertThat(size.heap()).isFalse();
        assertThat(size.estimatedRows()).as("not known").isZero();
        assertThat(catalog.textBytesPerRow(new TableId("public", "facts"), size, List.of("id", "v"), 200)).isZero();
    }

    @Test
    void theRowsOfAHeapTableAreMeasuredAsText() throws SQLException {
        Sql.sql(gp, database, "CREATE TABLE docs (id int PRIMARY KEY, v text) DISTRIBUTED BY (id)",
                "INSERT INTO docs SELECT g, repeat('v', 3000) FROM generate_series(1, 500) g", "ANALYZE docs");
        int oid = Integer.parseUnsignedInt(gp.scalar(database, "SELECT 'docs'::regclass::oid"));
        SourceCatalog.RelationSize size = catalog.sizeOf("public", "docs", oid);
        assertThat(size.estimatedRows()).isBetween(400L, 600L);
        // The value's 3,000 bytes, the id's one to three digits and two separators.
        assertThat(size.heap()).isTrue();
        assertThat(catalog.textBytesPerRow(new TableId("public", "docs"), size, List.of("id", "v"), 200))
                .isBetween(3_002L, 3_008L);
    }
}
