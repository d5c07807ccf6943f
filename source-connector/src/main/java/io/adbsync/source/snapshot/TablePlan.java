package io.adbsync.source.snapshot;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.source.catalog.SourceCatalog;
import io.adbsync.source.partition.Partitions;
import io.adbsync.source.stream.CapturedTable;

import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** How one table is split into chunks and how far its copy has come; the stored offset is what makes it resumable. */
abstract class TablePlan {

    static final String PARTITION_SNAPSHOT = "snapshot";
    static final String OFFSET_CHUNKING = "chunking";

    /**
     * One range of a table: a condition over its rows ({@code null} for the whole table), and the offsets its
     * records carry — {@code inChunk} on every record but the last, {@code afterChunk} on the last, which states
     * that the range is complete.
     */
    record Chunk(String condition, Map<String, Object> inChunk, Map<String, Object> afterChunk, String label) {
    }

    final CapturedTable table;
    final String filter;
    final long estimatedRows;
    Map<String, String> partition;
    final AtomicLong rowsDone = new AtomicLong();
    /** The leaf partition read, when {@code table} is a partitioned table; its rows are the table's records. */
    private Partitions.Member leaf;

    TablePlan(CapturedTable table, String filter, long estimatedRows, String server) {
        this.table = table;
        this.filter = filter;
        this.estimatedRows = estimatedRows;
        this.partition = partition(server, table.qualifiedName());
    }

    /** Reads the rows from {@code leaf}, a partition of the table, resuming in its own source partition. */
    TablePlan readingFrom(Partitions.Member leaf, Map<String, String> partition) {
        this.leaf = leaf;
        this.partition = partition;
        return this;
    }

    /** The relation the chunks are read from, quoted for SQL. */
    String relation() {
        return leaf == null ? SqlIdentifiers.qualified(table.schema(), table.table()) : leaf.quoted();
    }

    /** The table, and the partition read, for logs and metrics. */
    String name() {
        return leaf == null ? table.qualifiedName() : table.qualifiedName() + " (partition " + leaf.qualifiedName() + ")";
    }

    /** The key of a snapshot's source partition: the table, or for a partition of it both names. */
    static String key(String table, Partitions.Member leaf) {
        return leaf == null ? table : table + "/" + leaf.qualifiedName();
    }

    /**
     * The source partition of a table's snapshot. Connect stores partitions as JSON in map iteration order and
     * looks them up the same way, so the order must not depend on the JVM: a HashMap's order is fixed by the keys'
     * hashes (and is what Connect itself builds when it reads partitions back), Map.of's changes per run.
     */
    static Map<String, String> partition(String server, String table) {
        Map<String, String> partition = new java.util.HashMap<>();
        partition.put("server", server);
        partition.put(PARTITION_SNAPSHOT, table);
        return partition;
    }

    /** The next range to copy, or null when every range has been handed out. */
    abstract Chunk next(SourceCatalog catalog) throws SQLException;

    abstract boolean done();

    /** How far the plan is, for logs and metrics, e.g. "chunk 3 of 20". */
    abstract String position();
}
