package io.adbsync.source.greenplum;

import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.source.greenplum.GreenplumSource.Decoded;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.PgOutputMessage.Delete;
import io.adbsync.source.pgoutput.PgOutputMessage.Insert;
import io.adbsync.source.pgoutput.PgOutputMessage.Relation;
import io.adbsync.source.pgoutput.PgOutputMessage.Truncate;
import io.adbsync.source.pgoutput.PgOutputMessage.Update;
import io.adbsync.source.pgoutput.TupleData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The facts the per-segment mode rests on, checked with the connector's own slot creation, replication stream and
 * pgoutput decoder on a real Greenplum 7 cluster: a publication made on the coordinator is decoded on every segment;
 * each change of a distributed table is decoded on exactly the segment that holds the row; a distribution-key update
 * is a DELETE on the old segment and an INSERT on the new one (on one segment, still not an UPDATE); a write to a replicated table and a TRUNCATE are
 * decoded on every segment; a redistribution moves rows with no decoded change.
 */
class SegmentDecodingIT {

    private GreenplumSource source;
    private String slot;

    @BeforeEach
    void database() throws SQLException {
        source = GreenplumSource.create("gp_decoding");
        // Slot names are per instance, not per database: the database's unique name keeps tests apart.
        slot = source.database;
    }

    @AfterEach
    void drop() throws SQLException {
        if (source != null) {
            source.close();
        }
    }

    /** One decoded row change: its operation, table and key (the first column), with the segment-local xid. */
    record Change(char op, String table, String key, int xid) {
    }

