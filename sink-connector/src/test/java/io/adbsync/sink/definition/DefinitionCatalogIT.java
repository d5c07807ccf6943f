package io.adbsync.sink.definition;

import io.adbsync.common.sql.TableId;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;

import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link DefinitionCatalog} reading a destination table as the definitions are compared with it. */
class DefinitionCatalogIT {

    /**
     * A primary key (b, a) INCLUDE (note) is the key (b, a), as the source's definition states it: read with its INCLUDE
     * column, every definition of the table was reported as a primary key the destination does not have.
     */
    @Test
    void aPrimaryKeyIsItsKeyColumnsInOrderWithoutItsIncludeColumns() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("definition_catalog");
        try {
            sql(pg, db, "CREATE TABLE t (a int, b int, note text, PRIMARY KEY (b, a) INCLUDE (note))");
            try (Connection c = pg.connect(db)) {
                DefinitionCatalog.TableInfo table = new DefinitionCatalog(Dialects.detect(c)).table(c, new TableId("public", "t"))
                        .orElseThrow();
                assertThat(table.primaryKey()).containsExactly("b", "a");
            }
        } finally {
            pg.dropDatabase(db);
        }
    }
}
