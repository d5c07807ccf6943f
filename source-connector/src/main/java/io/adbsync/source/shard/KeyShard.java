package io.adbsync.source.shard;

import io.adbsync.common.contract.KeyShards;
import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.catalog.CapturedTable.CapturedColumn;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.greenplum.TaskSegments;
import org.apache.kafka.connect.errors.ConnectException;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One of the {@code count} shards of a key-sharded source ({@code tasks.max > 1} on a source read as one stream): the
 * keys whose hash falls on {@code index}. Every task reads the whole stream and every chunk, and converts and sends
 * only the rows whose key it owns, so the decoding-to-record work splits {@code count} ways while each key's changes
 * still come from one task, in order.
 *
 * <p>The hash is of the key columns' text forms, as both pgoutput and COPY send them (the server's output functions),
 * so a row's copy and its changes fall on the same shard. It must never change between versions: a changed hash
 * would move keys between tasks with records of them still in flight.
 *
 * @param index this shard, 0 .. count-1
 * @param count how many shards the source is split into
 */
public record KeyShard(int index, int count) {

    /**
     * The shard a task reads, which the connector adds to each task's config as {@code index/count} (Connect tells a
     * task nothing about itself). Not a setting users make; absent where one task reads the source.
     */
    public static final String TASK_SHARD = "task.shard";

    public KeyShard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("A shard is index/count with 0 <= index < count, got " + index + "/" + count);
        }
    }

    /** Parses {@code index/count}, as {@link #toString()} writes it. */
    public static KeyShard parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("A shard is written index/count, got '" + text + "'");
        }
        try {
            return new KeyShard(Integer.parseInt(text.substring(0, slash).trim()), Integer.parseInt(text.substring(slash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("A shard is written index/count, got '" + text + "'", e);
        }
    }

    /** Whether this shard owns the key that {@code row} holds for {@code table}. */
    public boolean owns(CapturedTable table, TupleData row) {
        return of(table, row, count) == index;
    }

    /**
     * The shard of {@code row}'s key among {@code count}: a murmur3-finalised polynomial hash of the key columns' text
     * forms. A key value left out of the row (an unchanged TOASTed key column in an update) cannot be placed: the task fails naming the table, since guessing would send the key's changes from two tasks.
     */
    public static int of(CapturedTable table, TupleData row, int count) {
        int h = 17;
        List<CapturedColumn> columns = table.columns();
        for (int i = 0; i < columns.size() && i < row.size(); i++) {
            if (!columns.get(i).key()) {
                continue;
            }
            TupleData.Value v = row.get(i);
            if (v.isNull() || v.isUnchangedToast() || v.kind() != 't') {
                // Key columns are NOT NULL (a primary key's, or a replica identity index's): a null is a value the
                // change left out (an old row of another replica identity), as an unchanged TOASTed one is.
                throw new ConnectException("Table " + table.qualifiedName() + ": the value of key column "
                        + columns.get(i).name() + " did not come with the change (kind '" + v.kind() + "'), so the task "
                        + "that owns the key cannot be found. Key-sharded source tasks need the key in every change: "
                        + "set REPLICA IDENTITY FULL on the table, or run the source with " + TaskSegments.TASKS_MAX + "=1");
            }
            h = 31 * h + hashBytes(canonical(columns.get(i), v.bytes()));
        }
        return Math.floorMod(mix(h), count);
    }

    /** Type OIDs whose equal values can have several text forms. */
    private static final int NUMERIC = 1700;
    private static final int FLOAT4 = 700;
    private static final int FLOAT8 = 701;

    /**
     * One text form for values the key column's equality takes as one key: numeric 1.0 = 1.00, float 0 = -0, citext
     * 'Bob' = 'bob'. Two forms on two shards would send an update between them as a delete from one task and a create
     * from another, which nothing orders: applied the other way round, the delete removes the row.
     */
    static byte[] canonical(CapturedColumn column, byte[] text) {
        int type = column.typeOid();
        if (type == NUMERIC) {
            String s = new String(text, StandardCharsets.UTF_8);
            if (s.isEmpty() || !Character.isDigit(s.charAt(s.length() - 1))) {
                return text; // NaN, Infinity, -Infinity: one form each
            }
            return new BigDecimal(s).stripTrailingZeros().toPlainString().getBytes(StandardCharsets.UTF_8);
        }
        if ((type == FLOAT4 || type == FLOAT8) && text.length == 2 && text[0] == '-' && text[1] == '0') {
            return new byte[] {'0'};
        }
        String sourceType = column.mapping() == null ? null : column.mapping().sourceType();
        if (sourceType != null && (sourceType.equals("citext") || sourceType.endsWith(".citext"))) {
            return new String(text, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        }
        return text;
    }

    /** A polynomial hash of the UTF-8 bytes: the text forms of both paths are compared byte for byte. */
    private static int hashBytes(byte[] bytes) {
        int h = 1;
        for (byte b : bytes) {
            h = 31 * h + b;
        }
        return h;
    }

    /** Murmur3's finaliser: spreads keys that differ in a digit or two (1, 2, 3 ...) over every shard. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** {@code index/count}. */
    @Override
    public String toString() {
        return KeyShards.partitionValue(index, count);
    }
}
