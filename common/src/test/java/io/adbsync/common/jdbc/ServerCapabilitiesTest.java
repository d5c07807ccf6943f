package io.adbsync.common.jdbc;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServerCapabilitiesTest {

    /** The last release of each major version before the threshold and the first one at it. */
    private static final ServerCapabilities PG11 = new ServerCapabilities(110022);
    private static final ServerCapabilities PG12 = new ServerCapabilities(120000);
    private static final ServerCapabilities PG12_LAST = new ServerCapabilities(129999);
    private static final ServerCapabilities PG13 = new ServerCapabilities(130000);
    private static final ServerCapabilities PG13_LAST = new ServerCapabilities(130021);
    private static final ServerCapabilities PG14 = new ServerCapabilities(140000);
    private static final ServerCapabilities PG14_LAST = new ServerCapabilities(140018);
    private static final ServerCapabilities PG15 = new ServerCapabilities(150000);
    private static final ServerCapabilities PG17 = new ServerCapabilities(170002);

    @Test
    void postgres12IsTheOldestSupported() {
        assertThat(ServerCapabilities.MINIMUM_VERSION_NUM).isEqualTo(120000);
        assertThat(PG11.supported()).isFalse();
        assertThat(PG12.supported()).isTrue();
        assertThat(PG17.supported()).isTrue();
    }

    @Test
    void partitionRootFunctionFrom12() {
        assertThat(PG11.partitionRootFunction()).isFalse();
        assertThat(PG12.partitionRootFunction()).isTrue();
    }

    @Test
    void publishViaPartitionRootAndDropForceFrom13() {
        assertThat(PG12_LAST.publishViaPartitionRoot()).isFalse();
        assertThat(PG13.publishViaPartitionRoot()).isTrue();
        assertThat(PG12_LAST.dropDatabaseForce()).isFalse();
        assertThat(PG13.dropDatabaseForce()).isTrue();
    }

    @Test
    void tidRangeScansFrom14() {
        assertThat(PG13_LAST.tidRangeScans()).isFalse();
        assertThat(PG14.tidRangeScans()).isTrue();
    }

    @Test
    void multirangesFrom14() {
        assertThat(PG13_LAST.multiranges()).isFalse();
        assertThat(PG14.multiranges()).isTrue();
    }

    @Test
    void publicationRowFiltersFrom15() {
        assertThat(PG14_LAST.publicationRowFilters()).isFalse();
        assertThat(PG15.publicationRowFilters()).isTrue();
        assertThat(PG17.publicationRowFilters()).isTrue();
    }
}
