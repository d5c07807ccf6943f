package io.adbsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.adbsync.it.ChangeEvents.Event;
import io.adbsync.stack.postgres.LocalPostgres;
import io.adbsync.fixtures.postgres.Postgres;
import io.adbsync.stack.postgres.PostgresServer;
import org.apache.kafka.clients.admin.Admin;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The source connector streaming from a real PostgreSQL through a real Connect worker deployed over REST. */
class SourceStreamingIT extends SourceConnectorTestBase {

    @Override
    String databasePrefix() {
        return "src";
    }

    @Override
    Map<String, String> baseConfig() {
        return Map.of("tasks.max", "1", "snapshot.mode", "never");
    }

    private void deploy(String... extra) {
        rest.deploy(name, config(extra));
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitSlotActive(database, name);
    }

    private String topic(String table) {
        return name + ".public." + table;
    }

    @Test
    void streamsInsertsUpdatesDeletesTruncatesAndKeyChanges() throws Exception {
        sql("CREATE TABLE items (id int PRIMARY KEY, name text, qty int)");
        deploy();
        sql("INSERT INTO items VALUES (1, 'apple', 3), (2, 'pear', NULL)",
                "UPDATE items SET qty = 4 WHERE id = 1",
                "UPDATE items SET id = 20 WHERE id = 2",
                "DELETE FROM items WHERE id = 1",
                "TRUNCATE items");

        List<Event> events = ChangeEvents.read(stack.bootstrapServers(), topic("items"), 9);
        assertThat(events).extracting(Event::op).containsExactly("c", "c", "u", "d", null, "c", "d", null, "t");
        assertThat(events.get(0).key().get("id").asInt()).isEqualTo(1);
        assertThat(events.get(0).after().get("name").asText()).isEqualTo("apple");
        assertThat(events.get(1).after().get("qty").isNull()).isTrue();
        assertThat(events.get(2).after().get("qty").asInt()).isEqualTo(4);
        // The key change: old key deleted (with tombstone), new key created.
        assertThat(events.get(3).key().get("id").asInt()).isEqualTo(2);
        assertThat(events.get(4).tombstone()).isTrue();
        assertThat(events.get(5).key().get("id").asInt()).isEqualTo(20);
        assertThat(events.get(5).after().get("name").asText()).isEqualTo("pear");
        assertThat(events.get(6).before().get("id").asInt()).isEqualTo(1);
        assertThat(events.get(7).key().get("id").asInt()).isEqualTo(1);

        JsonNode source = events.get(0).value().get("source");
        assertThat(source.get("db").asText()).isEqualTo(database);
        assertThat(source.get("schema").asText()).isEqualTo("public");
        assertThat(source.get("table").asText()).isEqualTo("items");
        assertThat(source.get("snapshot").asText()).isEqualTo("false");
        assertThat(source.get("lsn").asLong()).isPositive();
        assertThat(events.get(0).valueSchema().get("name").asText()).isEqualTo(name + ".public.items.Envelope");
    }

