package io.adbsync.source.partition;

import io.adbsync.common.jdbc.ServerCapabilities;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionModeTest {

    private static final ServerCapabilities PG12 = new ServerCapabilities(120017);
    private static final ServerCapabilities PG13 = new ServerCapabilities(130000);

    @Test
    void autoPublishesThroughTheRootWhereTheServerCan() {
        assertThat(PartitionMode.resolve("auto", PG12)).isEqualTo(PartitionMode.LEAVES);
        assertThat(PartitionMode.resolve("auto", PG13)).isEqualTo(PartitionMode.ROOT);
    }

    @Test
    void leavesAreAlwaysPossible() {
        assertThat(PartitionMode.resolve("leaves", PG12)).isEqualTo(PartitionMode.LEAVES);
        assertThat(PartitionMode.resolve("leaves", PG13)).isEqualTo(PartitionMode.LEAVES);
    }

    @Test
    void rootBefore13IsRefusedSayingWhatToUse() {
        assertThat(PartitionMode.resolve("root", PG13)).isEqualTo(PartitionMode.ROOT);
        assertThatThrownBy(() -> PartitionMode.resolve("root", PG12)).isInstanceOf(ConnectException.class)
                .hasMessage("publication.partitions=root needs PostgreSQL 13 or later at the source "
                        + "(publish_via_partition_root); this server is 120017: use leaves or auto");
    }
}
