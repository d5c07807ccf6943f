package io.adbsync.source.snapshot;

import io.adbsync.common.sql.TableId;
import org.apache.kafka.connect.source.SourceRecord;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The snapshot records handed out to Connect that Kafka has not yet acknowledged (or a transform dropped), by table:
 * a key shard's task meets the others for a table's copy again only once none of the table's earlier copy is in flight,
 * since one landing after the truncate would bring back a row of it. (The stream's records are covered by its stored
 * offset; a copy's are stored under partitions of their own, in any order with the stream's.)
 */
public final class CopiesInFlight {

    private final Map<String, AtomicInteger> byPart = new ConcurrentHashMap<>();

    /** {@code record} goes to Connect (any thread). */
    public void handedOut(SourceRecord record) {
        String part = part(record);
        if (part != null) {
            byPart.computeIfAbsent(part, p -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** Kafka acknowledged {@code record}, or a transform, converter or failed send under tolerance dropped it. */
    public void acknowledged(SourceRecord record) {
        String part = part(record);
        AtomicInteger count = part == null ? null : byPart.get(part);
        if (count != null) {
            count.decrementAndGet();
        }
    }

    /** Whether a record of {@code table}'s copy (of the table, or of one of its partitions) is in flight. */
    public boolean any(TableId table) {
        String name = table.toString();
        for (Map.Entry<String, AtomicInteger> e : byPart.entrySet()) {
            String part = e.getKey();
            if (e.getValue().get() > 0 && (part.equals(name) || part.startsWith(name + "/"))) {
                return true;
            }
        }
        return false;
    }

    /** The copy a record belongs to (its snapshot partition's table, and leaf), or null for any other record. */
    private static String part(SourceRecord record) {
        Map<String, ?> partition = record.sourcePartition();
        Object part = partition == null ? null : partition.get(TablePlan.PARTITION_SNAPSHOT);
        return part instanceof String s ? s : null;
    }
}
