package io.adbsync.source.shard;

import io.adbsync.source.catalog.CapturedTable;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.stream.RelationRegistry;
import io.adbsync.source.types.TypeMapper;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyShardTest {

    /** A table keyed by (region, id), with a value column that plays no part in the shard. */
    private static final CapturedTable TABLE = new RelationRegistry("p", new TypeMapper((oid, typmod) -> "x"),
            oid -> List.of("region", "id"), oid -> Map.of()).update(new PgOutputMessage.Relation(OptionalInt.empty(), 1,
            "public", "t", 'd', List.of(new PgOutputMessage.Column(true, "region", 25, -1),
            new PgOutputMessage.Column(true, "id", 23, -1), new PgOutputMessage.Column(false, "v", 25, -1))));

    @Test
    void theShardOfAKeyIsFixedForEverAndIgnoresTheOtherColumns() {
        // Golden: a changed hash would move keys between tasks with their records in flight.
        List<Integer> shards = new ArrayList<>();
        for (int id = 1; id <= 8; id++) {
            shards.add(KeyShard.of(TABLE, row("eu", Integer.toString(id), "x"), 4));
        }
        assertThat(shards).containsExactly(0, 0, 3, 3, 0, 2, 3, 0);
        assertThat(KeyShard.of(TABLE, row("eu", "1", "another value"), 4)).isEqualTo(shards.get(0));
    }

    @Test
    void keysSpreadOverEveryShard() {
        int[] counts = new int[4];
        for (int id = 1; id <= 4000; id++) {
            counts[KeyShard.of(TABLE, row("r" + id % 7, Integer.toString(id), null), 4)]++;
        }
        assertThat(java.util.Arrays.stream(counts).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
    }

    @Test
    void aKeyValueLeftOutOfAChangeFailsNamingTheTableAndColumn() {
        TupleData unchanged = new TupleData(List.of(text("eu"), TupleData.Value.UNCHANGED_TOAST, TupleData.Value.NULL));
        assertThatThrownBy(() -> KeyShard.of(TABLE, unchanged, 4)).isInstanceOf(ConnectException.class)
                .hasMessageContaining("Table public.t").hasMessageContaining("key column id")
                .hasMessageContaining("REPLICA IDENTITY FULL");
        TupleData missing = new TupleData(List.of(TupleData.Value.NULL, text("1"), TupleData.Value.NULL));
        assertThatThrownBy(() -> KeyShard.of(TABLE, missing, 4)).hasMessageContaining("key column region");
    }

    /**
     * Values one key to the column's equality but of several text forms (numeric 1.0 = 1.00, float -0 = 0, citext)
     * fall on one shard: on two, an update between the forms would be a delete from one task and a create from another,
     * unordered, and the delete applied last would remove the row. (Red before: numeric 1.0 and 1.00 on shards 1 and 3.)
     */
    @Test
    void keysEqualUnderTheColumnsEqualityButWrittenDifferentlyFallOnOneShard() {
        CapturedTable numeric = single(1700, "numeric");
        for (int i = 1; i <= 200; i++) {
            assertThat(KeyShard.of(numeric, one(i + ".0"), 4)).as(i + ".0 and " + i + ".00")
                    .isEqualTo(KeyShard.of(numeric, one(i + ".00"), 4)).isEqualTo(KeyShard.of(numeric, one(Integer.toString(i)), 4));
        }
        assertThat(KeyShard.of(numeric, one("0.000"), 4)).isEqualTo(KeyShard.of(numeric, one("0"), 4));
        assertThat(KeyShard.of(numeric, one("NaN"), 4)).isBetween(0, 3);
        CapturedTable float8 = single(701, "double precision");
        assertThat(KeyShard.of(float8, one("-0"), 4)).isEqualTo(KeyShard.of(float8, one("0"), 4));
        CapturedTable citext = single(90000, "citext");
        for (String name : List.of("Bob", "ALICE", "carol", "Dave")) {
            assertThat(KeyShard.of(citext, one(name), 4)).as(name).isEqualTo(KeyShard.of(citext, one(name.toLowerCase()), 4));
        }
    }

    @Test
    void aSlotNameTooLongForTheShardsSlotsIsSaidBeforeAnyIsMade() {
        assertThat(ShardSlots.nameTooLong("s".repeat(58), 4)).isEmpty();
        assertThat(ShardSlots.nameTooLong("s".repeat(63), 1)).isEmpty();
        assertThat(ShardSlots.nameTooLong("s".repeat(63), 4)).hasValueSatisfying(m -> assertThat(m)
                .contains("slot.name", "tasks.max=4", "63 bytes", "58 characters or fewer"));
        assertThat(ShardSlots.nameTooLong("s".repeat(59), 10)).hasValueSatisfying(m -> assertThat(m).contains("_9of10"));
    }

    private static CapturedTable single(int typeOid, String typeName) {
        return new RelationRegistry("p", new TypeMapper((oid, typmod) -> typeName), oid -> List.of("id"), oid -> Map.of())
                .update(new PgOutputMessage.Relation(OptionalInt.empty(), 2, "public", "k", 'd',
                        List.of(new PgOutputMessage.Column(true, "id", typeOid, -1),
                                new PgOutputMessage.Column(false, "v", 25, -1))));
    }

    private static TupleData one(String id) {
        return new TupleData(List.of(text(id), TupleData.Value.NULL));
    }

    @Test
    void aShardIsWrittenAndReadAsIndexOverCount() {
        assertThat(KeyShard.parse("2/4")).isEqualTo(new KeyShard(2, 4));
        assertThat(new KeyShard(2, 4)).hasToString("2/4");
        assertThatThrownBy(() -> KeyShard.parse("4/4")).hasMessageContaining("0 <= index < count");
        assertThatThrownBy(() -> KeyShard.parse("two")).hasMessageContaining("index/count");
    }

    private static TupleData row(String region, String id, String v) {
        return new TupleData(List.of(text(region), text(id), v == null ? TupleData.Value.NULL : text(v)));
    }

    private static TupleData.Value text(String s) {
        return new TupleData.Value('t', s.getBytes(StandardCharsets.UTF_8));
    }
}
