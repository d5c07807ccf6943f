package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.it.ChangeEvents.Event;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Snapshots through a real worker: consistent with concurrent writes, resumable, filtered, extended later. */
class SourceSnapshotIT extends SourceConnectorTestBase {

    @Override
    String databasePrefix() {
        return "snap";
    }

    @Override
    String namePrefix() {
        return "snap";
    }

    @Override
    Map<String, String> baseConfig() {
        return Map.of("snapshot.chunk.rows", "1000");
    }

    /** Source rows as id → v::text. */
    private Map<Integer, String> sourceRows(String table) throws SQLException {
        Map<Integer, String> rows = new TreeMap<>();
        try (Connection c = postgres.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v::text FROM " + table)) {
            while (rs.next()) {
                rows.put(rs.getInt(1), rs.getString(2));
            }
        }
        return rows;
    }

    /** What a consumer applying the topic by key ends up with: last record per key wins, deletes remove. */
    private static Map<Integer, String> applied(List<Event> events) {
        return applyTo(new TreeMap<>(), events);
    }

    private static Map<Integer, String> applyTo(Map<Integer, String> rows, List<Event> events) {
        for (Event e : events) {
            if (e.key() == null) {
                if ("t".equals(e.op())) {
                    rows.clear();
                }
                continue;
            }
            int id = e.key().get("id").asInt();
            if (e.tombstone() || "d".equals(e.op())) {
                rows.remove(id);
            } else {
                JsonNode v = e.after().get("v");
                rows.put(id, v == null || v.isNull() ? null : v.asText());
            }
        }
        return rows;
    }

