package io.adbsync.sink.ddl;

import io.adbsync.common.sql.TableId;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.List;
import java.util.Set;

import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;

/** {@link DestinationCatalog} reading a destination table's unique keys from a real server. */
class DestinationCatalogIT {

    /**
     * A unique index's INCLUDE columns are stored in it but are no part of its key: a primary key (id) INCLUDE (note)
     * identifies a row by id and is the arbiter of ON CONFLICT (id). Read as (id, note), every record keyed by id was
     * refused as "not a unique key of destination table".
     */
    @Test
    void includeColumnsOfAUniqueIndexAreNotPartOfItsKey() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("destination_catalog");
        try {
            sql(pg, db, "CREATE TABLE t (id int, note text, code text, PRIMARY KEY (id) INCLUDE (note))",
                    "CREATE UNIQUE INDEX t_code ON t (code) INCLUDE (id, note)");
            try (Connection c = pg.connect(db)) {
                TableState state = new DestinationCatalog(Dialects.detect(c)).load(c, new TableId("public", "t"));
                assertThat(state.uniqueKeys()).containsExactlyInAnyOrder(Set.of("id"), Set.of("code"));
                assertThat(state.identifiesOneRow(List.of("id"))).isTrue();
                assertThat(state.supportsOnConflict(List.of("id"))).isTrue();
            }
        } finally {
            pg.dropDatabase(db);
        }
    }
}
