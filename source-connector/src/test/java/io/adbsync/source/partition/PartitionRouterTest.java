package io.adbsync.source.partition;

import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Column;
import io.adbsync.source.pgoutput.PgOutputMessage.Insert;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputMessage.Truncate;
import io.adbsync.source.pgoutput.TupleData;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionRouterTest {

    private static final Partitions.Member ROOT = new Partitions.Member(100, "public", "events");
    private static final Partitions.Member JAN = new Partitions.Member(101, "public", "events_01");
    private static final Partitions.Member FEB = new Partitions.Member(102, "public", "events_02");
    private static final Map<Integer, Partitions.Member> ROOTS = Map.of(101, ROOT, 102, ROOT);

    /** The catalog of a table (id int, day date, note text) with two partitions; only the router's questions are answered. */
    private final PartitionRouter router = new PartitionRouter(new PartitionRouter.Catalog() {
        @Override
        public Optional<Partitions.Member> rootOf(int oid) {
            return Optional.ofNullable(ROOTS.get(oid));
        }

        @Override
        public Relation relation(String schema, String table) {
            return relation(100, schema, table, List.of("id", "day", "note"));
        }

        private Relation relation(int oid, String schema, String table, List<String> names) {
            return PartitionRouterTest.relation(oid, schema, table, names);
        }

        @Override
        public List<Partitions.Member> leaves(String schema, String table) {
            return List.of(JAN, FEB);
        }
    });

    static Relation relation(int oid, String schema, String table, List<String> names) {
        return new Relation(OptionalInt.empty(), oid, schema, table, 'd',
                names.stream().map(n -> new Column(n.equals("id"), n, n.equals("id") ? 23 : 25, -1)).toList());
    }

    private static TupleData tuple(String... values) {
        return new TupleData(java.util.Arrays.stream(values)
                .map(v -> new TupleData.Value('t', v.getBytes(StandardCharsets.UTF_8))).toList());
    }

    @Test
    void aPartitionWhoseColumnsAreInAnotherOrderIsPresentedAsTheRootInTheRootsOrder() {
        Relation routed = (Relation) router.route(relation(102, "public", "events_02", List.of("note", "day", "id")));
        assertThat(routed.oid()).isEqualTo(102);
        assertThat(routed.namespace() + "." + routed.name()).isEqualTo("public.events");
        assertThat(routed.columns()).extracting(Column::name).containsExactly("id", "day", "note");
        assertThat(routed.columns().get(0).key()).isTrue();

        Insert insert = (Insert) router.route(new Insert(OptionalInt.empty(), 102, tuple("feb", "2024-02-01", "7")));
        assertThat(insert.newTuple().values()).extracting(TupleData.Value::text).containsExactly("7", "2024-02-01", "feb");
    }

    @Test
    void aPartitionDescribedAsItWasBeforeLaterDdlKeepsItsOwnColumnsInTheRootsOrder() {
        // The root now has "id", "day", "note"; the change was made when the leaf had no "note" yet and still had "old".
        Relation routed = (Relation) router.route(relation(102, "public", "events_02", List.of("old", "day", "id")));
        assertThat(routed.namespace() + "." + routed.name()).isEqualTo("public.events");
        assertThat(routed.columns()).extracting(Column::name).containsExactly("id", "day", "old");

        Insert insert = (Insert) router.route(new Insert(OptionalInt.empty(), 102, tuple("gone", "2024-02-01", "7")));
        assertThat(insert.newTuple().values()).extracting(TupleData.Value::text).containsExactly("7", "2024-02-01", "gone");
    }

    @Test
    void aTableThatIsNoPartitionPassesUnchanged() {
        Relation plain = relation(200, "public", "plain", List.of("note", "id"));
        assertThat(router.route(plain)).isSameAs(plain);
        PgOutputMessage insert = new Insert(OptionalInt.empty(), 200, tuple("x", "1"));
        assertThat(router.route(insert)).isSameAs(insert);
    }

    @Test
    void aTruncateOfEveryPartitionIsOneOfTheRootAndOneOfSomePartitionsIsLeftOut() {
        router.route(relation(101, "public", "events_01", List.of("id", "day", "note")));
        router.route(relation(102, "public", "events_02", List.of("id", "day", "note")));
        router.route(relation(200, "public", "plain", List.of("id")));

        Truncate all = (Truncate) router.route(new Truncate(OptionalInt.empty(), false, false, List.of(101, 102, 200)));
        assertThat(all.relationOids()).containsExactly(200, 101);
        assertThat(router.partial(101)).isFalse();
        // Kept, marked partial: the stream leaves it out, and tasks that read the table in part still meet at it.
        Truncate some = (Truncate) router.route(new Truncate(OptionalInt.empty(), false, false, List.of(102)));
        assertThat(some.relationOids()).containsExactly(102);
        assertThat(router.partial(102)).isTrue();
    }
}
