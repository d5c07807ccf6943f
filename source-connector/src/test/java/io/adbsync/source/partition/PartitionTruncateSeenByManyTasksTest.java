package io.adbsync.source.partition;

import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputMessage.Truncate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every task reading part of a table's rows (a key shard's, a segment's) decodes the same TRUNCATE and must meet the
 * others at it. Whether a TRUNCATE of a partitioned table's leaves is one of the whole table is decided from the
 * catalog as it is when each task decodes it, at different times: a partition attached in between makes it partial to
 * the late task. Both must still see it (the late one marked partial, so that it never sends it); before, the late one
 * dropped it while the early one waited for it for ever ('Expecting actual: [] to contain exactly: [101]').
 */
class PartitionTruncateSeenByManyTasksTest {

    private static final Partitions.Member ROOT = new Partitions.Member(100, "public", "events");
    private static final Partitions.Member JAN = new Partitions.Member(101, "public", "events_01");
    private static final Partitions.Member FEB = new Partitions.Member(102, "public", "events_02");
    private static final Partitions.Member MAR = new Partitions.Member(103, "public", "events_03");

    /** The source's catalog, shared by every shard's task, as it is now. */
    private final List<Partitions.Member> leaves = new ArrayList<>(List.of(JAN, FEB));

    private PartitionRouter router() {
        return new PartitionRouter(new PartitionRouter.Catalog() {
            @Override
            public Optional<Partitions.Member> rootOf(int oid) {
                return Optional.ofNullable(Map.of(101, ROOT, 102, ROOT, 103, ROOT).get(oid));
            }

            @Override
            public Relation relation(String schema, String table) {
                return PartitionRouterTest.relation(100, schema, table, List.of("id", "day", "note"));
            }

            @Override
            public List<Partitions.Member> leaves(String schema, String table) {
                return List.copyOf(leaves);
            }
        });
    }

    @Test
    void everyShardSeesOneTruncateOfTheRootWhateverPartitionsWereAttachedSince() {
        PartitionRouter early = router();
        PartitionRouter late = router();
        for (PartitionRouter shard : List.of(early, late)) {
            shard.route(PartitionRouterTest.relation(101, "public", "events_01", List.of("id", "day", "note")));
            shard.route(PartitionRouterTest.relation(102, "public", "events_02", List.of("id", "day", "note")));
        }
        // TRUNCATE events (both partitions then), decoded by one shard's task now ...
        Truncate truncateAll = new Truncate(OptionalInt.empty(), false, false, List.of(101, 102));
        Truncate seenEarly = (Truncate) early.route(truncateAll);
        // ... and by a lagging shard's task after events_03 was attached.
        leaves.add(MAR);
        Truncate seenLate = (Truncate) late.route(truncateAll);

        assertThat(seenEarly.relationOids()).containsExactly(101);
        assertThat(early.partial(101)).isFalse();
        assertThat(seenLate.relationOids()).as("the relations the lagging shard holds at (the early one holds at [101])")
                .containsExactly(101);
        assertThat(late.partial(101)).as("the late task's view: only some leaves, not to be sent").isTrue();
    }
}
