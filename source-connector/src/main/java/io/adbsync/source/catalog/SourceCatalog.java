package io.adbsync.source.catalog;

import io.adbsync.common.jdbc.ConnectionConfig;
import io.adbsync.common.jdbc.Jdbc;
import io.adbsync.common.jdbc.PgCatalog;
import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.source.pgoutput.PgOutputMessage;
import io.adbsync.source.pgoutput.TupleData;
import io.adbsync.source.catalog.UnchangedToastLoader.RelationGone;
import io.adbsync.source.types.TextForms;
import io.adbsync.source.wal.Lsn;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.postgresql.PGProperty;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The few questions the source asks of the catalog over a normal connection: primary keys where the Relation
 * message does not carry them, names of non-built-in types, the captured tables, and TOASTed values not sent.
 */
public final class SourceCatalog implements AutoCloseable, UnchangedToastLoader {

    /** How long a re-read waits for a decoded transaction to become visible before the task reconnects. */
    static final long VISIBILITY_WAIT_MS = 2_000;
    /**
     * The statement's snapshot and the 64-bit form of the 32-bit xid bound first (xids of pgoutput's Begin carry no
     * epoch): the one nearest the snapshot's xmax. A transaction still being made visible can be past xmax (xmax is
     * one past the newest completed xid, and an older one may still run), so "past xmax" does not mean "of the epoch
     * before"; every xid the server still decodes is within 2^31 of xmax, so the nearest is the right one. The txid_*
     * functions, not pg_current_snapshot(), because they exist on PostgreSQL 12 and Greenplum 7 too.
     */
    private static final String FULL_XID = "SELECT s, CASE WHEN e + n > xmax + 2147483648 THEN e + n - 4294967296 "
            + "WHEN e + n < xmax - 2147483648 THEN e + n + 4294967296 ELSE e + n END AS xid "
            + "FROM (SELECT s, txid_snapshot_xmax(s) AS xmax, (txid_snapshot_xmax(s) >> 32) << 32 AS e, ?::bigint AS n "
            + "FROM (SELECT txid_current_snapshot() AS s) snapshot) parts";

    private static final int SAMPLE_BLOCKS = 64;
    private static final Logger log = LoggerFactory.getLogger(SourceCatalog.class);

    private final ConnectionConfig config;
    private Connection connection;

    private ConnectionConfig streamServer;

    public SourceCatalog(ConnectionConfig config) {
        this.config = config;
    }

    /** The catalog connection, opened again if it was lost. */
    public Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            // Values re-read or filtered here must have the text forms the stream and the snapshot have.
            Properties props = new Properties();
            PGProperty.OPTIONS.set(props, TextForms.SESSION_OPTIONS);
            connection = Jdbc.open(config, props);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    /**
     * Where the task's stream reads, when not here: a Greenplum segment, whose WAL positions are its own. Positions
     * compared with the stream's ({@link #streamServerLsn()}) are read there.
     */
    public void streamReadOn(ConnectionConfig streamServer) {
        this.streamServer = streamServer;
    }

    /**
     * The current WAL position of the server the task's stream reads: a change made visible before this call is
     * behind it, so a stream past it has passed the change. It is where WAL is inserted, not where it is written
     * ({@code pg_current_wal_lsn()}): under {@code synchronous_commit=off} a commit is visible before its WAL is written,
     * which the WAL writer may do only {@code wal_writer_delay} later. At the start of a page the insert position is
     * past the page's header, where nothing may follow for long on an idle server; the end of the page before is given
     * then, which the stream reaches with what is written.
     */
    public Lsn streamServerLsn() throws SQLException {
        String query = "SELECT pg_current_wal_insert_lsn()::text, current_setting('wal_block_size')::bigint, "
                + "pg_size_bytes(current_setting('wal_segment_size'))";
        if (streamServer == null) {
            try (Statement s = connection().createStatement(); ResultSet rs = s.executeQuery(query)) {
                rs.next();
                return insertPosition(rs);
            }
        }
        try (Connection c = Jdbc.open(streamServer); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return insertPosition(rs);
        }
    }

