package io.adbsync.source.discovery;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.sql.TableId;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.catalog.TableFilter;
import io.adbsync.source.partition.PartitionMode;
import io.adbsync.source.wal.Lsn;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link NewTables} against a real catalog: renames found by OID, and when the stream may be opened again for them. */
class NewTablesIT {

    /**
     * A second rename found before the stream passed the first: opened again past the first only, the stream would
     * describe the table from a change before the second and keep that name, with no rename left to reopen for.
     */
    @Test
    void theStreamIsOpenedAgainOnlyPastTheLatestRenameFound() throws Exception {
        PostgresServer server = Postgres.shared();
        String db = server.createDatabase("new_tables");
        try (SourceCatalog catalog = new SourceCatalog(new ConnectionConfig(server.jdbcUrl(db), server.user(),
                server.password() == null ? null : new Password(server.password())))) {
            server.execute(db, "CREATE TABLE a (id int PRIMARY KEY)", "CREATE PUBLICATION pub_new_tables FOR TABLE a");
            TableFilter filter = new TableFilter(List.of("public\\..*"), List.of());
            NewTables tables = new NewTables(catalog, "pub_new_tables", filter,
                    SourceCatalog.capturedTableOids(catalog.connection(), filter), new TableId("public", "adbsync_heartbeat"),
                    Map.of(), false, PartitionMode.ROOT, true, (root, leaves) -> { });
            server.execute(db, "ALTER TABLE a RENAME TO b");
            tables.discover(0);
            Lsn pastTheFirst = catalog.streamServerLsn();
            server.execute(db, "ALTER TABLE b RENAME TO c");
            tables.discover(60_000);
            assertThat(tables.takeRenamed(pastTheFirst)).as("past the first rename only").isFalse();
            assertThat(tables.takeRenamed(catalog.streamServerLsn())).as("past both").isTrue();
            assertThat(tables.takeRenamed(catalog.streamServerLsn())).as("once").isFalse();
        } finally {
            server.dropDatabase(db);
        }
    }
}
