package io.adbsync.sink.writer;

import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.Dialects;
import io.adbsync.fixtures.postgres.Greenplum;
import io.adbsync.common.sql.TableId;
import io.adbsync.stack.postgres.PostgresServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OffsetStoreOnGreenplumIT {

    @Test
    void theOffsetsTableIsHeapWhereTablesDefaultToAppendOptimized() throws Exception {
        assumeTrue(Greenplum.unavailableReason().isEmpty(), () -> Greenplum.unavailableReason().orElseThrow());
        PostgresServer gp = Greenplum.shared();
        String db = gp.createDatabase("offsets_ao_default");
        try {
            try (Connection c = gp.connect(db); Statement s = c.createStatement()) {
                s.execute("ALTER DATABASE \"" + db + "\" SET default_table_access_method = 'ao_row'");
            }
            try (Connection c = gp.connect(db); Statement s = c.createStatement()) {
                Dialect dialect = Dialects.detect(c);
                s.execute("CREATE SCHEMA adbsync");
                // Append-optimized tables take no primary key: the offsets table must be heap whatever the default.
                s.execute(OffsetStore.createTable(new TableId("adbsync", "offsets"), dialect));
                try (ResultSet rs = s.executeQuery("SELECT am.amname, pg_get_table_distributedby(c.oid) FROM pg_class c "
                        + "JOIN pg_am am ON am.oid = c.relam WHERE c.oid = 'adbsync.offsets'::regclass")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("heap");
                    assertThat(rs.getString(2)).isEqualTo("DISTRIBUTED BY (connector, topic, kafka_partition)");
                }
            }
        } finally {
            gp.dropDatabase(db);
        }
    }
}
