package io.adbsync.sink.config;

import io.adbsync.sink.dialect.GreenplumDialect;
import io.adbsync.sink.dialect.PostgresDialect;
import io.adbsync.sink.dialect.StorageEngine;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SinkConfigTest {

    private static SinkConfig config(String storage) {
        return new SinkConfig(Map.of("connection.url", "jdbc:postgresql://localhost/db", "connection.user", "u",
                SinkConfig.STORAGE_ENGINE, storage));
    }

    @Test
    void eachStorageEngineIsSetByItsAccessMethodNameInAnyCase() {
        for (StorageEngine storage : StorageEngine.values()) {
            assertThat(config(storage.accessMethod()).storageEngine()).isEqualTo(storage);
            assertThat(config(" " + storage.name() + " ").storageEngine()).isEqualTo(storage);
        }
    }

    @Test
    void anUnavailableStorageEngineIsExplainedWithWhatTheDestinationOffers() {
        assertThat(SinkConfig.unsupportedStorage(new GreenplumDialect(true, false), StorageEngine.BEAM)).isEqualTo(
                "storage.engine=beam is not available on the destination (greenplum7): it has no beam table access method "
                        + "(Beam exists on AnalyticDB for PostgreSQL 7.0.6.2 and later); use heap, ao_row, ao_column");
        assertThat(SinkConfig.unsupportedStorage(new PostgresDialect(), StorageEngine.AO_ROW)).isEqualTo(
                "storage.engine=ao_row is not available on the destination (postgres): it has no ao_row storage; use heap");
    }

    /** The LIST settings are validated by the task's own parsers: their message is the error on the field. */
    @Test
    void aListEntryTheTaskCannotParseIsTheErrorOnItsField() {
        assertThatThrownBy(() -> new SinkConfig(Map.of("connection.url", "jdbc:postgresql://localhost/db", "connection.user", "u",
                SinkConfig.TABLE_NAME_MAP, "public.a=public.b,public.c"))).isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value [public.a=public.b, public.c] for configuration table.name.map: Entry 'public.c' "
                        + "must look like source_schema.source_table=dest_schema.dest_table");
        assertThatThrownBy(() -> new SinkConfig(Map.of("connection.url", "jdbc:postgresql://localhost/db", "connection.user", "u",
                SinkConfig.TABLE_OPERATIONS, "public\\.a=insert|upsert"))).isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value [public\\.a=insert|upsert] for configuration table.operations: Entry "
                        + "'public\\.a=insert|upsert': unknown operation 'upsert' (use insert, update, delete, truncate)");
    }
}