    @Test
    void partitionsAreCapturedOnlyThroughTheirRootAndAListNamingOnlyPartitionsFails() throws Exception {
        sql("CREATE TABLE sales (id int, day date, amount int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE sales_2024_01 PARTITION OF sales FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
                "CREATE TABLE sales_2024_02 PARTITION OF sales FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')");
        assertThatThrownBy(() -> rest.deploy(name, config("table.include.list", "public\\.sales_2024_.*")))
                .hasMessageContaining("table.include.list names partition(s) public.sales_2024_01, public.sales_2024_02 "
                        + "but not their partitioned table(s) public.sales");

        // A list matching the root and its partitions captures the root, once, under its own name.
        deploy("table.include.list", "public\\.sales.*", "publication.partitions", "leaves");
        sql("INSERT INTO sales VALUES (1, '2024-01-05', 10)",
                "UPDATE sales SET day = '2024-02-05' WHERE id = 1",
                // Emptying one partition cannot be said of the root without emptying the others at the destination.
                "TRUNCATE sales_2024_02",
                "INSERT INTO sales VALUES (2, '2024-01-06', 20)");
        List<Event> events = ChangeEvents.read(stack.bootstrapServers(), topic("sales"), 5);
        assertThat(events).extracting(Event::op).containsExactly("c", "d", null, "c", "c");
        // The move to another partition: the old key deleted, the row created under its new key, as for any key change.
        assertThat(events.get(3).after().get("amount").asInt()).isEqualTo(10);
        assertThat(events.get(3).key().get("day")).isNotEqualTo(events.get(1).key().get("day"));
        assertThat(events.get(4).key().get("id").asInt()).isEqualTo(2);
        assertThat(events.get(4).value().get("source").get("table").asText()).isEqualTo("sales");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            // Data topics only: the schema channel's topic is there too.
            assertThat(admin.listTopics().names().get()).filteredOn(t -> t.startsWith(name + ".") && !t.equals(name + ".schema-changes"))
                    .containsExactly(topic("sales"));
        }
    }

    @Test
    void unchangedToastedValuesAreNeverPlaceholders() throws Exception {
        sql("CREATE TABLE docs (id int PRIMARY KEY, title text, body text)",
                "ALTER TABLE docs ALTER body SET STORAGE EXTERNAL",
                "CREATE TABLE full_docs (id int PRIMARY KEY, title text, body text)",
                "ALTER TABLE full_docs ALTER body SET STORAGE EXTERNAL");
        deploy("table.include.list", "public\\.full_docs", "replica.identity.full", "true");
        assertThat(scalar("SELECT relreplident::text FROM pg_class WHERE relname = 'full_docs'")).isEqualTo("f");
        rest.remove(name);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> "false".equals(scalar("SELECT active::text FROM pg_replication_slots WHERE slot_name = '" + name + "'")));
        deploy("table.include.list", "public\\.(docs|full_docs)");

        String big = "x".repeat(200_000);
        sql("INSERT INTO docs VALUES (1, 'a', repeat('x', 200000))",
                "INSERT INTO full_docs VALUES (1, 'a', repeat('x', 200000))",
                "UPDATE docs SET title = 'b'",
                "UPDATE full_docs SET title = 'b'");
        List<Event> docs = ChangeEvents.read(stack.bootstrapServers(), topic("docs"), 2);
        List<Event> full = ChangeEvents.read(stack.bootstrapServers(), topic("full_docs"), 2);
        assertThat(docs.get(1).after().get("title").asText()).isEqualTo("b");
        assertThat(docs.get(1).after().get("body").asText()).isEqualTo(big);
        assertThat(full.get(1).after().get("body").asText()).isEqualTo(big);
        assertThat(full.get(1).before().get("title").asText()).isEqualTo("a");
    }

    /**
     * A key value stored out of line and left alone by an update comes as "unchanged TOAST" in the new row, and in full
     * in the old key the server sends for it. The task failed on it (the key has no text form), and again after every
     * restart, the change still in the slot.
     */
    @Test
    void anUpdateThatLeavesAToastedKeyAloneIsAnUpdateOfThatKey() throws Exception {
        sql("CREATE TABLE long_keys (k text PRIMARY KEY, v int, body text)",
                "ALTER TABLE long_keys ALTER k SET STORAGE EXTERNAL", "ALTER TABLE long_keys ALTER body SET STORAGE EXTERNAL");
        deploy("table.include.list", "public\\.long_keys");
        // Uncompressed and over the TOAST threshold, yet under btree's limit for an index entry.
        String key = "k".repeat(2300);
        String body = "b".repeat(100_000);
        sql("INSERT INTO long_keys VALUES (repeat('k', 2300), 1, repeat('b', 100000))",
                "UPDATE long_keys SET v = 2",
                "INSERT INTO long_keys VALUES ('short', 3, 's')");
        List<Event> events = ChangeEvents.read(stack.bootstrapServers(), topic("long_keys"), 3);
        assertThat(events).extracting(Event::op).containsExactly("c", "u", "c");
        assertThat(events.get(1).key().get("k").asText()).isEqualTo(key);
        assertThat(events.get(1).after().get("k").asText()).isEqualTo(key);
        assertThat(events.get(1).after().get("v").asInt()).isEqualTo(2);
        assertThat(events.get(1).after().get("body").asText()).isEqualTo(body);
        assertThat(rest.status(name).get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
    }

    @Test
    void aConnectorSideRowFilterOnAnUnchangedToastedColumnKeepsAnUpdateAnUpdate() throws Exception {
        sql("CREATE TABLE filtered_docs (id int PRIMARY KEY, title text, doc text)",
                "ALTER TABLE filtered_docs ALTER doc SET STORAGE EXTERNAL");
        deploy("table.include.list", "public\\.filtered_docs", "replica.identity.full", "true",
                "table.filters", "public.filtered_docs: length(doc) > 5000", "table.filters.mode", "connector");
        String big = "y".repeat(100_000);
        // Row 1 matches the filter, row 2 does not; updating another column leaves doc unchanged (not sent).
        sql("INSERT INTO filtered_docs VALUES (1, 'a', repeat('y', 100000)), (2, 'a', 'short')",
                "UPDATE filtered_docs SET title = 'b'",
                "UPDATE filtered_docs SET doc = 'now short' WHERE id = 1");

        List<Event> events = ChangeEvents.read(stack.bootstrapServers(), topic("filtered_docs"), 4);
        assertThat(events).extracting(Event::op).containsExactly("c", "u", "d", null);
        assertThat(events).allSatisfy(e -> assertThat(e.key().get("id").asInt()).isEqualTo(1));
        assertThat(events.get(1).after().get("title").asText()).isEqualTo("b");
        assertThat(events.get(1).after().get("doc").asText()).isEqualTo(big);
        assertThat(events.get(1).before().get("title").asText()).isEqualTo("a");
    }

    @Test
    void aColumnAddedAtTheSourceAppearsWithoutRestart() throws Exception {
        sql("CREATE TABLE evolving (id int PRIMARY KEY, a text)");
        deploy();
        sql("INSERT INTO evolving VALUES (1, 'one')",
                "ALTER TABLE evolving ADD COLUMN b numeric(10,2)",
                "INSERT INTO evolving VALUES (2, 'two', 12.50)");
        List<Event> events = ChangeEvents.read(stack.bootstrapServers(), topic("evolving"), 2);
        assertThat(events.get(0).after().has("b")).isFalse();
        assertThat(events.get(1).after().get("b").asText()).isEqualTo("12.50");
        JsonNode bSchema = events.get(1).valueSchema().get("fields").get(1).get("fields").get(2);
        assertThat(bSchema.get("parameters").get("adbsync.source.type").asText()).isEqualTo("numeric(10,2)");
    }

    @Test
    void aMultiMegabyteTransactionArrivesWhole() throws Exception {
        sql("CREATE TABLE bulk (id int PRIMARY KEY, payload text)");
        deploy();
        sql("INSERT INTO bulk SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 40000) g");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("bulk"), e -> e.size() >= 40000,
                Duration.ofSeconds(120));
        Set<Integer> ids = new TreeSet<>();
        events.forEach(e -> ids.add(e.key().get("id").asInt()));
        assertThat(ids).hasSize(40000);
        assertThat(events).hasSize(40000);
    }

    @Test
    void inProgressTransactionsStreamedByTheServerAreEmittedOnlyWhenCommitted() throws Exception {
        sql("CREATE TABLE big_tx (id int PRIMARY KEY, pad text)",
                // Database-level setting, so only this test's walsender streams early.
                "ALTER DATABASE " + database + " SET logical_decoding_work_mem = '64kB'");
        deploy("stream.in.progress.transactions", "true");
        try (Connection c = postgres.connect(database); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO big_tx SELECT g, repeat('c', 200) FROM generate_series(1, 20000) g");
            c.commit();
            s.execute("INSERT INTO big_tx SELECT g, repeat('r', 200) FROM generate_series(100001, 120000) g");
            c.rollback();
            s.execute("INSERT INTO big_tx VALUES (50001, 'kept')");
            s.execute("SAVEPOINT sp");
            s.execute("INSERT INTO big_tx SELECT g, repeat('a', 200) FROM generate_series(200001, 220000) g");
            s.execute("ROLLBACK TO SAVEPOINT sp");
            s.execute("INSERT INTO big_tx VALUES (50002, 'kept too')");
            c.commit();
        }
        sql("INSERT INTO big_tx VALUES (60000, 'marker')");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("big_tx"),
                e -> e.stream().anyMatch(x -> x.key().get("id").asInt() == 60000), Duration.ofSeconds(120));
        Set<Integer> ids = new TreeSet<>();
        events.forEach(e -> ids.add(e.key().get("id").asInt()));
        assertThat(ids).hasSize(20003).contains(1, 20000, 50001, 50002, 60000)
                .noneMatch(id -> id > 100000);
        assertThat(Long.parseLong(scalar("SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = '" + name + "'")))
                .as("the server streamed in-progress transactions").isPositive();
    }

    @Test
    void aThrottledStreamCutsTransactionsIntoSmallBatchesAndLosesNothing() throws Exception {
        sql("CREATE TABLE paced (id int PRIMARY KEY, v text)");
        // 200 records/s at a 100 ms poll interval: batches of 20, so each 300-row transaction spans many polls.
        deploy("stream.max.records.per.second", "200", "poll.interval.ms", "100");
        sql("INSERT INTO paced SELECT g, 'a' FROM generate_series(1, 300) g",
                "UPDATE paced SET v = 'b' WHERE id % 2 = 0");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("paced"), e -> e.size() >= 450,
                Duration.ofSeconds(60));
        assertThat(events).hasSize(450);
        assertThat(events.subList(0, 300)).extracting(e -> e.key().get("id").asInt())
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 300).boxed().toList());
        assertThat(events.subList(300, 450)).allSatisfy(e -> {
            assertThat(e.op()).isEqualTo("u");
            assertThat(e.after().get("v").asText()).isEqualTo("b");
        });
    }

    @Test
    void aTaskRestartMidStreamLosesNothing() throws Exception {
        sql("CREATE TABLE counter (id int PRIMARY KEY)");
        deploy();
        int total = 0;
        for (int round = 0; round < 4; round++) {
            sql("INSERT INTO counter SELECT g FROM generate_series(" + (total + 1) + ", " + (total + 500) + ") g");
            total += 500;
            rest.restart(name, true);
            sql("INSERT INTO counter SELECT g FROM generate_series(" + (total + 1) + ", " + (total + 500) + ") g");
            total += 500;
            rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        }
        int expected = total;
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("counter"),
                e -> e.stream().map(x -> x.key().get("id").asInt()).distinct().count() >= expected, Duration.ofSeconds(120));
        Set<Integer> ids = new TreeSet<>();
        events.forEach(e -> ids.add(e.key().get("id").asInt()));
        assertThat(ids).hasSize(expected).first().isEqualTo(1);
        assertThat(ids).last().isEqualTo(expected);
    }

    /**
     * The unchanged-TOAST re-read goes over the task's catalog connection; when that connection is lost (the server
     * restarted, a proxy dropped it) the task must reconnect as it does for the replication connection, not fail.
     */
    @Test
    void aLostCatalogConnectionDuringAnUnchangedToastReReadIsReconnected() throws Exception {
        sql("CREATE TABLE notes (id int PRIMARY KEY, title text, body text)", "ALTER TABLE notes ALTER body SET STORAGE EXTERNAL");
        // No heartbeats: the re-read is then the first to use the catalog connection after it is cut.
        deploy("heartbeat.interval.ms", "0");
        sql("INSERT INTO notes VALUES (1, 'a', repeat('y', 100000))");
        ChangeEvents.read(stack.bootstrapServers(), topic("notes"), 1);
        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND backend_type = 'client backend' AND application_name = 'adbsync' AND pid <> pg_backend_pid()");
        sql("UPDATE notes SET title = 'b' WHERE id = 1");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("notes"),
                e -> e.stream().anyMatch(x -> x.after() != null && "b".equals(x.after().get("title").asText())), Duration.ofSeconds(60));
        Event update = events.stream().filter(x -> x.after() != null && "b".equals(x.after().get("title").asText())).findFirst()
                .orElseThrow();
        assertThat(update.after().get("body").asText()).isEqualTo("y".repeat(100000));
        assertThat(rest.status(name).get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
    }

    @Test
    void aLostConnectionIsReconnectedWithoutLoss() throws Exception {
        sql("CREATE TABLE pings (id int PRIMARY KEY)");
        deploy();
        sql("INSERT INTO pings SELECT g FROM generate_series(1, 100) g");
        ChangeEvents.read(stack.bootstrapServers(), topic("pings"), 100);
        sql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + name + "'");
        sql("INSERT INTO pings SELECT g FROM generate_series(101, 200) g");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("pings"),
                e -> e.stream().map(x -> x.key().get("id").asInt()).distinct().count() >= 200, Duration.ofSeconds(90));
        assertThat(events.stream().map(x -> x.key().get("id").asInt()).distinct()).hasSize(200);
        assertThat(rest.status(name).get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
    }

    @Test
    void stoppingAndResettingOffsetsDropsTheSlotWhenAskedAndMalformedOffsetsAreRefused() throws Exception {
        sql("CREATE TABLE gone (id int PRIMARY KEY)");
        deploy("slot.drop.on.offsets.reset", "true");
        sql("INSERT INTO gone VALUES (1)");
        ChangeEvents.read(stack.bootstrapServers(), topic("gone"), 1);
        assertThat(rest.put("connectors/" + name + "/stop", null).ok()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> "STOPPED".equals(rest.status(name).get("connector").get("state").asText()));

        var malformed = rest.patch("connectors/" + name + "/offsets", java.util.Map.of("offsets", List.of(java.util.Map.of(
                "partition", java.util.Map.of("server", name), "offset", java.util.Map.of("lsn", -5, "event", 0)))));
        // Connect answers 500 for an exception from alterOffsets; what matters is that it is refused, with the reason.
        assertThat(malformed.ok()).isFalse();
        assertThat(malformed.body().toString()).contains("positive LSN");

        // Copying one table again (its snapshot offset nulled) is no reset of the stream: the slot holds what the stored
        // stream position still needs, and dropping it would lose that.
        var oneTable = new HashMap<String, Object>();
        oneTable.put("partition", java.util.Map.of("server", name, "snapshot", "public.gone"));
        oneTable.put("offset", null);
        assertThat(rest.patch("connectors/" + name + "/offsets", java.util.Map.of("offsets", List.of(oneTable))).ok()).isTrue();
        assertThat(scalar("SELECT count(*)::text FROM pg_replication_slots WHERE slot_name = '" + name + "'")).isEqualTo("1");

        assertThat(rest.delete("connectors/" + name + "/offsets").ok()).isTrue();
        assertThat(scalar("SELECT count(*)::text FROM pg_replication_slots WHERE slot_name = '" + name + "'")).isEqualTo("0");
        assertThat(scalar("SELECT count(*)::text FROM pg_publication WHERE pubname = 'adbsync_publication'")).isEqualTo("0");
        rest.remove(name);
    }

    /**
     * A slot lost while the connector was stopped (dropped by hand, or a failover without slot synchronisation) took
     * the changes made since with it: a new slot starts now. The task must say so rather than stream on from the new
     * slot as if nothing was missing, and the remedy its message gives must bring the missing change.
     */
    @Test
    void aSlotLostWhileStoppedFailsTheTaskInsteadOfSkippingTheChangesItHeld() throws Exception {
        sql("CREATE TABLE kept (id int PRIMARY KEY)");
        deploy();
        sql("INSERT INTO kept VALUES (1)");
        ChangeEvents.read(stack.bootstrapServers(), topic("kept"), 1);
        Awaitility.await("stream offset stored").atMost(Duration.ofSeconds(30))
                .until(() -> rest.offsets(name).toString().contains("\"lsn\""));
        assertThat(rest.put("connectors/" + name + "/stop", null).ok()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> "STOPPED".equals(rest.status(name).get("connector").get("state").asText()));
        Awaitility.await("slot released").atMost(Duration.ofSeconds(30)).until(() -> "0".equals(
                scalar("SELECT count(*)::text FROM pg_replication_slots WHERE active AND slot_name = '" + name + "'")));
        sql("SELECT pg_drop_replication_slot('" + name + "')", "INSERT INTO kept VALUES (2)");

        rest.resume(name);
        String trace = Awaitility.await("the task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    JsonNode tasks = rest.status(name).get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText())
                            ? tasks.get(0).get("trace").asText() : null;
                }, t -> t != null);
        assertThat(trace).contains("Replication slot " + name + " does not exist, but the connector's stored offsets "
                + "say it streamed up to ").contains("DELETE /connectors/" + name + "/offsets");
        assertThat(scalar("SELECT count(*)::text FROM pg_replication_slots WHERE slot_name = '" + name + "'")).isEqualTo("0");

        // The remedy the message gives: offsets deleted on the stopped connector, then every table copied again.
        assertThat(rest.put("connectors/" + name + "/stop", null).ok()).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> "STOPPED".equals(rest.status(name).get("connector").get("state").asText()));
        assertThat(rest.delete("connectors/" + name + "/offsets").ok()).isTrue();
        rest.deploy(name, config("snapshot.mode", "initial"));
        rest.resume(name);
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("kept"), e -> ids(e).contains(2),
                Duration.ofSeconds(60));
        assertThat(ids(events)).contains(1, 2);
    }

    @Test
    void anIdleCaptureStillReleasesWalThroughHeartbeats() throws Exception {
        sql("CREATE TABLE quiet (id int PRIMARY KEY)", "CREATE TABLE noisy (id int PRIMARY KEY, pad text)");
        deploy("table.include.list", "public\\.quiet", "heartbeat.interval.ms", "300");
        sql("INSERT INTO noisy SELECT g, repeat('n', 500) FROM generate_series(1, 20000) g");
        String walAfterWrites = scalar("SELECT pg_current_wal_lsn()::text");
        Awaitility.await("slot confirms past " + walAfterWrites).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> "true".equals(scalar("SELECT (confirmed_flush_lsn >= '" + walAfterWrites
                        + "'::pg_lsn)::text FROM pg_replication_slots WHERE slot_name = '" + name + "'")));
        List<Event> beats = ChangeEvents.read(stack.bootstrapServers(), "__adbsync-heartbeat." + name, 1);
        assertThat(beats.get(0).value().get("ts_ms").asLong()).isPositive();
    }

    /** Asserts, every 500 ms for {@code seconds}, that no task of the connector has failed. */
    private void assertNeverFailsFor(int seconds) throws InterruptedException {
        for (long end = System.currentTimeMillis() + seconds * 1000L; System.currentTimeMillis() < end; ) {
            rest.checkNotFailed(name);
            Thread.sleep(500);
        }
        rest.checkNotFailed(name);
    }

    private static Set<Integer> ids(List<Event> events) {
        Set<Integer> ids = new TreeSet<>();
        events.forEach(e -> ids.add(e.key().get("id").asInt()));
        return ids;
    }

    @Test
    void aTaskStartedWhileTheSourceIsDownWaitsForItAndCapturesEverything() throws Exception {
        Assumptions.assumeTrue(LocalPostgres.available(), "stopping a server needs the machine's PostgreSQL binaries");
        try (PostgresServer server = Postgres.startRestartable()) {
            String db = server.createDatabase("down");
            try (Connection c = server.connect(db); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE items (id int PRIMARY KEY, v text)");
                s.execute("INSERT INTO items SELECT g, 'before' FROM generate_series(1, 100) g");
            }
            Map<String, String> config = config("snapshot.mode", "initial", "poll.interval.ms", "200");
            config.put("connection.url", server.jdbcUrl(db));
            config.put("connection.user", server.user());
            if (server.password() != null) {
                config.put("connection.password", server.password());
            }
            // Connect validates a new config against the live source, so the connector is created stopped while the
            // source is up; its task then starts while the source is down, as after a worker restart in an outage.
            var created = rest.post("connectors", Map.of("name", name, "config", config, "initial_state", "STOPPED"));
            assertThat(created.ok()).as("create %s: %s", name, created.body()).isTrue();
            server.stop(false);
            rest.resume(name);
            rest.awaitTasksAssigned(name, 1, Duration.ofSeconds(30));
            assertNeverFailsFor(10);
            server.start();
            try (Connection c = server.connect(db); Statement s = c.createStatement()) {
                s.execute("INSERT INTO items SELECT g, 'after' FROM generate_series(101, 200) g");
            }
            List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("items"), e -> ids(e).size() >= 200,
                    Duration.ofSeconds(90));
            assertThat(ids(events)).hasSize(200).first().isEqualTo(1);
            assertThat(rest.status(name).get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
            rest.remove(name);
        }
    }

    @Test
    void aSlotStillHeldByAnotherSessionIsWaitedFor() throws Exception {
        sql("CREATE TABLE items (id int PRIMARY KEY, v text)", "INSERT INTO items VALUES (1, 'a')",
                "CREATE PUBLICATION adbsync_publication FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput')");
        Properties props = new Properties();
        PGProperty.USER.set(props, postgres.user());
        if (postgres.password() != null) {
            PGProperty.PASSWORD.set(props, postgres.password());
        }
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "12");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        // Named like the connector's own sessions: this stands for the previous task that has not let go yet.
        PGProperty.APPLICATION_NAME.set(props, "adbsync");
        try (Connection holder = DriverManager.getConnection(postgres.jdbcUrl(database), props)) {
            PGReplicationStream held = holder.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                    .withSlotName(name).withSlotOption("proto_version", "1")
                    .withSlotOption("publication_names", "adbsync_publication").start();
            awaitSlotActive(database, name);
            rest.deploy(name, config("snapshot.mode", "initial", "poll.interval.ms", "200"));
            rest.awaitTasksAssigned(name, 1, Duration.ofSeconds(30));
            assertNeverFailsFor(6);
            held.close();
        }
        rest.awaitRunning(name, 1, Duration.ofSeconds(30));
        sql("INSERT INTO items VALUES (2, 'b')");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("items"), e -> ids(e).size() >= 2,
                Duration.ofSeconds(60));
        assertThat(ids(events)).containsExactly(1, 2);
        assertNeverFailsFor(1);
    }

    @Test
    void aTaskRestartedInTheMiddleOfASnapshotRoundGetsTheSlot() throws Exception {
        sql("CREATE TABLE big (id int PRIMARY KEY, v text)", "ALTER TABLE big REPLICA IDENTITY FULL",
                "INSERT INTO big SELECT g, 'v' FROM generate_series(1, 50) g");
        // The snapshot's filter waits for an advisory lock the test holds: a chunk read that lasts as long as the test
        // wants, as a large chunk on a slow source does, while nothing else the task does touches that lock.
        try (Connection gate = postgres.connect(database); Statement s = gate.createStatement()) {
            s.execute("SELECT pg_advisory_lock(4242)");
            rest.deploy(name, config("snapshot.mode", "initial", "poll.interval.ms", "200", "table.filters.mode", "connector",
                    "table.filters", "public.big: pg_advisory_xact_lock_shared(4242)::text = ''"));
            rest.awaitRunning(name, 1, Duration.ofSeconds(60));
            awaitSlotActive(database, name);
            Awaitility.await("the snapshot chunk waits").atMost(Duration.ofSeconds(30)).until(() -> "1".equals(scalar(
                    "SELECT count(*)::text FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'")));
            rest.post("connectors/" + name + "/tasks/0/restart", null);
            assertNeverFailsFor(8);
            s.execute("SELECT pg_advisory_unlock(4242)");
        }
        sql("INSERT INTO big VALUES (51, 'streamed')");
        List<Event> events = ChangeEvents.readUntil(stack.bootstrapServers(), topic("big"), e -> ids(e).size() >= 51,
                Duration.ofSeconds(60));
        assertThat(ids(events)).hasSize(51);
        assertThat(rest.status(name).get("tasks").get(0).get("state").asText()).isEqualTo("RUNNING");
    }

    @Test
    void aKeylessTableCreatedLaterIsNotPublishedSoTheApplicationCanStillUpdateIt() throws Exception {
        sql("CREATE TABLE keyed (id int PRIMARY KEY)");
        deploy();
        sql("CREATE TABLE scratch (a int, b text)", "INSERT INTO scratch VALUES (1, 'x')",
                "CREATE TABLE full_scratch (a int, b text)", "ALTER TABLE full_scratch REPLICA IDENTITY FULL");
        rest.restart(name, true);
        rest.awaitRunning(name, 1, Duration.ofSeconds(60));
        awaitSlotActive(database, name);
        // Had the task published it, PostgreSQL would refuse this: the table has no replica identity.
        sql("UPDATE scratch SET b = 'y'", "DELETE FROM scratch", "INSERT INTO full_scratch VALUES (1, 'x')");
        assertThat(scalar("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables "
                + "WHERE pubname = 'adbsync_publication' AND tablename <> 'adbsync_heartbeat'")).isEqualTo("keyed");
        sql("INSERT INTO keyed VALUES (1)");
        assertThat(ids(ChangeEvents.read(stack.bootstrapServers(), topic("keyed"), 1))).containsExactly(1);
        rest.checkNotFailed(name);
    }
}
