package io.adbsync.source.snapshot;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ChunkSize}: chunks keep snapshot.chunk.rows until the rows' width would make them hold more bytes than allowed. */
class ChunkSizeTest {

    private final ChunkSize size = new ChunkSize(20_000, 32L << 20);

    @Test
    void narrowRowsKeepTheConfiguredRowCount() {
        assertThat(size.rowsFor(100)).isEqualTo(20_000);
        assertThat(size.rowsFor((32L << 20) / 20_000)).isEqualTo(20_000);
    }

    @Test
    void wideRowsGetAsManyRowsAsTheBytesHold() {
        assertThat(size.rowsFor(2_000)).isEqualTo((32L << 20) / 2_000);
        assertThat(size.rowsFor(1L << 20)).isEqualTo(32);
    }

    @Test
    void aRowWiderThanAChunkIsAChunkOfItsOwn() {
        assertThat(size.rowsFor(1L << 30)).isEqualTo(1);
    }

    @Test
    void anUnknownWidthKeepsTheConfiguredRowCount() {
        assertThat(size.rowsFor(0)).isEqualTo(20_000);
    }
}
