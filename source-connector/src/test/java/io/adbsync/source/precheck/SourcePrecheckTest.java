package io.adbsync.source.precheck;

import io.adbsync.source.catalog.UncapturableTables;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The precheck messages a user reads in the validate response: each names the object and the fix. */
class SourcePrecheckTest {

    @Test
    void noFreeSlotSaysHowManyAreUsedAndHowToFreeOne() {
        String message = SourcePrecheck.noFreeSlotMessage("orders_slot", 10, 10);
        assertThat(message).contains("orders_slot").contains("10 of max_replication_slots=10")
                .contains("pg_drop_replication_slot").contains("raise max_replication_slots");
    }

    @Test
    void aSlotReadByAnotherProgramNamesTheProcessAndTheWayOut() {
        String message = SourcePrecheck.slotInUseMessage("orders_slot", 4242, "pg_recvlogical", "10.0.0.7/32");
        assertThat(message).contains("orders_slot").contains("4242").contains("pg_recvlogical").contains("10.0.0.7/32")
                .contains("pg_terminate_backend(4242)").contains("slot.name");
        assertThat(SourcePrecheck.slotInUseMessage("s", 1, "psql", null)).doesNotContain("client");
    }

    @Test
    void uncapturableTablesAreNamedUpToTenWithTheirReasonAndTheRestCounted() {
        List<UncapturableTables.Uncapturable> tables = IntStream.rangeClosed(1, 12)
                .mapToObj(i -> new UncapturableTables.Uncapturable("public.t" + i, "no primary key or replica identity index"))
                .toList();
        String message = UncapturableTables.message(tables);
        assertThat(message).startsWith("12 table(s) matched by table.include.list cannot be captured")
                .contains("public.t1 (no primary key or replica identity index),").contains("public.t10")
                .doesNotContain("public.t11").contains("and 2 more").contains("would have no key")
                .contains("REPLICA IDENTITY USING INDEX").contains("table.exclude.list");
        assertThat(UncapturableTables.message(List.of(new UncapturableTables.Uncapturable("s.\"odd\"", "REPLICA IDENTITY NOTHING"))))
                .contains("s.\"odd\" (REPLICA IDENTITY NOTHING)").doesNotContain("more");
    }

    @Test
    void aHyphenatedDatabaseGetsARenameItCanRun() {
        String message = SourcePrecheck.hyphenMessage("sales-eu");
        assertThat(message).contains("sales-eu").contains("ALTER DATABASE \"sales-eu\" RENAME TO \"sales_eu\"");
    }
}
