package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.heartbeat.Heartbeat;
import io.adbsync.source.stream.HeldTruncate;
import io.adbsync.source.wal.Lsn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The segments' tasks meeting at a truncate, through the heartbeat table of a real Greenplum coordinator: one send
 * for all, only once all holding the table arrived and Kafka had what each sent before; the same truncate recognised
 * after a restart at any step (never sent twice); and the next truncate of the table counted as the next.
 */
class TruncateRendezvousIT {

    private static final TableId HEARTBEAT = new TableId("public", "adbsync_heartbeat");
    private static GreenplumSource source;
    private static Connection coordinator;
    private static int oid;

    @BeforeAll
    static void cluster() throws SQLException {
        source = GreenplumSource.create("gp_rendezvous");
        source.sql("CREATE TABLE orders (id int PRIMARY KEY) DISTRIBUTED BY (id)");
        coordinator = Jdbc.open(source.coordinator);
        new Heartbeat(HEARTBEAT, "s", "hb", 1000, java.util.Map.of()).createTable(coordinator, true);
        try (Statement s = coordinator.createStatement(); ResultSet rs = s.executeQuery("SELECT 'orders'::regclass::oid")) {
            rs.next();
            oid = (int) rs.getLong(1);
        }
    }

    @AfterAll
    static void drop() throws SQLException {
        if (coordinator != null) {
            coordinator.close();
        }
        if (source != null) {
            source.close();
        }
    }

    private static TruncateRendezvous task(int content) {
        List<Segment> segments = source.topology.segments();
        SegmentShare share = new SegmentShare(() -> coordinator, segments.get(content), segments.get(0), segments.size());
        return new TruncateRendezvous(() -> coordinator, share, HEARTBEAT, "slot_a", "segment", content);
    }

    /** Segment {@code content}'s copy of a truncate: its own commit LSN. */
    private static HeldTruncate held(long commitLsn) {
        return new HeldTruncate(100, new Lsn(commitLsn), List.of(oid), List.of("public.orders"), 0);
    }

    @Test
    void everySegmentArrivesThenSegmentZeroSendsOnceAndTheOthersGoOnAfterItEvenAcrossRestarts() throws SQLException {
        int segments = source.topology.segments().size();
        List<TruncateRendezvous> tasks = new ArrayList<>();
        for (int content = 0; content < segments; content++) {
            tasks.add(task(content));
        }
        // Records still in flight: nobody arrives yet.
        assertThat(tasks.get(1).step(held(0x1000 + 1), false)).isInstanceOf(TruncateRendezvous.Wait.class);
        assertThat(names()).isEmpty();
        // Segment 1 arrives first and waits for the others; segment 0 then arrives and is told to send.
        for (int content = segments - 1; content >= 1; content--) {
            assertThat(tasks.get(content).step(held(0x1000 + content), true)).isInstanceOf(TruncateRendezvous.Wait.class);
        }
        assertThat(tasks.get(0).step(held(0x1000), true)).isInstanceOf(TruncateRendezvous.Send.class);
        assertThat(tasks.get(1).step(held(0x1001), true)).as("not before it was sent").isInstanceOf(TruncateRendezvous.Wait.class);
        // Segment 0 restarts before Kafka acknowledged its copies: it arrives again and sends them again.
        tasks.set(0, task(0));
        assertThat(tasks.get(0).step(held(0x1000), true)).isInstanceOf(TruncateRendezvous.Send.class);
        assertThat(tasks.get(0).step(held(0x1000), false)).as("copies in flight").isInstanceOf(TruncateRendezvous.Wait.class);
        assertThat(tasks.get(0).step(held(0x1000), true)).isInstanceOf(TruncateRendezvous.Go.class);
        assertThat(tasks.get(1).step(held(0x1001), true)).isInstanceOf(TruncateRendezvous.Go.class);

        // Restarted before its offsets passed the truncate, segment 0 meets it again: recognised, not sent again.
        tasks.set(0, task(0));
        assertThat(tasks.get(0).step(held(0x1000), true)).isInstanceOf(TruncateRendezvous.Go.class);

        // The table's next truncate is the next meeting: segment 0 waits for the others again. Its arrival at the first
        // is forgotten (everything it sent is stored past it), the first's sent mark is not: others may still wait for it.
        String table = "slot_a/truncate/" + Integer.toUnsignedLong(oid) + "/";
        assertThat(tasks.get(0).step(held(0x2000), false)).as("not before its offsets are stored")
                .isInstanceOf(TruncateRendezvous.Wait.class);
        assertThat(tasks.get(0).step(held(0x2000), true)).isInstanceOf(TruncateRendezvous.Wait.class);
        assertThat(names()).contains(table + "0/sent", table + "0/1@0/1001.0").doesNotContain(table + "0/0@0/1000.0");
        // Segment 1 restarts before Connect stored its offsets past the first truncate: its stream meets that one again,
        // and segment 0's arrival there is gone. The sent mark says every segment had arrived: it goes on.
        tasks.set(1, task(1));
        assertThat(tasks.get(1).step(held(0x1001), true)).as("a truncate already sent, met again after a restart")
                .isInstanceOf(TruncateRendezvous.Go.class);
        for (int content = 1; content < segments; content++) {
            assertThat(tasks.get(content).step(held(0x2000 + content), true)).isInstanceOf(TruncateRendezvous.Wait.class);
        }
        assertThat(names()).doesNotContain(table + "0/1@0/1001.0");
        assertThat(tasks.get(0).step(held(0x2000), true)).isInstanceOf(TruncateRendezvous.Send.class);
        assertThat(tasks.get(0).step(held(0x2000), true)).isInstanceOf(TruncateRendezvous.Go.class);
        for (int content = 1; content < segments; content++) {
            assertThat(tasks.get(content).step(held(0x2000 + content), true)).isInstanceOf(TruncateRendezvous.Go.class);
        }
        // Each task kept only its arrival at the last truncate (segment 0 also its sent mark).
        assertThat(names()).allMatch(n -> n.startsWith("slot_a/truncate/" + Integer.toUnsignedLong(oid) + "/1/"))
                .hasSize(segments + 1);
    }

    private static List<String> names() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = coordinator.createStatement();
             ResultSet rs = s.executeQuery("SELECT slot_name FROM public.adbsync_heartbeat ORDER BY 1")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
