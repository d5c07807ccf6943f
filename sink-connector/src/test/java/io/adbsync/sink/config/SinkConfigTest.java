package io.adbsync.sink.config;

import io.adbsync.sink.dialect.GreenplumDialect;
import io.adbsync.sink.dialect.PostgresDialect;
import io.adbsync.sink.dialect.StorageEngine;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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
}