    /** Short and long WAL page header sizes (XLogPageHeaderData, XLogLongPageHeaderData, MAXALIGNed). */
    private static final long SHORT_PAGE_HEADER = 24;
    private static final long LONG_PAGE_HEADER = 40;

    private static Lsn insertPosition(ResultSet rs) throws SQLException {
        return new Lsn(recordsEnd(Lsn.parse(rs.getString(1)).value(), rs.getLong(2), rs.getLong(3)));
    }

    /**
     * Where the records inserted so far end, from the insert position {@code insert} (pages of {@code block} bytes,
     * segments of {@code segment}): the same, but at the end of the page before where it is just past a page header.
     */
    static long recordsEnd(long insert, long block, long segment) {
        // A segment's first page has the long header.
        long header = Long.remainderUnsigned(insert, segment) < block ? LONG_PAGE_HEADER : SHORT_PAGE_HEADER;
        return Long.remainderUnsigned(insert, block) == header ? insert - header : insert;
    }

    /**
     * Bytes of WAL that slot {@code slot} keeps on the server the task's stream reads (its current WAL position less
     * the slot's restart_lsn), or -1 when the slot is not there.
     */
    public long retainedWalBytes(String slot) throws SQLException {
        String query = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM pg_replication_slots"
                + " WHERE slot_name = ?";
        if (streamServer == null) {
            return retainedWalBytes(connection(), query, slot);
        }
        try (Connection c = Jdbc.open(streamServer)) {
            return retainedWalBytes(c, query, slot);
        }
    }

