package io.adbsync.sink.definition;

import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.DefinitionCodec;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.TableShape;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.ddl.BookkeepingTables;
import io.adbsync.sink.dialect.Dialect;

import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The destination table recording which definitions from the schema topic were applied ({@code schema.sync.table}),
 * each with its definition: written in the transaction of the definition's DDL, read by the applier for the previous
 * definition of an object (which columns are the sink's own to drop), and by every task of the connector before it
 * writes records naming a definition, since the schema topic's one partition is read by one task only.
 */
public final class DefinitionLedger {

    /** A definition version a record names, with the time the source read it. */
    public record Needed(String version, long tsMs) {
    }

    /** What the ledger holds for one object: the versions applied and the latest source time among them. */
    public record Applied(List<String> versions, long latestTsMs) {

        public static final Applied NONE = new Applied(List.of(), Long.MIN_VALUE);

        /**
         * Whether a record naming {@code needed} may be written: a definition the source read at the same time or
         * later was applied (that version, which takes the later time when applied again, or a later one: the topic
         * compacted to the latest, or the sink behind the schema topic's reader). The version alone answers only for a
         * record without the time: a table changed back (a column dropped and added again) names a version applied
         * before, and its records wait until it is applied again, or they would be written without that column.
         */
        public boolean satisfies(Needed needed) {
            return latestTsMs >= needed.tsMs() || needed.tsMs() == Long.MAX_VALUE && versions.contains(needed.version());
        }
    }

    /** Definitions are kept as the JSON converter writes them, schema included, so they read back whatever changes. */
    private static final JsonConverter JSON = new JsonConverter();

    static {
        JSON.configure(Map.of("schemas.enable", "true", "converter.type", "value"));
    }

    private final TableId table;
    private final Dialect dialect;
    private boolean ready;

    public DefinitionLedger(TableId table, Dialect dialect) {
        this.table = table;
        this.dialect = dialect;
    }

    public TableId table() {
        return table;
    }

    /** Creates the table unless it exists; ends the transaction. */
    public void ensure(Connection c) throws SQLException {
        if (ready) {
            return;
        }
        BookkeepingTables.ensure(c, table, "CREATE TABLE " + table.quoted() + " ("
                + q("object") + " text NOT NULL, " + q("version") + " text NOT NULL, " + q("source_ts_ms") + " bigint NOT NULL, "
                + q("definition") + " text NOT NULL, " + q("applied_at") + " timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (" + q("object") + ", " + q("version") + "))"
                + dialect.keyedTableOptions(List.of("object", "version")));
        ready = true;
    }

    /** Forgets whether the table exists (a new connection may reach another server after a failover). */
    public void forget() {
        ready = false;
    }

    /**
     * The applier's view of this ledger for applying {@code received}: its previous definitions, and the row recording
     * it, both in the applier's transaction (the row commits with the DDL).
     */
    public AppliedDefinitions applying(String schemaTopic, DefinitionCodec.Received received) {
        return new AppliedDefinitions() {
            @Override
            public Definition previous(Connection c, ObjectRef ref) throws SQLException {
                return latest(c, object(schemaTopic, ref));
            }

            @Override
            public void record(Connection c, Definition applied) throws SQLException {
                insert(c, object(schemaTopic, applied.ref()),
                        new DefinitionCodec.Received(applied, received.version(), received.lsn(), received.tsMs()));
            }
        };
    }

    /**
     * The ledger's name of an object: the schema topic it came on and its key, so that two sources with a table of the
     * same name, applied at one destination, never answer for each other.
     */
    public static String object(String schemaTopic, ObjectRef ref) {
        return schemaTopic + " " + ref.key();
    }

    private void insert(Connection c, String object, DefinitionCodec.Received received) throws SQLException {
        // A version seen again (a table changed back): its row takes the later time, which decides what is latest.
        String update = "UPDATE " + table.quoted() + " SET " + q("source_ts_ms") + " = ?, " + q("definition") + " = ?, "
                + q("applied_at") + " = now() WHERE " + q("object") + " = ? AND " + q("version") + " = ? AND "
                + q("source_ts_ms") + " < ?";
        try (PreparedStatement ps = c.prepareStatement(update)) {
            ps.setLong(1, received.tsMs());
            ps.setString(2, text(received));
            ps.setString(3, object);
            ps.setString(4, received.version());
            ps.setLong(5, received.tsMs());
            ps.executeUpdate();
        }
        // No ON CONFLICT: Greenplum 6 has none. One task reads the schema topic, so a duplicate is a replay.
        String sql = "INSERT INTO " + table.quoted() + " (" + q("object") + ", " + q("version") + ", " + q("source_ts_ms") + ", "
                + q("definition") + ") SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM " + table.quoted() + " WHERE "
                + q("object") + " = ? AND " + q("version") + " = ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, object);
            ps.setString(2, received.version());
            ps.setLong(3, received.tsMs());
            ps.setString(4, text(received));
            ps.setString(5, object);
            ps.setString(6, received.version());
            ps.executeUpdate();
        }
    }

    /** The version of {@code object} applied last (the latest the source read), or null; in the caller's transaction. */
    String latestVersion(Connection c, String object) throws SQLException {
        return latestOf(c, object, "version");
    }

    /** The definition of {@code object} applied last (the latest the source read), or null; in the caller's transaction. */
    Definition latest(Connection c, String object) throws SQLException {
        String text = latestOf(c, object, "definition");
        return text == null ? null : decode(text);
    }

    /** Column {@code column} of the row of {@code object} the source read last, or null when there is none. */
    private String latestOf(Connection c, String object, String column) throws SQLException {
        String sql = "SELECT " + q(column) + " FROM " + table.quoted() + " WHERE " + q("object") + " = ? ORDER BY "
                + q("source_ts_ms") + " DESC, " + q("applied_at") + " DESC LIMIT 1";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, object);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private Definition decode(String text) {
        return DefinitionCodec.decode((Struct) JSON.toConnectData(table.toString(), text.getBytes(StandardCharsets.UTF_8)).value())
                .definition();
    }

    /**
     * Each version of {@code object} applied, with the latest time the source read it, in the order it read them (the
     * latest last): a few short rows, without the definitions; in the caller's transaction.
     */
    List<Needed> versionsRead(Connection c, String object) throws SQLException {
        String sql = "SELECT " + q("version") + ", " + q("source_ts_ms") + " FROM " + table.quoted() + " WHERE " + q("object")
                + " = ? ORDER BY " + q("source_ts_ms") + ", " + q("applied_at");
        List<Needed> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, object);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Needed(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return out;
    }

    /**
     * The table of version {@code version} of {@code object}, or null when the ledger has no such table definition; in
     * the caller's transaction. A version's definition never changes (the version is its digest).
     */
    TableShape tableOf(Connection c, String object, String version) throws SQLException {
        String sql = "SELECT " + q("definition") + " FROM " + table.quoted() + " WHERE " + q("object") + " = ? AND "
                + q("version") + " = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, object);
            ps.setString(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return decode(rs.getString(1)).table();
            }
        }
    }

    private String text(DefinitionCodec.Received received) {
        byte[] bytes = JSON.fromConnectData(table.toString(), DefinitionCodec.VALUE_SCHEMA,
                DefinitionCodec.encode(received.definition(), received.lsn(), received.tsMs()));
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** What was applied for each of {@code objects} (absent: nothing); ends the transaction. */
    public Map<String, Applied> applied(Connection c, Collection<String> objects) throws SQLException {
        Map<String, List<String>> versions = new HashMap<>();
        Map<String, Long> latest = new HashMap<>();
        String sql = "SELECT " + q("object") + ", " + q("version") + ", " + q("source_ts_ms") + " FROM " + table.quoted()
                + " WHERE " + q("object") + " = ANY (?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Array keys = c.createArrayOf("text", objects.toArray());
            ps.setArray(1, keys);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                    latest.merge(rs.getString(1), rs.getLong(3), Math::max);
                }
            }
        }
        c.commit();
        Map<String, Applied> out = new HashMap<>();
        versions.forEach((object, v) -> out.put(object, new Applied(List.copyOf(v), latest.get(object))));
        return out;
    }

    private static String q(String name) {
        return SqlIdentifiers.quote(name);
    }
}