    private List<Event> awaitTopicEqualsSource(String table, Duration timeout) throws SQLException {
        Map<Integer, String> expected = sourceRows(table);
        // Applied as the records come: applying the whole topic again after each poll is quadratic in its size.
        Map<Integer, String> rows = new TreeMap<>();
        int[] appliedCount = {0};
        return ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public." + table, e -> {
            applyTo(rows, e.subList(appliedCount[0], e.size()));
            appliedCount[0] = e.size();
            return rows.size() == expected.size() && rows.equals(expected);
        }, timeout);
    }

    @Test
    void concurrentWritesDuringTheSnapshotEndEqualToTheSource() throws Exception {
        sql("CREATE TABLE a (id int PRIMARY KEY, v text)", "CREATE TABLE b (id int PRIMARY KEY, v text)",
                "INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 30000) g",
                "INSERT INTO b SELECT g, 'b' || g FROM generate_series(1, 10000) g",
                "ANALYZE a", "ANALYZE b");
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try (Connection c = postgres.connect(database); Statement s = c.createStatement()) {
                int next = 1_000_000;
                while (writing.get()) {
                    int id = ThreadLocalRandom.current().nextInt(1, 30000);
                    s.execute("UPDATE a SET v = 'u' || " + next + " WHERE id = " + id);
                    s.execute("DELETE FROM a WHERE id = " + (id + 1));
                    s.execute("INSERT INTO a VALUES (" + next + ", 'new') ON CONFLICT DO NOTHING");
                    s.execute("UPDATE a SET id = " + (next + 500_000) + " WHERE id = " + (id + 2));
                    s.execute("UPDATE b SET v = 'u' WHERE id = " + (id % 10000 + 1));
                    next++;
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        rest.deploy(name, config());
        writer.start();
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        Thread.sleep(3000);
        writing.set(false);
        writer.join();
        awaitTopicEqualsSource("a", Duration.ofSeconds(120));
        // Stream changes may come before or between b's chunks; every row of b is also copied once.
        awaitTopicEqualsSource("b", Duration.ofSeconds(60));
        List<Event> bEvents = ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public.b",
                e -> e.stream().filter(x -> "r".equals(x.op())).count() >= 10000, Duration.ofSeconds(60));
        List<Event> copied = bEvents.stream().filter(e -> "r".equals(e.op())).toList();
        assertThat(copied.stream().map(e -> e.key().get("id").asInt()).distinct()).hasSize(10000);
        assertThat(copied).allMatch(e -> e.value().get("source").get("snapshot").asText().equals("true"));
    }

    @Test
    void aRestartMidSnapshotResumesAtTheLastCompletedChunk() throws Exception {
        sql("CREATE TABLE big (id int PRIMARY KEY, v text)",
                "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 100000) g", "ANALYZE big");
        rest.deploy(name, config("snapshot.max.threads", "1"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.big", 50000);
        rest.restart(name, true);
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        // Every key arrived, so did every chunk (read in order): no second pass over the topic is needed to count them.
        long snapshotRecords = awaitTopicEqualsSource("big", Duration.ofSeconds(120)).stream()
                .filter(e -> "r".equals(e.op())).count();
        // A restart from zero would re-send at least the 50,000 rows read before it; resuming repeats at most
        // the chunks whose offsets were not yet committed.
        assertThat(snapshotRecords).isLessThan(140000);
    }

    @Test
    void primaryKeyRangeChunksAreConsistentAndResumable() throws Exception {
        // The chunking AnalyticDB 7 (PostgreSQL 12 based) gets: ranges of the primary key, here a composite one.
        sql("CREATE TABLE keyed (region text, id int, v text, PRIMARY KEY (region, id))",
                "INSERT INTO keyed SELECT 'r' || (g % 13), g, md5(g::text) FROM generate_series(1, 60000) g", "ANALYZE keyed");
        rest.deploy(name, config("snapshot.chunking", "key", "snapshot.max.threads", "3"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        sql("UPDATE keyed SET v = 'changed' WHERE id % 1000 = 0", "DELETE FROM keyed WHERE id % 997 = 0",
                "UPDATE keyed SET region = 'moved' WHERE id % 1500 = 1");
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.keyed", 20000);
        rest.restart(name, true);
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        Map<String, String> expected = new TreeMap<>();
        try (Connection c = postgres.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT region, id, v FROM keyed")) {
            while (rs.next()) {
                expected.put(rs.getString(1) + "/" + rs.getInt(2), rs.getString(3));
            }
        }
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public.keyed", e -> {
            Map<String, String> rows = new TreeMap<>();
            for (Event x : e) {
                String k = x.key().get("region").asText() + "/" + x.key().get("id").asInt();
                if (x.tombstone() || "d".equals(x.op())) {
                    rows.remove(k);
                } else {
                    rows.put(k, x.after().get("v").asText());
                }
            }
            return rows.equals(expected);
        }, Duration.ofSeconds(120));
        assertThat(events.stream().filter(e -> "r".equals(e.op())).count()).isLessThan(60000 + 20000);
        // The committed snapshot offset says the table is done: offsets of key chunks are storable and stored.
        org.awaitility.Awaitility.await("snapshot offset done in " + rest.get("connectors/" + name + "/offsets").body())
                .atMost(Duration.ofSeconds(30)).until(() -> {
            for (JsonNode o : rest.offsets(name).get("offsets")) {
                if (o.get("partition").has("snapshot") && o.get("offset").path("done").asBoolean(false)) {
                    return true;
                }
            }
            return false;
        });
    }

    /**
     * A copy whose last chunk finds no row (a table of exactly a multiple of the chunk size, an empty table, rows
     * deleted from the end during the copy) has no record to carry the offset saying it is done: unless something
     * else carries it, status shows the copy as started for ever and a restart reads the table's end again.
     */
    @Test
    void aCopyWhoseLastChunkIsEmptyIsStoredAsDoneKeyRanges() throws Exception {
        everyCopyIsStoredAsDone("key");
    }

    @Test
    void aCopyWhoseLastChunkIsEmptyIsStoredAsDoneCtidRanges() throws Exception {
        everyCopyIsStoredAsDone("ctid");
    }

    private void everyCopyIsStoredAsDone(String chunking) throws Exception {
        sql("CREATE TABLE exact (id int PRIMARY KEY, v text)",
                "INSERT INTO exact SELECT g, md5(g::text) FROM generate_series(1, 2000) g",
                "CREATE TABLE nothing (id int PRIMARY KEY, v text)",
                // Rows only in the first pages: the CTID ranges past them, planned from the table's size, are empty.
                "CREATE TABLE headonly (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false)",
                "INSERT INTO headonly SELECT g, md5(g::text) FROM generate_series(1, 5000) g",
                "DELETE FROM headonly WHERE id > 500", "ANALYZE exact", "ANALYZE nothing", "ANALYZE headonly");
        rest.deploy(name, config("snapshot.chunking", chunking, "snapshot.chunk.rows", "1000", "snapshot.max.threads", "1"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSource("exact", Duration.ofSeconds(60));
        awaitTopicEqualsSource("headonly", Duration.ofSeconds(60));
        Map<String, String> expected = Map.of("public.exact", "done", "public.nothing", "done", "public.headonly", "done");
        org.awaitility.Awaitility.await("every copy's offset says done").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> {
                    Map<String, String> stored = new TreeMap<>();
                    for (JsonNode o : rest.offsets(name).get("offsets")) {
                        String table = o.get("partition").path("snapshot").asText(null);
                        if (table != null) {
                            Map<String, Object> offset = new com.fasterxml.jackson.databind.ObjectMapper().convertValue(
                                    o.get("offset"), new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
                            stored.put(table, io.adbsync.common.contract.SnapshotProgress.of(offset)
                                    .map(p -> p.done() ? "done" : "started " + offset).orElse("unknown " + offset));
                        }
                    }
                    assertThat(stored).isEqualTo(expected);
                });
    }

    /**
     * Key-range chunk bounds are values of the key: with standard_conforming_strings=off (still found on old
     * applications' databases), a backslash in a string literal is an escape, so bounds written into the SQL as
     * quote-doubled literals would end early or mean another key. Bound as parameters, every row is copied once.
     */
    @Test
    void keyRangeBoundsWithBackslashesAndQuotesCopyEveryRowOnceUnderNonStandardStrings() throws Exception {
        sql("ALTER DATABASE " + database + " SET standard_conforming_strings = off",
                "CREATE TABLE odd (k text PRIMARY KEY, v int)",
                // chr(92) is a backslash, chr(39) a quote: keys like \\\7'\ and 8''\ in every chunk and at its bounds.
                "INSERT INTO odd SELECT repeat(chr(92), g % 4) || g || repeat(chr(39), g % 3) || chr(92), g "
                        + "FROM generate_series(1, 3000) g",
                "ANALYZE odd");
        assertThat(scalar("SHOW standard_conforming_strings")).isEqualTo("off");
        Map<String, Integer> expected = new TreeMap<>();
        try (Connection c = postgres.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT k, v FROM odd")) {
            while (rs.next()) {
                expected.put(rs.getString(1), rs.getInt(2));
            }
        }
        assertThat(expected).hasSize(3000).containsKey("\\\\\\7'\\");
        rest.deploy(name, config("snapshot.chunking", "key", "snapshot.chunk.rows", "100", "snapshot.max.threads", "2"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        List<Event> copied = ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public.odd", e -> {
            rest.checkNotFailed(name);
            return e.stream().filter(x -> "r".equals(x.op())).count() >= expected.size();
        }, Duration.ofSeconds(120));
        Map<String, Integer> rows = new TreeMap<>();
        for (Event e : copied) {
            assertThat(rows.put(e.key().get("k").asText(), e.after().get("v").asInt())).as("copied twice: %s", e.key()).isNull();
        }
        assertThat(rows).isEqualTo(expected);
    }

    /** Twenty chunks read by four threads: every row once, none left out (150,000 rows, to keep the suite's time). */
    @Test
    void aLargeTableIsCopiedWholeInTwentyChunks() throws Exception {
        int count = 150_000;
        sql("CREATE TABLE large (id int PRIMARY KEY, v int)",
                "INSERT INTO large SELECT g, g % 1000 FROM generate_series(1, " + count + ") g", "ANALYZE large");
        rest.deploy(name, config("snapshot.chunk.rows", String.valueOf(count / 20), "snapshot.max.threads", "4"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        java.util.BitSet ids = new java.util.BitSet();
        int[] distinct = {0};
        ChangeEvents.readKeysUntil(stack.bootstrapServers(), name + ".public.large", key -> {
            int id = key.get("id").asInt();
            if (!ids.get(id)) {
                ids.set(id);
                distinct[0]++;
            }
            return distinct[0] == count;
        }, Duration.ofSeconds(300));
        assertThat(ids.cardinality()).isEqualTo(count);
        assertThat(ids.nextSetBit(0)).isEqualTo(1);
        assertThat(ids.length() - 1).isEqualTo(count);
    }

    /**
     * The snapshot's connections dropped in the middle of the copy (a failover, a restarted source, an idle-session
     * timeout): the round being read is given up and read again after reconnecting, within the retry window, and the
     * task never fails.
     */
    @Test
    void aSnapshotConnectionLostMidRoundIsReadAgainAfterReconnecting() throws Exception {
        sql("CREATE TABLE big (id int PRIMARY KEY, v text)",
                "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 60000) g", "ANALYZE big");
        rest.deploy(name, config("snapshot.max.threads", "2", "snapshot.max.rows.per.second", "10000"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.big", 5000);
        for (int i = 0; i < 3; i++) {
            sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'adbsync-snapshot' "
                    + "AND datname = current_database()");
            sql("UPDATE big SET v = 'after loss " + i + "' WHERE id % 1000 = " + i);
            Thread.sleep(1500);
        }
        awaitTopicEqualsSource("big", Duration.ofSeconds(120));
        rest.checkNotFailed(name);
    }

    /**
     * A table dropped while the snapshot's connections are lost: the round given up is read again without the table
     * (its copy stops, as when a chunk finds it dropped), and the task goes on with the other tables.
     */
    @Test
    void aTableDroppedWhileTheSnapshotConnectionIsLostEndsItsCopyNotTheTask() throws Exception {
        sql("CREATE TABLE big (id int PRIMARY KEY, v text)", "CREATE TABLE other (id int PRIMARY KEY, v text)",
                "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 60000) g", "ANALYZE big",
                "INSERT INTO other VALUES (1, 'one')");
        // One round of two chunks a second: the drop and the loss both fall between two rounds.
        rest.deploy(name, config("snapshot.max.threads", "2", "snapshot.max.rows.per.second", "2000"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.big", 3000);
        sql("DROP TABLE big", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
                + "'adbsync-snapshot' AND datname = current_database()");
        sql("INSERT INTO other VALUES (2, 'two')");
        Thread.sleep(5000);
        rest.checkNotFailed(name);
        awaitTopicEqualsSource("other", Duration.ofSeconds(60));
        rest.checkNotFailed(name);
    }

    /**
     * A table dropped while the task sets up, between listing the captured tables and planning their copy, is a race
     * with DDL like a table dropped mid-snapshot: the set-up is done again without it, and the task goes on.
     */
    @Test
    void aTableDroppedWhileTheTaskSetsUpIsLeftOutNotFatal() throws Exception {
        sql("CREATE TABLE a (id int PRIMARY KEY, v text)", "CREATE TABLE b (id int PRIMARY KEY, v text)",
                "INSERT INTO a VALUES (1, 'one')", "INSERT INTO b VALUES (1, 'one')");
        try (Connection locker = postgres.connect(database); Statement s = locker.createStatement()) {
            locker.setAutoCommit(false);
            s.execute("LOCK TABLE b IN ACCESS EXCLUSIVE MODE");
            // The set-up lists a and b, sets a's replica identity, then waits for b's lock: a is dropped meanwhile.
            rest.deploy(name, config("replica.identity.full", "true"));
            org.awaitility.Awaitility.await("set-up waiting for the lock on b").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !"0".equals(scalar("SELECT count(*) FROM pg_locks WHERE relation = 'b'::regclass AND NOT granted")));
            sql("DROP TABLE a");
            locker.commit();
        }
        sql("INSERT INTO b VALUES (2, 'two')");
        awaitTopicEqualsSourceWhileRunning("b", Duration.ofSeconds(60));
    }

    @Test
    void rowFiltersApplyToSnapshotAndStream() throws Exception {
        checkRowFilters("publication");
    }

    @Test
    void rowFiltersEvaluatedByTheConnectorForOlderServersBehaveTheSame() throws Exception {
        checkRowFilters("connector");
    }

    private void checkRowFilters(String mode) throws Exception {
        // The jsonb ? operator: a question mark that is part of the condition, not a parameter of the connector's.
        sql("CREATE TABLE orders (id int PRIMARY KEY, v text, status text, extra jsonb NOT NULL DEFAULT '{}')",
                "INSERT INTO orders VALUES (1, 'one', 'paid'), (2, 'two', 'draft'), (3, 'three', 'paid')",
                "INSERT INTO orders VALUES (7, 'seven', 'paid', '{\"hidden\": true}')");
        rest.deploy(name, config("table.filters", "public.orders: status <> 'draft' AND NOT extra ? 'hidden'",
                "replica.identity.full", "true", "table.filters.mode", mode));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        // The task sets up the slot in its first polls: the changes below must come after it to arrive as changes,
        // and after the copy (rows 1 and 3), which would otherwise read them as rows and leave the stream nothing to
        // show (the slot is streamed from before the copy's first round).
        awaitSlotActive(database, name);
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.orders", 2);
        sql("INSERT INTO orders VALUES (4, 'four', 'draft'), (5, 'five', 'paid')",
                "INSERT INTO orders VALUES (6, 'six', 'paid', '{\"hidden\": true}')",
                "UPDATE orders SET status = 'draft' WHERE id = 1",
                "UPDATE orders SET status = 'paid' WHERE id = 2",
                "UPDATE orders SET v = 'FOUR' WHERE id = 4",
                "DELETE FROM orders WHERE id = 4");
        Map<Integer, String> expected = Map.of(2, "two", 3, "three", 5, "five");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public.orders",
                e -> applied(e).equals(expected), Duration.ofSeconds(60));
        assertThat(events).noneMatch(e -> !e.tombstone() && e.after() != null && !e.after().isNull()
                && "draft".equals(e.after().get("status").asText()));
        // The row that left the filter is deleted, the one that entered it is created.
        assertThat(events).anyMatch(e -> "d".equals(e.op()) && e.key().get("id").asInt() == 1);
        assertThat(events).anyMatch(e -> "c".equals(e.op()) && e.key().get("id").asInt() == 2);
    }

    @Test
    void aTableAddedToTheIncludeListLaterIsCopiedWithoutRecopyingTheOthers() throws Exception {
        sql("CREATE TABLE first (id int PRIMARY KEY, v text)", "CREATE TABLE second (id int PRIMARY KEY, v text)",
                "INSERT INTO first SELECT g, 'f' FROM generate_series(1, 100) g",
                "INSERT INTO second SELECT g, 's' FROM generate_series(1, 50) g");
        rest.deploy(name, config("table.include.list", "public\\.first"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.first", 100);
        rest.deploy(name, config("table.include.list", "public\\.(first|second)"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        sql("UPDATE second SET v = 'changed' WHERE id = 7");
        awaitTopicEqualsSource("second", Duration.ofSeconds(60));
        sql("INSERT INTO first VALUES (101, 'late')");
        List<Event> first = ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public.first",
                e -> e.stream().anyMatch(x -> x.key().get("id").asInt() == 101), Duration.ofSeconds(60));
        assertThat(first.stream().filter(e -> "r".equals(e.op())).count()).isEqualTo(100);
    }

    @Test
    void aThrottledSnapshotDoesNotRunAheadOfItsRate() throws Exception {
        sql("CREATE TABLE slow (id int PRIMARY KEY, v text)", "INSERT INTO slow SELECT g, 's' FROM generate_series(1, 6000) g",
                "ANALYZE slow");
        rest.deploy(name, config("snapshot.max.rows.per.second", "2000"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        List<Event> events = ChangeEvents.read(stack.bootstrapServers(), name + ".public.slow", 6000);
        long first = events.stream().mapToLong(e -> e.value().get("source").get("ts_ms").asLong()).min().orElseThrow();
        long last = events.stream().mapToLong(e -> e.value().get("source").get("ts_ms").asLong()).max().orElseThrow();
        // 6,000 rows at 2,000 rows/s: rounds of up to 2,000 rows, each followed by a pause of a second. Only a lower
        // bound is asserted, so a slow machine cannot fail this.
        assertThat(last - first).isGreaterThanOrEqualTo(1500);
    }

    @Test
    void initialOnlyCopiesAndCreatesNoSlot() throws Exception {
        sql("CREATE TABLE once (id int PRIMARY KEY, v text)", "INSERT INTO once SELECT g, 'o' FROM generate_series(1, 500) g");
        rest.deploy(name, config("snapshot.mode", "initial_only"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSource("once", Duration.ofSeconds(60));
        try (Connection c = postgres.connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + name + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    /** Like awaitTopicEqualsSource, but fails at once with the trace of a failed task. */
    private List<Event> awaitTopicEqualsSourceWhileRunning(String table, Duration timeout) throws SQLException {
        Map<Integer, String> expected = sourceRows(table);
        return ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public." + table, e -> {
            rest.checkNotFailed(name);
            return applied(e).equals(expected);
        }, timeout);
    }

    @Test
    void aTableDroppedAndCreatedAgainIsCopiedAgain() throws Exception {
        sql("CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t SELECT g, 'old' || g FROM generate_series(1, 100) g");
        rest.deploy(name, config());
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSource("t", Duration.ofSeconds(60));
        sql("DROP TABLE t", "CREATE TABLE t (id int PRIMARY KEY, v text)",
                "INSERT INTO t SELECT g, 'new' || g FROM generate_series(50, 150) g");
        rest.restart(name, true);
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        // Exactly the new rows: the old ones (1..49) are gone, the changed ones carry their new values.
        awaitTopicEqualsSourceWhileRunning("t", Duration.ofSeconds(120));
    }

    @Test
    void aTableExcludedAndIncludedAgainIsCopiedAgain() throws Exception {
        sql("CREATE TABLE keep (id int PRIMARY KEY, v text)", "CREATE TABLE t (id int PRIMARY KEY, v text)",
                "INSERT INTO keep SELECT g, 'k' FROM generate_series(1, 10) g",
                "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 100) g");
        rest.deploy(name, config("table.include.list", "public\\.(keep|t)"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSource("t", Duration.ofSeconds(60));
        redeploy(config("table.include.list", "public\\.keep"));
        sql("DELETE FROM t WHERE id <= 20", "UPDATE t SET v = 'while excluded' WHERE id > 90",
                "INSERT INTO t VALUES (500, 'added while excluded')", "UPDATE keep SET v = 'moved on' WHERE id = 1");
        List<Event> keep = ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public.keep",
                e -> e.stream().anyMatch(x -> "u".equals(x.op())), Duration.ofSeconds(60));
        assertThat(keep).isNotEmpty();
        rest.deploy(name, config("table.include.list", "public\\.(keep|t)"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSourceWhileRunning("t", Duration.ofSeconds(120));
    }

    @Test
    void aTableExcludedAndIncludedAgainUnderAPublicationForAllTablesIsCopiedAgain() throws Exception {
        // The publication lists every table, so it says nothing of what was captured: only the connector's offsets can.
        sql("CREATE TABLE keep (id int PRIMARY KEY, v text)", "CREATE TABLE t (id int PRIMARY KEY, v text)",
                "INSERT INTO keep SELECT g, 'k' FROM generate_series(1, 10) g",
                "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 100) g",
                "CREATE PUBLICATION everything FOR ALL TABLES");
        rest.deploy(name, config("publication.name", "everything", "table.include.list", "public\\.(keep|t)"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSource("t", Duration.ofSeconds(60));
        redeploy(config("publication.name", "everything", "table.include.list", "public\\.keep"));
        // Until its copy's mark is stored t is still streamed; its changes from then on are left out.
        awaitCopyMarked("public.t");
        sql("DELETE FROM t WHERE id <= 20", "UPDATE t SET v = 'while excluded' WHERE id > 90",
                "INSERT INTO t VALUES (500, 'added while excluded')", "UPDATE keep SET v = 'moved on' WHERE id = 1");
        List<Event> keep = ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public.keep",
                e -> e.stream().anyMatch(x -> "u".equals(x.op())), Duration.ofSeconds(60));
        assertThat(keep).isNotEmpty();
        awaitSlotConfirmedPastNow();
        rest.deploy(name, config("publication.name", "everything", "table.include.list", "public\\.(keep|t)"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSourceWhileRunning("t", Duration.ofSeconds(120));
    }

    @Test
    void aTableThatCouldNotBeCapturedForAWhileIsCopiedAgainOnceItCan() throws Exception {
        sql("CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 100) g",
                "ALTER TABLE t REPLICA IDENTITY FULL", "CREATE PUBLICATION everything FOR ALL TABLES");
        rest.deploy(name, config("publication.name", "everything", "table.include.list", "public\\.t"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSource("t", Duration.ofSeconds(60));
        // Keyless, its records could not be applied: from its next start the task leaves it out.
        sql("ALTER TABLE t DROP CONSTRAINT t_pkey");
        restartAndAwaitTakenOver();
        awaitCopyMarked("public.t");
        sql("DELETE FROM t WHERE id <= 20", "UPDATE t SET v = 'while keyless' WHERE id > 90",
                "INSERT INTO t VALUES (500, 'added while keyless')");
        awaitSlotConfirmedPastNow();
        sql("ALTER TABLE t ADD PRIMARY KEY (id)");
        restartAndAwaitTakenOver();
        awaitTopicEqualsSourceWhileRunning("t", Duration.ofSeconds(120));
    }

    /**
     * A transform that drops the heartbeat topic's records (their offsets are then never stored, though Connect calls
     * commitRecord for them) also drops the marks: the task must say so and stop, not skip the table left out with its
     * copy unmarked, so that including it again later loses none of its changes.
     */
    @Test
    void aTableLeftOutWhileATransformDropsTheHeartbeatTopicLosesNoChange() throws Exception {
        sql("CREATE TABLE keep (id int PRIMARY KEY, v text)", "CREATE TABLE t (id int PRIMARY KEY, v text)",
                "INSERT INTO keep SELECT g, 'k' FROM generate_series(1, 10) g",
                "INSERT INTO t SELECT g, 'old' FROM generate_series(1, 100) g",
                "CREATE PUBLICATION everything FOR ALL TABLES");
        String[] dropHeartbeats = {"publication.name", "everything", "transforms", "dropHeartbeats",
                "transforms.dropHeartbeats.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.dropHeartbeats.predicate", "isHeartbeat", "predicates", "isHeartbeat",
                "predicates.isHeartbeat.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                "predicates.isHeartbeat.pattern", "__adbsync-heartbeat\\..*"};
        rest.deploy(name, withExtra(config("table.include.list", "public\\.(keep|t)"), dropHeartbeats));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSource("t", Duration.ofSeconds(60));
        rest.deploy(name, withExtra(config("table.include.list", "public\\.keep"), dropHeartbeats));
        String trace = org.awaitility.Awaitility.await("the task FAILED").atMost(Duration.ofSeconds(60))
                .until(() -> {
                    JsonNode tasks = rest.status(name).get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText())
                            ? tasks.get(0).get("trace").asText() : null;
                }, t -> t != null);
        assertThat(trace).contains("The marks on the copies of public.t (tables no longer captured) were acknowledged by "
                + "Kafka but are not in the connector's offsets after ").contains(" offset commits: a transform or converter "
                + "drops the records of topic __adbsync-heartbeat." + name + ", which carry them");
        sql("DELETE FROM t WHERE id <= 20", "UPDATE t SET v = 'while excluded' WHERE id > 90",
                "INSERT INTO t VALUES (500, 'added while excluded')");
        // The new config starts a new task: it captures t again, from the stream position the failed task stored.
        rest.deploy(name, withExtra(config("table.include.list", "public\\.(keep|t)"), dropHeartbeats));
        // Until the worker has replaced it, the status still shows the failed task.
        org.awaitility.Awaitility.await("the failed task replaced").atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode tasks = rest.status(name).get("tasks");
            return tasks.size() > 0 && !"FAILED".equals(tasks.get(0).get("state").asText());
        });
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSourceWhileRunning("t", Duration.ofSeconds(120));
    }

    private static Map<String, String> withExtra(Map<String, String> config, String... extra) {
        Map<String, String> all = new java.util.HashMap<>(config);
        for (int i = 0; i < extra.length; i += 2) {
            all.put(extra[i], extra[i + 1]);
        }
        return all;
    }

    /** Waits until the stored offset of {@code table}'s copy says the table was left out of capture. */
    private void awaitCopyMarked(String table) {
        org.awaitility.Awaitility.await("the copy of " + table + " marked as left out").atMost(Duration.ofSeconds(60))
                .until(() -> {
                    for (JsonNode o : rest.offsets(name).get("offsets")) {
                        if (table.equals(o.get("partition").path("snapshot").asText())) {
                            return o.get("offset").hasNonNull("left");
                        }
                    }
                    return false;
                });
    }

    private void restartAndAwaitTakenOver() throws Exception {
        String streamedBy = slotPid();
        rest.restart(name, true);
        awaitSlotReadByAnother(streamedBy);
    }

    private void awaitSlotReadByAnother(String streamedBy) {
        org.awaitility.Awaitility.await("the slot read by a new task").atMost(Duration.ofSeconds(60))
                .until(() -> {
                    String pid = slotPid();
                    return pid != null && !pid.equals(streamedBy);
                });
    }

    /** Waits until the slot confirmed every change made so far: those of tables left out were read and skipped. */
    private void awaitSlotConfirmedPastNow() throws SQLException {
        String now = scalar("SELECT pg_current_wal_lsn()::text");
        org.awaitility.Awaitility.await("slot confirmed past " + now).atMost(Duration.ofSeconds(60))
                .until(() -> "true".equals(scalar("SELECT (confirmed_flush_lsn >= '" + now + "'::pg_lsn)::text "
                        + "FROM pg_replication_slots WHERE slot_name = '" + config().get("slot.name") + "'")));
    }

    /** Deploys {@code config} and waits until its task reads the slot: the earlier task streams until the worker stops it. */
    private void redeploy(Map<String, String> config) throws Exception {
        String streamedBy = slotPid();
        rest.deploy(name, config);
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitSlotReadByAnother(streamedBy);
    }

    /** The process reading this test's slot, or null when none does. */
    private String slotPid() throws SQLException {
        return scalar("SELECT active_pid::text FROM pg_replication_slots WHERE slot_name = '" + config().get("slot.name") + "'");
    }

    @Test
    void aTableRewrittenDuringItsCtidSnapshotLosesNoRow() throws Exception {
        sql("CREATE TABLE moved (id int PRIMARY KEY, v text)",
                "INSERT INTO moved SELECT g, md5(g::text) FROM generate_series(1, 10000) g", "ANALYZE moved");
        rest.deploy(name, config("snapshot.chunking", "ctid", "snapshot.max.threads", "1", "snapshot.chunk.rows", "500",
                "snapshot.max.rows.per.second", "1000"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.moved", 1500);
        // Deleting the first half and compacting moves the second half into blocks already copied.
        sql("DELETE FROM moved WHERE id <= 5000", "VACUUM FULL moved");
        awaitTopicEqualsSourceWhileRunning("moved", Duration.ofSeconds(120));
    }

    @Test
    void aNeverAnalysedTableIsCopiedInSeveralChunks() throws Exception {
        sql("CREATE TABLE raw (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false)",
                "INSERT INTO raw SELECT g, md5(g::text) FROM generate_series(1, 5000) g");
        assertThat(Double.parseDouble(scalar("SELECT reltuples FROM pg_class WHERE relname = 'raw'"))).isLessThanOrEqualTo(0);
        rest.deploy(name, config("snapshot.chunking", "ctid"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSourceWhileRunning("raw", Duration.ofSeconds(120));
        JsonNode[] stored = new JsonNode[1];
        org.awaitility.Awaitility.await("snapshot offset of public.raw").atMost(Duration.ofSeconds(30)).until(() -> {
            for (JsonNode o : rest.offsets(name).get("offsets")) {
                if ("public.raw".equals(o.get("partition").path("snapshot").asText())) {
                    stored[0] = o.get("offset");
                    return o.get("offset").path("next_chunk").asLong() == o.get("offset").path("chunks").asLong();
                }
            }
            return false;
        });
        // 5,000 rows at 1,000 rows a chunk.
        assertThat(stored[0].get("chunks").asLong()).as("chunks in %s", stored[0]).isGreaterThanOrEqualTo(4);
    }

    @Test
    void rowsAddedDuringACtidSnapshotAreCopiedInChunksOfThePlannedSize() throws Exception {
        sql("CREATE TABLE growing (id int PRIMARY KEY, v text)",
                "INSERT INTO growing SELECT g, md5(g::text) FROM generate_series(1, 5000) g", "ANALYZE growing");
        // One chunk a second: the table grows well before its last, open-ended range is read.
        rest.deploy(name, config("snapshot.chunking", "ctid", "snapshot.max.threads", "1", "snapshot.chunk.rows", "500",
                "snapshot.max.queries.per.second", "1"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.growing", 400);
        sql("INSERT INTO growing SELECT g, md5(g::text) FROM generate_series(5001, 10000) g");
        awaitTopicEqualsSourceWhileRunning("growing", Duration.ofSeconds(120));
        JsonNode[] stored = new JsonNode[1];
        org.awaitility.Awaitility.await("snapshot of public.growing done").atMost(Duration.ofSeconds(60)).until(() -> {
            for (JsonNode o : rest.offsets(name).get("offsets")) {
                if ("public.growing".equals(o.get("partition").path("snapshot").asText())) {
                    stored[0] = o.get("offset");
                    return o.get("offset").path("next_chunk").asLong() == o.get("offset").path("chunks").asLong();
                }
            }
            return false;
        });
        // Planned as 10 chunks of 500 rows; the 5,000 rows added meanwhile make about 10 more, not one big last chunk.
        assertThat(stored[0].get("chunks").asLong()).as("chunks in %s", stored[0]).isGreaterThanOrEqualTo(15);
    }

    @Test
    void columnsAddedAndDroppedDuringTheSnapshotReachTheLaterChunks() throws Exception {
        sql("CREATE TABLE shaped (id int PRIMARY KEY, v text, gone text)",
                "INSERT INTO shaped SELECT g, md5(g::text), 'x' FROM generate_series(1, 10000) g", "ANALYZE shaped");
        rest.deploy(name, config("snapshot.chunking", "ctid", "snapshot.max.threads", "1", "snapshot.chunk.rows", "500",
                "snapshot.max.rows.per.second", "1000"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        ChangeEvents.read(stack.bootstrapServers(), name + ".public.shaped", 1500);
        sql("ALTER TABLE shaped ADD COLUMN extra int DEFAULT 7", "ALTER TABLE shaped DROP COLUMN gone");
        awaitTopicEqualsSourceWhileRunning("shaped", Duration.ofSeconds(120));
        sql("UPDATE shaped SET v = 'streamed' WHERE id = 1");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), name + ".public.shaped",
                e -> e.stream().anyMatch(x -> "u".equals(x.op())), Duration.ofSeconds(60));
        Event lastCopied = events.stream().filter(e -> "r".equals(e.op())).reduce((a, b) -> b).orElseThrow();
        Event streamed = events.stream().filter(e -> "u".equals(e.op())).findFirst().orElseThrow();
        assertThat(lastCopied.after().get("extra").asInt()).isEqualTo(7);
        assertThat(lastCopied.after().has("gone")).isFalse();
        assertThat(lastCopied.valueSchema()).isEqualTo(streamed.valueSchema());
    }

    @Test
    void theSnapshotClosesItsConnectionsWhenItIsDone() throws Exception {
        sql("CREATE TABLE small (id int PRIMARY KEY, v text)", "INSERT INTO small SELECT g, 's' FROM generate_series(1, 5000) g",
                "ANALYZE small");
        rest.deploy(name, config("snapshot.max.threads", "2"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSourceWhileRunning("small", Duration.ofSeconds(60));
        // A snapshot connection shows its name, or (idle) the COPY it ran last.
        String copying = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND pid <> pg_backend_pid() AND (query LIKE 'COPY%' OR application_name LIKE '%snapshot%')";
        org.awaitility.Awaitility.await("snapshot connections closed").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(500)).until(() -> Integer.parseInt(scalar(copying)) == 0);
        assertThat(rest.status(name).get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
    }

    /**
     * A snapshot offset without its 'chunks' field: PATCH refuses it with the field named; one stored before that check
     * (written to the worker's offsets topic as Connect writes it) fails the task at start with the field named.
     */
    @Test
    void aSnapshotOffsetMissingAFieldIsRefusedAndOneStoredEarlierFailsTheTaskNamingIt() throws Exception {
        sql("CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 20) g");
        rest.deploy(name, config("snapshot.chunking", "ctid"));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitTopicEqualsSource("t", Duration.ofSeconds(60));
        JsonNode[] partition = new JsonNode[1];
        org.awaitility.Awaitility.await("snapshot offset of public.t").atMost(Duration.ofSeconds(30)).until(() -> {
            for (JsonNode o : rest.offsets(name).get("offsets")) {
                if ("public.t".equals(o.get("partition").path("snapshot").asText())) {
                    partition[0] = o.get("partition");
                    return true;
                }
            }
            return false;
        });
        assertThat(rest.put("connectors/" + name + "/stop", null).ok()).isTrue();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> "STOPPED".equals(rest.status(name).get("connector").get("state").asText()));

        Map<String, Object> withoutChunks = Map.of("chunking", "ctid", "blocks_per_chunk", 1, "next_chunk", 0);
        var refused = rest.patch("connectors/" + name + "/offsets", Map.of("offsets", List.of(Map.of(
                "partition", new com.fasterxml.jackson.databind.ObjectMapper().convertValue(partition[0], Map.class),
                "offset", withoutChunks))));
        assertThat(refused.ok()).isFalse();
        assertThat(refused.body().toString()).contains("public.t").contains("'chunks'");

        // The offsets topic holds [connector, partition] -> offset as JSON; the same key bytes in the same topic
        // partition replace the stored offset, as a PATCH accepted by an earlier version would have.
        String offsetsTopic = "adbsync-connect-offsets";
        var stored = io.adbsync.fixtures.kafka.TopicReader.readUntil(stack.bootstrapServers(), offsetsTopic,
                records -> records.stream().anyMatch(r -> isSnapshotOffsetOf(r.key(), "public.t")), Duration.ofSeconds(30))
                .stream().filter(r -> isSnapshotOffsetOf(r.key(), "public.t")).findFirst().orElseThrow();
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of(
                "bootstrap.servers", stack.bootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(offsetsTopic, stored.partition(), stored.key(),
                    "{\"chunking\":\"ctid\",\"blocks_per_chunk\":1,\"next_chunk\":0}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .get();
        }
        rest.resume(name);
        String[] trace = new String[1];
        org.awaitility.Awaitility.await("task FAILED").atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode tasks = rest.status(name).get("tasks");
            if (tasks.isEmpty() || !"FAILED".equals(tasks.get(0).get("state").asText())) {
                return false;
            }
            trace[0] = tasks.get(0).path("trace").asText();
            return true;
        });
        assertThat(trace[0]).contains("The stored snapshot offset of public.t is invalid: field 'chunks'")
                .doesNotContain("NullPointerException");
    }

    private boolean isSnapshotOffsetOf(byte[] key, String table) {
        String k = new String(key, java.nio.charset.StandardCharsets.UTF_8);
        return k.startsWith("[\"" + name + "\"") && k.contains("\"snapshot\":\"" + table + "\"");
    }
}