    private static long retainedWalBytes(Connection c, String query, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(query)) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getObject(1) != null ? rs.getLong(1) : -1;
            }
        }
    }

    /** Drops the connection after a failure; the next call opens a new one. */
    public void reset() {
        close();
    }

    public String database() throws SQLException {
        return scalar("SELECT current_database()");
    }

    /** Whether relation {@code oid} still exists (a dropped table's changes may still be in the stream). */
    public boolean relationExists(int oid) {
        try (PreparedStatement ps = connection().prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = ?::oid)")) {
            ps.setLong(1, Integer.toUnsignedLong(oid));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot look up relation OID " + Integer.toUnsignedLong(oid) + ": " + e.getMessage(), e);
        }
    }

    /** The columns of relation {@code relationOid}'s key index (its replica identity's, else its primary key) in index order. */
    private static final String KEY_INDEX_ORDER = "SELECT a.attname FROM pg_class c "
            + "JOIN pg_index i ON i.indrelid = c.oid AND CASE c.relreplident WHEN 'i' THEN i.indisreplident ELSE i.indisprimary END "
            + "JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true "
            + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
            + "WHERE c.oid = ?::oid AND k.ord <= i.indnkeyatts ORDER BY k.ord";

    /**
     * The key columns of relation {@code relationOid} in the order of the index that makes them the key (the replica
     * identity index, else the primary key); empty where there is none. A range of keys compared in this order is a
     * range of that index.
     */
    public List<String> keyIndexOrder(int relationOid) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = connection().prepareStatement(KEY_INDEX_ORDER)) {
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    public List<String> primaryKey(int relationOid) {
        try {
            return PgCatalog.primaryKey(connection(), Integer.toUnsignedLong(relationOid)).stream().map(PgCatalog.KeyColumn::name).toList();
        } catch (SQLException e) {
            throw new ConnectException("Cannot read the primary key of relation OID " + relationOid + ": " + e.getMessage(), e);
        }
    }

    /**
     * The fast defaults of relation {@code relationOid}: column name to the text of the value that rows older than the
     * column have ({@code attmissingval}, a one-element array of the column's type), in this connection's text forms.
     * {@code array_to_string} prints the element with the type's own output function, so no array quoting is undone
     * here. The server sets {@code atthasmissing} only for a non-null value, so the element is never NULL.
     */
    public Map<String, String> missingValues(int relationOid) {
        // A partitioned table stores no rows and so no missing values: its leaves do, each its own (pg_partition_tree
        // lists none for a plain table, hence the relation itself too). A column whose leaves disagree has no one value.
        try (PreparedStatement ps = connection().prepareStatement("SELECT attname, min(v), count(DISTINCT v) FROM ("
                + "SELECT a.attname, array_to_string(a.attmissingval, '') AS v FROM pg_attribute a "
                + "WHERE a.attrelid IN (SELECT relid FROM pg_partition_tree(?::oid) WHERE isleaf UNION SELECT ?::oid) "
                + "AND a.attnum > 0 AND NOT a.attisdropped AND a.atthasmissing) m GROUP BY attname")) {
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            ps.setLong(2, Integer.toUnsignedLong(relationOid));
            Map<String, String> values = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getLong(3) == 1) {
                        values.put(rs.getString(1), rs.getString(2));
                    } else {
                        log.warn("Column {} of relation OID {} was added with a default whose value differs between the "
                                + "table's partitions: the destination's earlier rows get NULL in it; copy the table again "
                                + "(docs/operations.md)", rs.getString(1), Integer.toUnsignedLong(relationOid));
                    }
                }
            }
            return values;
        } catch (SQLException e) {
            throw new ConnectException("Cannot read the values of columns added with a default to relation OID "
                    + Integer.toUnsignedLong(relationOid) + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code format_type}, with the schema written before a type outside pg_catalog that the session's search_path
     * finds by its name alone (format_type qualifies the others itself). An array is named after its element, and
     * qualified as its element is.
     */
    private static final String FORMAT_TYPE = "SELECT CASE WHEN n.nspname <> 'pg_catalog' AND pg_catalog.pg_type_is_visible(e.oid) "
            + "THEN pg_catalog.quote_ident(n.nspname) || '.' ELSE '' END || pg_catalog.format_type(o.oid, o.typmod) "
            + "FROM (SELECT ?::oid AS oid, ?::int AS typmod) o LEFT JOIN pg_catalog.pg_type t ON t.oid = o.oid "
            + "LEFT JOIN pg_catalog.pg_type e ON e.oid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END "
            + "LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.typnamespace";

    /** {@code format_type} with every non-catalog type schema-qualified, as the destination needs it. */
    public String formatType(int oid, int typmod) {
        // Qualified by hand rather than under a search_path set for it: snapshot readers name types on this connection
        // while other threads query it, and a SET before and a RESET after let one thread name under another's reset
        // (an unqualified name, which the sink resolves in its own schemas) and others query under pg_catalog.
        try (PreparedStatement ps = connection().prepareStatement(FORMAT_TYPE)) {
            ps.setLong(1, oid & 0xFFFFFFFFL);
            if (typmod < 0) {
                ps.setNull(2, java.sql.Types.INTEGER);
            } else {
                ps.setInt(2, typmod);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot name the type with OID " + oid + ": " + e.getMessage(), e);
        }
    }

    /** The ordinary and partitioned tables the filter captures, in name order. */
    public List<TableId> capturedTables(TableFilter filter) throws SQLException {
        return capturedTables(connection(), filter);
    }

    /** {@link #capturedTables(TableFilter)} over {@code connection}. */
    public static List<TableId> capturedTables(Connection connection, TableFilter filter) throws SQLException {
        return capturedTableOids(connection, filter).stream().map(CapturedName::name).toList();
    }

    /** A captured table's name and relation OID, and whether it is a partitioned table. */
    public record CapturedName(TableId name, long oid, boolean partitioned) {
        public String qualifiedName() {
            return name.toString();
        }
    }

    /** The tables {@code filter} captures (partitions stand for their root), with their relation OIDs. */
    public static List<CapturedName> capturedTableOids(Connection connection, TableFilter filter) throws SQLException {
        return PgCatalog.tables(connection, false).stream().filter(t -> filter.captures(t.schema(), t.name()))
                .map(t -> new CapturedName(new TableId(t.schema(), t.name()), t.oid(), t.partitioned())).toList();
    }

    /**
     * The relation as pgoutput would describe it: published columns (not dropped, not generated) in order, flagged
     * as key by the replica identity (all columns under FULL). Used by the snapshot before any Relation message came.
     */
    public PgOutputMessage.Relation relation(String schema, String table) throws SQLException {
        return relation(connection(), schema, table);
    }

    /**
     * Which column {@code a} is and what orders its values: its type and its collation, by qualified name (the same on a
     * Greenplum coordinator and its segments, where a collation imported from a host's locales may have another OID,
     * and whatever a session's search_path), and its number (two key columns that swapped names keep every name and
     * type of the key).
     */
    private static final String COLUMN_ORDER = "(SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.typname) FROM "
            + "pg_catalog.pg_type t JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace WHERE t.oid = a.atttypid) "
            + "|| coalesce(' COLLATE ' || (SELECT "
            + "quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_catalog.pg_collation co "
            + "JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation), '') "
            + "|| ' (column ' || a.attnum || ')'";

    /**
     * The columns of {@link #relation}: published columns in order, each flagged as key by the replica identity. An
     * index's key is its first indnkeyatts columns (int2vector subscripts start at 0); the rest are INCLUDE columns,
     * which pgoutput does not flag either.
     */
    private static final String RELATION_COLUMNS = "SELECT c.oid, c.relreplident, a.attname, a.atttypid, a.atttypmod, "
            + "CASE c.relreplident WHEN 'f' THEN true WHEN 'n' THEN false "
            + "WHEN 'i' THEN a.attnum = ANY((ri.indkey::int2[])[0:ri.indnkeyatts - 1]) "
            + "ELSE a.attnum = ANY((pk.indkey::int2[])[0:pk.indnkeyatts - 1]) END, "
            + "coalesce(pg_relation_filenode(c.oid), 0), " + COLUMN_ORDER + " "
            + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
            + "LEFT JOIN pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary "
            + "LEFT JOIN pg_index ri ON ri.indrelid = c.oid AND ri.indisreplident ";

    /** {@link #relation(String, String)} over {@code connection}. */
    public static PgOutputMessage.Relation relation(Connection connection, String schema, String table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(RELATION_COLUMNS
                + "WHERE n.nspname = ? AND c.relname = ? ORDER BY a.attnum")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                LockedShape shape = shape(rs, schema, table);
                if (shape == null) {
                    throw new SQLException("Table " + schema + "." + table + " does not exist or has no columns", "42P01");
                }
                return shape.relation();
            }
        }
    }

    /** The file node {@link #lockAndDescribe} reports when the relation the rows are read from is gone. */
    public static final long NO_RELATION = -2;

    /**
     * A table's shape and the file node its rows are in, as one snapshot chunk sees them; {@code columnOrders}: what
     * orders each column's values, which pgoutput's relation does not say (its type and collation, and which column it
     * is, e.g. {@code pg_catalog.text COLLATE pg_catalog."C" (column 2)}), by name. Ranges of keys compared in one order are not
     * ranges in another.
     */
    public record LockedShape(PgOutputMessage.Relation relation, long fileNode, Map<String, String> columnOrders) {
    }

    /**
     * The columns of relation {@code relationOid} whose type is a domain with a collation of its own and which were
     * given another one, each with that collation, quoted: a value cast to the domain carries the domain's collation,
     * and compared with the column it conflicts (no comparison is possible without naming one).
     */
    public Map<String, String> columnsCollatedOtherwiseThanTheirDomain(int relationOid) throws SQLException {
        Map<String, String> collations = new HashMap<>();
        try (PreparedStatement ps = connection().prepareStatement("SELECT a.attname, cn.nspname, co.collname "
                + "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
                + "JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation "
                + "JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE a.attrelid = ?::oid AND a.attnum > 0 "
                + "AND NOT a.attisdropped AND t.typtype = 'd' AND t.typcollation NOT IN (0, 100) "
                + "AND a.attcollation <> t.typcollation")) {
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    collations.put(rs.getString(1), SqlIdentifiers.qualified(rs.getString(2), rs.getString(3)));
                }
            }
        }
        return collations;
    }

    /** What orders the values of each column of relation {@code relationOid} (see {@link LockedShape}), by name. */
    public Map<String, String> columnOrders(int relationOid) throws SQLException {
        Map<String, String> orders = new HashMap<>();
        try (PreparedStatement ps = connection().prepareStatement("SELECT a.attname, " + COLUMN_ORDER + " FROM "
                + "pg_catalog.pg_attribute a WHERE a.attrelid = ?::oid AND a.attnum > 0 AND NOT a.attisdropped")) {
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    orders.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return orders;
    }

    /**
     * Locks table {@code schema.table} in ACCESS SHARE mode in the caller's transaction, so no DDL or rewrite runs until
     * it ends, and returns the shape of relation {@code oid}: null if no relation has that OID any more (the name now
     * belongs to a table created again). One round trip, as it precedes every chunk: the OID enters the query as a
     * number because a statement of several queries takes no parameters. A table gone by name fails with 42P01. The
     * file node is that of relation {@code readOid} ({@code partition}, read for the table), {@link #NO_RELATION} if it is
     * gone or no longer a partition of the table.
     */
    public static LockedShape lockAndDescribe(Connection connection, String schema, String table, int oid, String partition,
                                              int readOid) throws SQLException {
        // The partition read must still be one of the table's (not detached, not dropped) for its rows to be the table's.
        String columns = readOid == oid ? RELATION_COLUMNS : RELATION_COLUMNS.replace("coalesce(pg_relation_filenode(c.oid), 0)",
                "coalesce((SELECT pg_relation_filenode(r.oid) FROM pg_class r WHERE r.oid = " + Integer.toUnsignedLong(readOid)
                        + " AND pg_partition_root(r.oid) = c.oid), " + NO_RELATION + ")");
        // ONLY the table and the partition read: LOCK TABLE on a partitioned table would lock every partition of it.
        String sql = "LOCK TABLE ONLY " + SqlIdentifiers.qualified(schema, table)
                + (partition == null ? "" : ", ONLY " + partition) + " IN ACCESS SHARE MODE; "
                + columns + "WHERE c.oid = " + Integer.toUnsignedLong(oid) + " ORDER BY a.attnum";
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
            while (!s.getMoreResults()) {
                if (s.getUpdateCount() == -1) {
                    throw new SQLException("No result for the shape of " + schema + "." + table);
                }
            }
            try (ResultSet rs = s.getResultSet()) {
                return shape(rs, schema, table);
            }
        }
    }

    private static LockedShape shape(ResultSet rs, String schema, String table) throws SQLException {
        List<PgOutputMessage.Column> columns = new ArrayList<>();
        int oid = 0;
        char identity = 'd';
        long fileNode = 0;
        Map<String, String> orders = new HashMap<>();
        while (rs.next()) {
            oid = (int) rs.getLong(1);
            identity = rs.getString(2).charAt(0);
            columns.add(new PgOutputMessage.Column(rs.getBoolean(6), rs.getString(3), (int) rs.getLong(4), rs.getInt(5)));
            fileNode = rs.getLong(7);
            orders.put(rs.getString(3), rs.getString(8));
        }
        if (columns.isEmpty()) {
            return null;
        }
        return new LockedShape(new PgOutputMessage.Relation(java.util.OptionalInt.empty(), oid, schema, table, identity, columns),
                fileNode, orders);
    }

    /**
     * A table's size for planning snapshot chunks: its size in blocks, its estimated rows, its file node, and whether it
     * is a heap table: the one kind of table {@code TABLESAMPLE} reads (Greenplum's append-optimized tables, the usual
     * kind for analytics there, are not).
     */
    public record RelationSize(long blocks, long estimatedRows, long fileNode, boolean heap) {
    }

    /**
     * Size of a table in blocks and its estimated row count. The estimate scales the statistics' rows per page to the
     * current size, as the planner does; a heap table never analysed ({@code reltuples} -1 on 14+, 0 with pages before)
     * is sampled instead, so that it is not planned as one chunk of unknown size; another kind of table without
     * statistics has its rows not known (0): the estimate only shows progress there, as such tables have no key to
     * split by on the servers that have them.
     */
    public RelationSize sizeOf(String schema, String table, int relationOid) throws SQLException {
        long blocks;
        double reltuples;
        long relpages;
        long fileNode;
        boolean heap;
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint, c.reltuples, c.relpages, "
                        + "coalesce(pg_relation_filenode(c.oid), 0), coalesce(am.amname = 'heap', false) FROM pg_class c "
                        + "LEFT JOIN pg_am am ON am.oid = c.relam WHERE c.oid = ?")) {
            ps.setLong(1, relationOid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("Table " + schema + "." + table + " (OID " + Integer.toUnsignedString(relationOid)
                            + ") no longer exists", "42P01");
                }
                blocks = rs.getLong(1);
                reltuples = rs.getDouble(2);
                relpages = rs.getLong(3);
                fileNode = rs.getLong(4);
                heap = rs.getBoolean(5);
            }
        }
        if (blocks == 0) {
            return new RelationSize(0, 0, fileNode, heap);
        }
        if (reltuples >= 0 && relpages > 0) {
            return new RelationSize(blocks, Math.round(reltuples / relpages * blocks), fileNode, heap);
        }
        return new RelationSize(blocks, heap ? sampledRows(schema, table, blocks) : 0, fileNode, heap);
    }

    /**
     * The average width of a row of heap table {@code relation} as COPY text of {@code columns} (each value's text plus
     * a separator), over {@code rows} rows picked at random from a block sample of about {@value #SAMPLE_BLOCKS} blocks;
     * 0 when none is found. Statistics cannot tell: sizes on disk and {@code pg_stats.avg_width} count values
     * compressed, and a chunk holds them as text. The rows are picked at random, not the first ones of the sample,
     * which are those of its first block or two. The table's row filter is not applied: it is the user's SQL, which
     * may be slow or wait (as the copy may), and this runs while the task sets up, before it reads its slot.
     */
    public long textBytesPerRow(TableId relation, RelationSize size, List<String> columns, int rows)
            throws SQLException {
        if (!size.heap() || size.blocks() == 0 || columns.isEmpty()) {
            return 0;
        }
        StringBuilder width = new StringBuilder(String.valueOf(columns.size()));
        StringBuilder list = new StringBuilder();
        for (String column : columns) {
            String quoted = SqlIdentifiers.quote(column);
            // concat() prints with the type's output function, as COPY does (a char(n) padded, a boolean 't'); NULL
            // counts 0 bytes instead of 2, nothing beside the values.
            width.append(" + octet_length(concat(r.").append(quoted).append("))");
            list.append(list.isEmpty() ? "" : ", ").append(quoted);
        }
        try (PreparedStatement ps = connection().prepareStatement("SELECT coalesce(avg(" + width + "), 0)::bigint FROM "
                + "(SELECT " + list + " FROM " + SqlIdentifiers.qualified(relation.schema(), relation.table())
                + BLOCK_SAMPLE + " ORDER BY random() LIMIT ?) r")) {
            ps.setDouble(1, samplePercent(size.blocks()));
            ps.setInt(2, rows);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Rows of a table estimated from a block sample of about {@value #SAMPLE_BLOCKS} blocks. */
    private long sampledRows(String schema, String table, long blocks) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement("SELECT count(*) FROM "
                + SqlIdentifiers.qualified(schema, table) + BLOCK_SAMPLE)) {
            ps.setDouble(1, samplePercent(blocks));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Math.round(rs.getLong(1) * 100.0 / samplePercent(blocks));
            }
        }
    }

    /** The share of a table of {@code blocks} blocks that holds about {@value #SAMPLE_BLOCKS} of them, in percent. */
    private static double samplePercent(long blocks) {
        return Math.min(100.0, 100.0 * SAMPLE_BLOCKS / blocks);
    }

    /**
     * The clause reading the same blocks each time, its one parameter the share of the table to read in percent
     * ({@link #samplePercent}); the argument is {@code real}, to which a bound double does not cast implicitly.
     */
    private static final String BLOCK_SAMPLE = " TABLESAMPLE SYSTEM (CAST(? AS real)) REPEATABLE (0)";

    /** The current size of a relation in blocks. */
    public long blocks(int relationOid) throws SQLException {
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT pg_relation_size(?::oid) / current_setting('block_size')::bigint")) {
            ps.setLong(1, relationOid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /**
     * The tables {@code publication} publishes now, by name, with the partitioned tables above a published partition:
     * a captured table missing here was not published, so changes made to it meanwhile never reached the slot.
     */
    public java.util.Set<String> publishedTables(String publication) throws SQLException {
        java.util.Set<String> tables = new java.util.HashSet<>();
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT an.nspname, ac.relname FROM pg_publication_tables p "
                        + "JOIN pg_namespace pn ON pn.nspname = p.schemaname "
                        + "JOIN pg_class pc ON pc.relnamespace = pn.oid AND pc.relname = p.tablename "
                        + "CROSS JOIN LATERAL (SELECT pc.oid AS relid UNION SELECT relid FROM pg_partition_ancestors(pc.oid)) a "
                        + "JOIN pg_class ac ON ac.oid = a.relid JOIN pg_namespace an ON an.oid = ac.relnamespace "
                        + "WHERE p.pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1) + "." + rs.getString(2));
                }
            }
        }
        return tables;
    }

    /**
     * The row of each table directly listed in {@code publication} (pg_publication_rel's OID), by name. Removing a table
     * from a publication and adding it again gives it a new row, so a snapshot that records the row it was taken
     * under sees, even after a crash, that changes were not published for a while.
     */
    public Map<String, Long> publicationMembers(String publication) throws SQLException {
        Map<String, Long> members = new java.util.HashMap<>();
        try (PreparedStatement ps = connection().prepareStatement(
                "SELECT n.nspname, c.relname, pr.oid FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid "
                        + "JOIN pg_class c ON c.oid = pr.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                        + "WHERE p.pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    members.put(rs.getString(1) + "." + rs.getString(2), rs.getLong(3));
                }
            }
        }
        return members;
    }

    /** What the source server can do. */
    public ServerCapabilities capabilities() throws SQLException {
        return ServerCapabilities.of(connection());
    }

    /**
     * A connector-side row filter: each tuple is checked by the source server itself, by selecting the condition over
     * the tuple's values cast to the columns' types, so the condition means exactly what it would in a publication.
     */
    public RowFilter rowFilter(Map<String, String> conditions) {
        return new RowFilter() {
            @Override
            public boolean filters(CapturedTable table) {
                return conditions.containsKey(table.qualifiedName());
            }

            @Override
            public boolean matches(CapturedTable table, TupleData row) {
                return evaluate(table, conditions.get(table.qualifiedName()), row);
            }
        };
    }

    private boolean evaluate(CapturedTable table, String condition, TupleData row) {
        StringBuilder sql = new StringBuilder("SELECT EXISTS (SELECT 1 FROM (SELECT ");
        for (int i = 0; i < table.columns().size(); i++) {
            CapturedTable.CapturedColumn c = table.columns().get(i);
            sql.append(i == 0 ? "" : ", ").append("CAST(? AS ").append(c.mapping().sourceType()).append(") AS ")
                    .append(SqlIdentifiers.quote(c.name()));
        }
        sql.append(") AS ").append(SqlIdentifiers.quote(table.table())).append(" WHERE (")
                .append(io.adbsync.source.catalog.RowFilterConditions.forPreparedStatement(condition)).append("))");
        try (PreparedStatement ps = connection().prepareStatement(sql.toString())) {
            for (int i = 0; i < table.columns().size(); i++) {
                TupleData.Value v = row.get(i);
                if (v.isUnchangedToast()) {
                    // Taken as NULL it would decide the row's fate on a value the row does not have.
                    throw new ConnectException("Cannot evaluate the row filter of " + table.qualifiedName() + " ("
                            + condition + "): the value of column " + table.columns().get(i).name()
                            + " was not sent (unchanged TOASTed value) and the old row does not hold it");
                }
                ps.setString(i + 1, v.isNull() ? null : v.text());
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot evaluate the row filter of " + table.qualifiedName() + " (" + condition
                    + "): " + e.getMessage(), e);
        }
    }

    @Override
    public String load(CapturedTable table, CapturedTable.CapturedColumn column, List<KeyValue> key, long xid) {
        try {
            String current = currentName(table, column, key);
            // concat() prints with the type's output function, as pgoutput does (a ::text cast trims character(n)).
            // The row is read in the same statement that checks the change's transaction is visible to it: the server
            // sends a transaction once its commit is in the WAL, which can be before other sessions see it.
            StringBuilder sql = new StringBuilder("SELECT v.text, v.is_null, txid_visible_in_snapshot(x.xid, x.s) FROM (")
                    .append(FULL_XID).append(") x LEFT JOIN LATERAL (SELECT concat(").append(SqlIdentifiers.quote(column.name()))
                    .append(") AS text, ").append(SqlIdentifiers.quote(column.name())).append(" IS NULL AS is_null FROM ")
                    .append(current).append(" WHERE ");
            for (int i = 0; i < key.size(); i++) {
                KeyValue k = key.get(i);
                sql.append(i == 0 ? "" : " AND ").append(SqlIdentifiers.quote(k.column().name()))
                        .append(" = CAST(? AS ").append(k.column().mapping().sourceType()).append(')');
            }
            sql.append(") v ON true");
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(VISIBILITY_WAIT_MS);
            long pauseMs = 1;
            try (PreparedStatement ps = connection().prepareStatement(sql.toString())) {
                ps.setLong(1, Integer.toUnsignedLong((int) xid));
                for (int i = 0; i < key.size(); i++) {
                    ps.setString(i + 2, key.get(i).text());
                }
                while (true) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getBoolean(3)) {
                            String text = rs.getString(1);
                            return text == null || rs.getBoolean(2) ? null : text;
                        }
                    }
                    if (System.nanoTime() > deadline) {
                        // Transient: the task reconnects and converts the transaction again, within its retry window.
                        throw new SQLTransientException("transaction " + Integer.toUnsignedLong((int) xid) + " is committed in "
                                + "the WAL but other sessions have not seen it for " + VISIBILITY_WAIT_MS + " ms (is the "
                                + "server waiting for a synchronous standby named in synchronous_standby_names?)");
                    }
                    Thread.sleep(pauseMs);
                    pauseMs = Math.min(pauseMs * 2, 50);
                }
            }
        } catch (SQLException e) {
            throw new ConnectException("Cannot re-read unchanged TOASTed column " + column.name() + " of "
                    + table.qualifiedName() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("Interrupted while re-reading unchanged TOASTed column " + column.name() + " of "
                    + table.qualifiedName(), e);
        }
    }

    /**
     * The table's current qualified name, found by OID; fails naming table and column when the table or one of the
     * columns (by name and type as the Relation message gave them) is gone.
     */
    private String currentName(CapturedTable table, CapturedTable.CapturedColumn column, List<KeyValue> key) throws SQLException {
        List<CapturedTable.CapturedColumn> needed = new ArrayList<>();
        needed.add(column);
        key.forEach(k -> needed.add(k.column()));
        String sql = "SELECT n.nspname, c.relname, (SELECT string_agg(w.name, ', ' ORDER BY w.ord) "
                + "FROM unnest(?::text[], ?::oid[]) WITH ORDINALITY AS w(name, typ, ord) WHERE NOT EXISTS (SELECT 1 "
                + "FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = w.name AND a.atttypid = w.typ "
                + "AND a.attnum > 0 AND NOT a.attisdropped)) "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?";
        try (PreparedStatement ps = connection().prepareStatement(sql)) {
            ps.setArray(1, connection().createArrayOf("text", needed.stream().map(CapturedTable.CapturedColumn::name).toArray()));
            ps.setArray(2, connection().createArrayOf("oid", needed.stream().map(c -> Integer.toUnsignedLong(c.typeOid())).toArray()));
            ps.setLong(3, Integer.toUnsignedLong(table.oid()));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new RelationGone(table.oid(), gone(table, column, "the table no longer exists").getMessage());
                }
                String missing = rs.getString(3);
                if (missing != null) {
                    throw gone(table, column, "column(s) " + missing + " no longer exist with the type they had "
                            + "(dropped or renamed later)");
                }
                return SqlIdentifiers.qualified(rs.getString(1), rs.getString(2));
            }
        }
    }

    private static ConnectException gone(CapturedTable table, CapturedTable.CapturedColumn column, String why) {
        return new ConnectException("Cannot re-read unchanged TOASTed column " + column.name() + " of " + table.qualifiedName()
                + " (relation OID " + Integer.toUnsignedLong(table.oid()) + "): " + why + ", so its value as of this change "
                + "cannot be read any more and no later change carries it. REPLICA IDENTITY FULL on the table puts such "
                + "values into the change itself (set replica.identity.full=true)");
    }

    public String scalar(String sql) throws SQLException {
        return PgCatalog.scalar(connection(), sql);
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Closing a broken connection has nothing left to report.
            }
            connection = null;
        }
    }
}