    @Test
    void eachChangeOfADistributedTableIsDecodedOnTheSegmentHoldingItsRowAndReplicatedWritesAndTruncatesOnEvery()
            throws SQLException {
        source.sql("CREATE TABLE orders (id int PRIMARY KEY, note text) DISTRIBUTED BY (id)",
                "CREATE TABLE adbsync_heartbeat (slot_name text PRIMARY KEY, ts timestamptz NOT NULL) DISTRIBUTED REPLICATED",
                "CREATE PUBLICATION pub FOR TABLE orders, adbsync_heartbeat");
        source.createSlots(slot);

        source.sql("INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 40) g");
        Map<Integer, Integer> home = segmentsOf("orders", "id");
        assertThat(new HashSet<>(home.values())).as("rows on every segment").hasSize(source.topology.segments().size());
        source.sql("UPDATE orders SET note = 'updated' WHERE id % 3 = 0",
                "DELETE FROM orders WHERE id % 5 = 0");
        // A distribution-key update that moves a row to another segment: its new id is one the other segment holds.
        int moved = 1;
        int target = idOnAnotherSegment(home, home.get(moved));
        source.sql("DELETE FROM orders WHERE id = " + target,
                "UPDATE orders SET id = " + target + " WHERE id = " + moved);
        assertThat(segmentsOf("orders", "id").get(target)).isEqualTo(home.get(target)).isNotEqualTo(home.get(moved));
        // And one that stays on its segment: still a DELETE and an INSERT, not an UPDATE.
        int stays = free(home, home.get(moved), Set.of(moved, target));
        int staysAs = free(home, home.get(moved), Set.of(moved, target, stays));
        source.sql("DELETE FROM orders WHERE id = " + staysAs,
                "UPDATE orders SET id = " + staysAs + " WHERE id = " + stays);
        assertThat(segmentsOf("orders", "id").get(staysAs)).isEqualTo(home.get(moved));
        // As the heartbeat writes it: an upsert, once inserting and once updating.
        for (int i = 0; i < 2; i++) {
            source.sql("INSERT INTO adbsync_heartbeat (slot_name, ts) VALUES ('hb', now()) "
                    + "ON CONFLICT (slot_name) DO UPDATE SET ts = excluded.ts");
        }
        source.sql("TRUNCATE orders");

        long ordersOid = oid("orders");
        Map<Integer, List<Change>> changes = new TreeMap<>();
        Map<Integer, Integer> truncateXid = new TreeMap<>();
        for (Map.Entry<Segment, List<Decoded>> e : source.readAll(slot, "pub").entrySet()) {
            int content = e.getKey().content();
            Map<Integer, String> names = new HashMap<>();
            List<Change> list = new ArrayList<>();
            for (Decoded d : e.getValue()) {
                PgOutputMessage m = d.message();
                if (m instanceof Relation r) {
                    names.put(r.oid(), r.name());
                    if (r.name().equals("orders")) {
                        assertThat((long) r.oid()).as("the segments know a table by the coordinator's OID").isEqualTo(ordersOid);
                    }
                } else if (m instanceof Insert i) {
                    list.add(new Change('I', names.get(i.relationOid()), key(i.newTuple()), d.xid()));
                } else if (m instanceof Update u) {
                    list.add(new Change('U', names.get(u.relationOid()), key(u.newTuple()), d.xid()));
                    assertThat(u.oldTuple()).as("no key changed in place").isNull();
                } else if (m instanceof Delete del) {
                    list.add(new Change('D', names.get(del.relationOid()), key(del.oldTuple()), d.xid()));
                } else if (m instanceof Truncate t) {
                    assertThat(t.relationOids()).containsExactly((int) ordersOid);
                    list.add(new Change('T', "orders", null, d.xid()));
                    truncateXid.put(content, d.xid());
                }
            }
            changes.put(content, list);
        }

        for (Map.Entry<Integer, List<Change>> e : changes.entrySet()) {
            int content = e.getKey();
            // Transaction by transaction (a statement's rows may come in any order within it).
            List<Set<String>> expected = new ArrayList<>();
            expected.add(ids(home, content, 1, 1, "I "));
            expected.add(ids(home, content, 3, 3, "U "));
            expected.add(ids(home, content, 5, 5, "D "));
            expected.add(home.get(target) == content ? Set.of("D " + target) : Set.of());
            expected.add(home.get(moved) == content ? Set.of("D " + moved) : home.get(target) == content ? Set.of("I " + target) : Set.of());
            if (home.get(moved) == content) {
                expected.add(Set.of("D " + staysAs));
                expected.add(Set.of("D " + stays, "I " + staysAs));
            }
            expected.add(Set.of("T"));
            expected.removeIf(Set::isEmpty);
            assertThat(byTransaction(e.getValue(), "orders"))
                    .as("changes of orders decoded on segment " + content + ", transaction by transaction").isEqualTo(expected);
            assertThat(byTransaction(e.getValue(), "adbsync_heartbeat"))
                    .as("the replicated heartbeat table on segment " + content).containsExactly(Set.of("I hb"), Set.of("U hb"));
        }

        // Every segment decodes the one TRUNCATE, each under a local xid of its own. (Which distributed transaction
        // a local xid belonged to cannot be asked reliably: gp_distributed_log keeps entries only while a
        // transaction may still need them, so the connector counts truncates instead; see TruncateRendezvous.)
        assertThat(truncateXid).hasSize(source.topology.segments().size());
    }

