package io.adbsync.sink.ddl;

import io.adbsync.common.contract.EventContract;
import io.adbsync.common.sql.TableId;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.sink.record.Column;
import io.adbsync.sink.record.TableChanges;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static io.adbsync.sink.Sql.sql;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SchemaSync} adding a column that carries the source's stored value of a fast default: the rows already there
 * get exactly that value (whatever the destination's string-literal settings), the column keeps no default.
 */
class FilledColumnIT {

    private static final List<Column> KEY = List.of(new Column("id", Schema.INT32_SCHEMA));

    @Test
    void rowsAlreadyThereGetTheStoredValueExactlyAndTheColumnKeepsNoDefault() throws Exception {
        PostgresServer pg = Postgres.shared();
        String db = pg.createDatabase("filled_column");
        try {
            // With it off, a backslash in a plain literal is an escape: the value must not depend on it.
            sql(pg, db, "ALTER DATABASE " + db + " SET standard_conforming_strings = off");
            TableId t = new TableId("public", "t");
            List<Column> before = List.of(KEY.get(0), new Column("a", Schema.OPTIONAL_STRING_SCHEMA));
            List<Column> after = new ArrayList<>(before);
            after.add(new Column("b", filled("integer", SchemaBuilder.int32(), "7")));
            after.add(new Column("c", filled("text", SchemaBuilder.string().optional(), "it's \"b\" \\x")));
            after.add(new Column("d", SchemaBuilder.string().optional().parameter(EventContract.SOURCE_TYPE_PARAMETER, "text").build()));
            try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                SchemaSync sync = new SchemaSync(Dialects.detect(c), true, true, StorageEngine.HEAP, List.of());
                sync.ensure(c, changes(t, before));
                s.execute("INSERT INTO t VALUES (1, 'a1'), (2, 'a2')");
                c.commit();

                sync.ensure(c, changes(t, after));
                s.execute("INSERT INTO t (id) VALUES (3)");
                c.commit();
                assertThat(rows(s, "SELECT id || '|' || coalesce(b::text, 'null') || '|' || coalesce(c, 'null') || '|' "
                        + "|| coalesce(d, 'null') FROM t ORDER BY id"))
                        .containsExactly("1|7|it's \"b\" \\x|null", "2|7|it's \"b\" \\x|null", "3|null|null|null");
                assertThat(rows(s, "SELECT attname || ':' || attnotnull FROM pg_attribute WHERE attrelid = 't'::regclass "
                        + "AND attnum > 0 AND (atthasdef OR attnotnull) ORDER BY attnum")).containsExactly("id:true");
            }
        } finally {
            pg.dropDatabase(db);
        }
    }

    private static Schema filled(String type, SchemaBuilder builder, String value) {
        return builder.parameter(EventContract.SOURCE_TYPE_PARAMETER, type)
                .parameter(EventContract.MISSING_VALUE_PARAMETER, value).build();
    }

    private static TableChanges changes(TableId t, List<Column> columns) {
        return new TableChanges(t, false, KEY, columns, List.of(), List.of(), List.of(), List.of(), List.of());
    }

    private static List<String> rows(Statement s, String query) throws Exception {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
