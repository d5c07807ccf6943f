package io.adbsync.stack.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/** The demo's source schema: pgbench-style tables plus one table with a column of many types, and its workload. */
final class DemoData {

    static final int BRANCHES = 10;
    static final int TELLERS = 100;

    private DemoData() {
    }

    /** Custom types the tables use; the sink needs them at the destination too. */
    static void createTypes(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
        }
    }

    static void create(Connection c, int accounts) throws SQLException {
        createTypes(c);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE branches (bid int PRIMARY KEY, bbalance bigint NOT NULL, filler char(88))");
            s.execute("CREATE TABLE tellers (tid int PRIMARY KEY, bid int NOT NULL, tbalance bigint NOT NULL, filler char(84))");
            s.execute("CREATE TABLE accounts (aid int PRIMARY KEY, bid int NOT NULL, abalance bigint NOT NULL, filler char(84))");
            s.execute("CREATE TABLE history (hid bigserial PRIMARY KEY, tid int, bid int, aid int, delta int, "
                    + "mtime timestamptz NOT NULL DEFAULT now())");
            s.execute("CREATE TABLE all_types (id int PRIMARY KEY, n numeric(12,3), f float8, t text, b bytea, d date, "
                    + "ts timestamp(6), tstz timestamptz, iv interval, u uuid, j jsonb, x xml, arr int[], r int4range, "
                    + "m mood, ip inet, bits bit varying(16), p point, money_col money, ok boolean)");
            s.execute("INSERT INTO branches SELECT g, 0, '' FROM generate_series(1, " + BRANCHES + ") g");
            s.execute("INSERT INTO tellers SELECT g, 1 + (g - 1) % " + BRANCHES + ", 0, '' FROM generate_series(1, " + TELLERS + ") g");
            s.execute("INSERT INTO accounts SELECT g, 1 + (g - 1) % " + BRANCHES + ", 0, '' FROM generate_series(1, " + accounts + ") g");
            s.execute("INSERT INTO all_types SELECT g, g / 7.0, g * 1.5, 'row ' || g, decode(md5(g::text), 'hex'), "
                    + "date '2024-01-01' + g, timestamp '2024-01-01 00:00:00.123456' + g * interval '1 minute', "
                    + "now() - g * interval '1 hour', make_interval(months => g % 13, secs => g / 1000.0), gen_random_uuid(), "
                    + "jsonb_build_object('g', g, 'tags', jsonb_build_array('a', 'b')), xmlparse(content '<r>' || g || '</r>'), "
                    + "ARRAY[g, g + 1], int4range(g, g + 10), (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood, "
                    + "('10.0.' || (g % 255) || '.1')::inet, (g % 65536)::bit(16)::varbit, point(g, -g), g * 1.25, g % 2 = 0 "
                    + "FROM generate_series(1, 1000) g");
            s.execute("UPDATE all_types SET n = 'NaN', d = 'infinity', ts = '-infinity' WHERE id = 1");
            s.execute("ANALYZE");
        }
    }

    /** One pgbench-style transaction: move money through an account, a teller and a branch, and log it. */
    static void transaction(Connection c, PreparedStatement[] statements, int accounts) throws SQLException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int aid = 1 + random.nextInt(accounts);
        int tid = 1 + random.nextInt(TELLERS);
        int bid = 1 + random.nextInt(BRANCHES);
        int delta = random.nextInt(-5000, 5001);
        statements[0].setInt(1, delta);
        statements[0].setInt(2, aid);
        statements[1].setInt(1, delta);
        statements[1].setInt(2, tid);
        statements[2].setInt(1, delta);
        statements[2].setInt(2, bid);
        statements[3].setInt(1, tid);
        statements[3].setInt(2, bid);
        statements[3].setInt(3, aid);
        statements[3].setInt(4, delta);
        for (PreparedStatement ps : statements) {
            ps.executeUpdate();
        }
        c.commit();
    }

    static PreparedStatement[] prepare(Connection c) throws SQLException {
        c.setAutoCommit(false);
        return new PreparedStatement[] {
            c.prepareStatement("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?"),
            c.prepareStatement("UPDATE tellers SET tbalance = tbalance + ? WHERE tid = ?"),
            c.prepareStatement("UPDATE branches SET bbalance = bbalance + ? WHERE bid = ?"),
            c.prepareStatement("INSERT INTO history (tid, bid, aid, delta) VALUES (?, ?, ?, ?)")
        };
    }
}