    @Test
    void aRedistributionMovesRowsBetweenSegmentsWithoutADecodedChangeSoAKeysLaterChangesComeFromAnotherSegment()
            throws SQLException {
        source.sql("CREATE TABLE pairs (a int, b int, v text, PRIMARY KEY (a, b)) DISTRIBUTED BY (a)",
                "CREATE PUBLICATION pub FOR TABLE pairs");
        source.createSlots(slot);
        source.sql("INSERT INTO pairs SELECT g, g * 7 + 1, 'v' FROM generate_series(1, 40) g");
        Map<Integer, Integer> before = segmentsOf("pairs", "a");
        source.sql("ALTER TABLE pairs SET DISTRIBUTED BY (b)");
        Map<Integer, Integer> after = segmentsOf("pairs", "a");
        int mover = before.keySet().stream().filter(a -> !before.get(a).equals(after.get(a))).findFirst().orElseThrow();
        source.sql("UPDATE pairs SET v = 'after' WHERE a = " + mover);

        Map<Integer, List<String>> decoded = new TreeMap<>();
        for (Map.Entry<Segment, List<Decoded>> e : source.readAll(slot, "pub").entrySet()) {
            List<String> list = new ArrayList<>();
            for (Decoded d : e.getValue()) {
                if (d.message() instanceof Insert i) {
                    list.add("I " + key(i.newTuple()));
                } else if (d.message() instanceof Update u) {
                    list.add("U " + key(u.newTuple()));
                } else if (d.message() instanceof Delete del) {
                    list.add("D " + key(del.oldTuple()));
                }
            }
            decoded.put(e.getKey().content(), list);
        }
        // Only the 40 inserts and the one update: the rewrite that moved rows sent nothing.
        assertThat(decoded.values().stream().mapToInt(List::size).sum()).isEqualTo(41);
        // The key's insert was decoded on its old segment, its later update on the new one.
        assertThat(decoded.get(before.get(mover))).contains("I " + mover).doesNotContain("U " + mover);
        assertThat(decoded.get(after.get(mover))).contains("U " + mover).doesNotContain("I " + mover);
    }

    /** The changes of {@code table}, one set per transaction in commit order ("T" for a truncate). */
    private static List<Set<String>> byTransaction(List<Change> changes, String table) {
        List<Set<String>> groups = new ArrayList<>();
        Integer xid = null;
        for (Change c : changes) {
            if (!table.equals(c.table())) {
                continue;
            }
            if (xid == null || xid != c.xid()) {
                groups.add(new HashSet<>());
                xid = c.xid();
            }
            groups.get(groups.size() - 1).add(c.op() + (c.key() == null ? "" : " " + c.key()));
        }
        return groups;
    }

    /** "{prefix}{id}" for the ids first, first+step, ... up to 40 that {@code home} puts on segment {@code content}. */
    private static Set<String> ids(Map<Integer, Integer> home, int content, int first, int step, String prefix) {
        Set<String> ids = new HashSet<>();
        for (int id = first; id <= 40; id += step) {
            if (home.get(id) == content) {
                ids.add(prefix + id);
            }
        }
        return ids;
    }

    private static String key(TupleData tuple) {
        return tuple.get(0).text();
    }

    /** The content id of the segment holding each row of {@code table}, by its int column {@code key}. */
    private Map<Integer, Integer> segmentsOf(String table, String key) throws SQLException {
        Map<Integer, Integer> segments = new HashMap<>();
        try (Connection c = Jdbc.open(source.coordinator); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT " + key + ", gp_segment_id FROM " + table)) {
            while (rs.next()) {
                segments.put(rs.getInt(1), rs.getInt(2));
            }
        }
        return segments;
    }

    private static int idOnAnotherSegment(Map<Integer, Integer> home, int segment) {
        return home.entrySet().stream().filter(e -> e.getValue() != segment && e.getKey() % 3 != 0 && e.getKey() % 5 != 0)
                .mapToInt(Map.Entry::getKey).min().orElseThrow();
    }

    /** The smallest id on {@code segment} that the workload has not touched otherwise and is not in {@code taken}. */
    private static int free(Map<Integer, Integer> home, int segment, Set<Integer> taken) {
        return home.entrySet().stream().filter(e -> e.getValue() == segment && e.getKey() % 3 != 0 && e.getKey() % 5 != 0
                        && !taken.contains(e.getKey()))
                .mapToInt(Map.Entry::getKey).min().orElseThrow();
    }

    private long oid(String table) throws SQLException {
        try (Connection c = Jdbc.open(source.coordinator); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT '" + table + "'::regclass::oid")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
