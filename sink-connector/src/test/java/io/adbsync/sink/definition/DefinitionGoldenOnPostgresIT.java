package io.adbsync.sink.definition;

import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The golden definition SQL of PostgreSQL and the shared statements run on a real PostgreSQL. */
class DefinitionGoldenOnPostgresIT {

    @Test
    void everyGoldenDefinitionStatementRuns() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("defgolden");
        try {
            assertThat(DefinitionGoldenRun.run(pg, db, "postgres")).isEmpty();
        } finally {
            pg.dropDatabase(db);
        }
    }
}
