package io.adbsync.source.catalog;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Where inserted WAL records end, from the server's insert position, which skips the header of a page just begun. */
class RecordsEndTest {

    private static final long BLOCK = 8192;
    private static final long SEGMENT = 16L * 1024 * 1024;

    @Test
    void aPositionJustPastAPageHeaderIsTheEndOfThePageBefore() {
        assertThat(SourceCatalog.recordsEnd(5 * BLOCK + 24, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK);
        // A segment's first page has the long header.
        assertThat(SourceCatalog.recordsEnd(3 * SEGMENT + 40, BLOCK, SEGMENT)).isEqualTo(3 * SEGMENT);
        // Greenplum's 32 kB pages and 64 MB segments.
        assertThat(SourceCatalog.recordsEnd(7 * 32768 + 24, 32768, 64L << 20)).isEqualTo(7 * 32768);
    }

    @Test
    void aPositionWithinAPageIsItself() {
        assertThat(SourceCatalog.recordsEnd(5 * BLOCK + 40, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK + 40);
        assertThat(SourceCatalog.recordsEnd(3 * SEGMENT + 24, BLOCK, SEGMENT)).isEqualTo(3 * SEGMENT + 24);
        assertThat(SourceCatalog.recordsEnd(5 * BLOCK + 1000, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK + 1000);
        assertThat(SourceCatalog.recordsEnd(5 * BLOCK, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK);
    }
}
