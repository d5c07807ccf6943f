package io.adbsync.source.snapshot;

/**
 * How many rows a table's snapshot chunks hold: {@code snapshot.chunk.rows}, or fewer where the table's rows are so wide
 * that as many would hold more than {@code snapshot.chunk.bytes} of text (a chunk's rows wait in memory for the task,
 * up to twice that; see ChunkFeed).
 */
record ChunkSize(long rows, long bytes) {

    /** Rows per chunk for rows of {@code bytesPerRow} bytes of text; {@link #rows} when the width is not known (0). */
    long rowsFor(long bytesPerRow) {
        if (bytesPerRow <= 0) {
            return rows;
        }
        return Math.max(1, Math.min(rows, bytes / bytesPerRow));
    }
}
