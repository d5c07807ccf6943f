package io.adbsync.source.definition;

import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.jdbc.PgCatalog;
import io.adbsync.common.jdbc.ServerCapabilities;
import io.adbsync.common.jdbc.SqlErrors;
import io.adbsync.common.sql.TableId;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads, from the source's catalog, the definitions of the captured tables and of everything they need, for the
 * schema channel: built from the catalog ({@code format_type}, {@code pg_get_expr}, {@code pg_get_constraintdef},
 * {@code pg_get_indexdef}, {@code pg_get_viewdef}, {@code pg_get_functiondef}, {@code pg_get_ruledef},
 * {@code pg_depend}), never by running {@code pg_dump}.
 * <p>
 * One {@link #read} is one read-only REPEATABLE READ transaction with {@code search_path} set to {@code pg_catalog}
 * alone, so that every name the server writes (in types, defaults, constraints, view queries, function headers) is
 * schema-qualified unless built in, and the statements run the same whatever the destination's search path; and with
 * pg_dump's DateStyle, IntervalStyle, extra_float_digits (and UTC, hex bytea), so that constants read the same. Its
 * queries do not grow with the number of tables, columns or indexes: each asks about all objects at once, by OID
 * array. It asks a dozen, plus up to eight per level of the chain of types, functions, aggregates and operators (a
 * column's domain whose CHECK calls a function taking another type is two levels; most schemas have two or three). Definitions come out in dependency
 * order: each after everything its {@code dependsOn} names, and otherwise by {@link ObjectKind} and name, so the same
 * catalog gives the same definitions, versions and order ({@link DependencyOrder}: how a cycle is broken).
 *
 * <h2>What is read, per kind</h2>
 * <ul>
 * <li><b>SCHEMA</b>: each schema that holds an object sent, as {@code CREATE SCHEMA IF NOT EXISTS}; every other
 * object depends on its schema. Owners and privileges are not carried.</li>
 * <li><b>TABLE</b> (each captured table): columns in order (dropped ones left out) with {@code format_type}, NOT
 * NULL, default ({@code pg_get_expr}), identity ({@code ALWAYS} / {@code BY DEFAULT}, with no default) and the
 * expression of a generated column (with no default; a virtual one, PostgreSQL 18, is reported and sent as stored);
 * the primary key in key order; UNIQUE, CHECK, FOREIGN KEY and EXCLUDE constraints as {@code pg_get_constraintdef}
 * writes them. On a Greenplum-family source
 * ({@code gp_distribution_policy} exists) also the distribution ({@code hash} by the key columns in key order,
 * {@code random}, {@code replicated}) and the storage ({@code heap}, {@code ao_row}, {@code ao_column}: the access
 * method, as Greenplum 7 has it; for a partitioned table, which has none, its leaves' one, or none and a report when
 * they differ). A table depends on the
 * types of its columns, the functions and sequences its defaults and CHECKs use, and the captured tables its
 * foreign keys reference.
 * <ul>
 * <li>A foreign key to a table that is not captured is left out (the destination would not have the table) and
 * reported with the {@code ALTER TABLE … ADD CONSTRAINT} to run by hand. A foreign key to the table itself is kept.
 * Foreign keys between captured tables that form a cycle: the one that closes the cycle is left out and reported the
 * same way.</li>
 * <li>A partitioned table is sent as one plain table (the sink writes all its partitions' rows into it); its partition
 * key and partitions are not carried, which is reported. A table that inherits (or a partition captured on its own)
 * is sent as a plain table with all its columns, without the link, also reported.</li>
 * <li>Column collations (a column's shape has no place for one), storage parameters ({@code WITH (fillfactor…)}),
 * tablespaces, triggers, policies (row level security), comments, owners and grants are not carried; neither is a
 * Greenplum 6 source's storage (the connectors need PostgreSQL 12 or later, Greenplum 7).</li>
 * </ul></li>
 * <li><b>ENUM, COMPOSITE, DOMAIN, RANGE</b>: the types captured columns use, and recursively the types those use
 * (array element types, composite attributes, domain base types, range subtypes, types in functions' signatures and
 * in defaults and CHECKs), each as a complete {@code CREATE TYPE} / {@code CREATE DOMAIN} with schema-qualified
 * names: enum labels in their order; composite attributes with their collations; a domain's base type, collation,
 * default, NOT NULL and CHECK constraints (a NOT VALID one added after, by {@code ALTER DOMAIN}); a range's subtype,
 * operator class and collation where not the default, canonical and subtype-difference functions, and on PostgreSQL
 * 14+ its multirange's name where it is not the one PostgreSQL would give. A column of a multirange type or of an
 * array type needs the range or the element type. A type that belongs to an extension (hstore, citext, PostGIS) is
 * not sent: the report says which extension to create at the destination. A base type with its own input/output
 * functions (written in C), and a column of a table's row type when that table is not captured, are reported, not
 * sent.</li>
 * <li><b>FUNCTION</b>: the functions that column defaults, generated columns, CHECK constraints, index expressions and
 * predicates, views, rules, domains (default and CHECKs) and ranges use, through {@code pg_depend}, and those such
 * functions' own signatures or SQL-standard bodies use; as {@code pg_get_functiondef} writes them ({@code CREATE OR
 * REPLACE FUNCTION}, with their SET options, volatility, strictness, security). Only languages {@code sql} and
 * {@code plpgsql}: a function in C or another language, {@code internal} functions under another name and window
 * functions are reported, as is any function that belongs to an extension (create the extension). What
 * a function body reads (tables, other functions) is not tracked unless the body is SQL-standard
 * ({@code BEGIN ATOMIC}): PostgreSQL records nothing for it. A destination should apply {@code LANGUAGE sql}
 * functions with {@code check_function_bodies = off}, as {@code pg_dump}'s output does, since what their bodies read
 * may come later.</li>
 * <li><b>AGGREGATE, OPERATOR</b>: the user-defined aggregates and operators that the same expressions (and views,
 * rules) use, through {@code pg_depend} as functions, with what they use in turn (an aggregate's support functions and
 * sort operator; an operator's function and estimators, and its commutator and negator, sent too but not depended on,
 * since each names the other), as {@code CREATE AGGREGATE} / {@code CREATE OPERATOR} built from the catalog
 * ({@link io.adbsync.common.definition.AggregateOperatorSql}). Built-in ones are never sent; one whose support
 * function is C or {@code internal} under another name is reported naming it; an extension's is reported.</li>
 * <li><b>SEQUENCE</b>: the sequences captured tables own (serial columns, {@code OWNED BY}), those of their identity
 * columns, and those their defaults, views and rules use: data type, start, increment, min, max, cache, cycle, the
 * owning column ({@code "schema"."table"."column"}, only where that table is captured) and the position
 * ({@code last_value}, {@code is_called}), read in the same call. A table depends on the sequences its defaults use;
 * an identity column's sequence depends on its table instead (CREATE TABLE makes it). A sequence the connector's role
 * may not read (no SELECT) is sent with no position and reported. {@link #positions} reads positions alone, for the
 * interval.</li>
 * <li><b>INDEX</b>: each valid index of a captured table that no primary key, UNIQUE or EXCLUDE constraint owns (those
 * come with the constraint): unique or not, access method, each key as {@code pg_get_indexdef(oid, n, true)} writes it
 * (a column name quoted where it needs it, an expression in parentheses unless a function call), followed by its
 * collation and operator class where not the default and its ordering ({@code DESC}, {@code NULLS FIRST/LAST}), which
 * that function leaves out; the {@code INCLUDE} columns (plain names); the predicate of a partial index. An invalid index (a
 * failed {@code CREATE INDEX CONCURRENTLY}) is reported. Storage parameters and tablespaces are not carried.</li>
 * <li><b>VIEW</b>: each view that reads a captured table, directly or through other views, when everything it reads
 * is a captured table, a sequence sent or another view sent: {@code CREATE OR REPLACE VIEW … AS}
 * {@code pg_get_viewdef(oid, true)}, with its options ({@code security_barrier}, …) and CHECK OPTION. A view that also
 * reads something else is reported, naming it. Materialized views are reported, not sent (their rows are not
 * replicated).</li>
 * <li><b>RULE</b>: the rules of captured tables and sent views (not a view's {@code _RETURN}), as
 * {@code pg_get_ruledef} writes them, made {@code CREATE OR REPLACE RULE}; named {@code "<rule> on <table>"} in its
 * {@link ObjectRef}, since rule names are only unique per table. A rule whose actions touch a relation that is not
 * captured is reported.</li>
 * </ul>
 * A definition never names in {@code dependsOn} an object that is not sent: where it needs one (a type from an
 * extension, a C function), the report says what to create at the destination first. Operator classes and families,
 * collations, text search objects, extensions, triggers, policies, publications, owners and grants are not read.
 */
public final class DefinitionReader {

    /**
     * For the read's transaction only: names qualified unless built in, and constants in defaults and constraints
     * written as pg_dump writes them, the same text (and so the same versions) whatever the session's settings, and
     * read the same by any destination.
     */
    private static final String SESSION = "SELECT set_config('search_path', 'pg_catalog', true), "
            + "set_config('DateStyle', 'ISO', true), set_config('IntervalStyle', 'postgres', true), "
            + "set_config('TimeZone', 'UTC', true), set_config('extra_float_digits', '3', true), "
            + "set_config('bytea_output', 'hex', true), "
            // The first statement takes the REPEATABLE READ snapshot: its start is when the catalog was read.
            + "(extract(epoch FROM statement_timestamp()) * 1000)::bigint";

    /** Sequences outside the system schemas, for sequence.include.list. */
    private static final String LISTABLE_SEQUENCES = "SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c "
            + "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' "
            + "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

    private final ServerCapabilities capabilities;
    private final boolean greenplum;

    DefinitionReader(ServerCapabilities capabilities, boolean greenplum) {
        this.capabilities = capabilities;
        this.greenplum = greenplum;
    }

    /** A reader for the server {@code connection} is connected to: its version and whether it is Greenplum-family. */
    public static DefinitionReader of(Connection connection) throws SQLException {
        boolean greenplum = "t".equals(PgCatalog.scalar(connection,
                "SELECT to_regclass('pg_catalog.gp_distribution_policy') IS NOT NULL"));
        return new DefinitionReader(ServerCapabilities.of(connection), greenplum);
    }

    /** Whether the source is Greenplum-family, so that tables carry distribution and storage. */
    public boolean greenplum() {
        return greenplum;
    }

    /**
     * The definitions of {@code tables} and of what they need, in dependency order, and what was left out. Give it every
     * captured table, not only the one about to be sent: a foreign key, a view or a rule is kept only when what it
     * references is among {@code tables}, and the definitions of the others come out the same (same versions). Runs its
     * own read-only transaction on {@code connection}, which must be in autocommit mode and is left so. A table
     * dropped since it was captured is reported, not an error; an object dropped while the read runs can fail it with
     * the server's error (42P01, 42704), and reading again succeeds.
     */
    public SourceDefinitions read(Connection connection, Collection<TableId> tables) throws SQLException {
        return read(connection, tables, List.of());
    }

    /**
     * {@link #read(Connection, Collection)}, and the sequences whose schema.name matches one of {@code sequences}
     * (regexes, whole name) whether or not a captured table uses them: sequences an application calls nextval on itself.
     */
    public SourceDefinitions read(Connection connection, Collection<TableId> tables, Collection<Pattern> sequences) throws SQLException {
        if (!connection.getAutoCommit()) {
            throw new IllegalArgumentException("The definition reader runs its own transaction: give it a connection in "
                    + "autocommit mode");
        }
        connection.setAutoCommit(false);
        SQLException failure = null;
        try (Statement s = connection.createStatement()) {
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            long readAtMs;
            try (ResultSet rs = s.executeQuery(SESSION)) {
                rs.next();
                readAtMs = rs.getLong(7);
            }
            Reading reading = new Reading(connection, capabilities, greenplum);
            Relations relations = new Relations(reading);
            relations.read(List.copyOf(tables));
            SupportObjects support = new SupportObjects(reading);
            support.require(relations.typesUsed(), relations.functionsUsed(), relations.operatorsUsed());
            Set<Long> sequenceOids = new LinkedHashSet<>(relations.sequencesUsed());
            if (!sequences.isEmpty()) {
                reading.query(LISTABLE_SEQUENCES, rs -> {
                    String name = rs.getString(2) + "." + rs.getString(3);
                    if (sequences.stream().anyMatch(p -> p.matcher(name).matches())) {
                        sequenceOids.add(rs.getLong(1));
                    }
                });
            }
            Sequences.read(reading, relations.tableOids(), sequenceOids);
            support.addNodes();
            relations.addNodes(support);
            List<Definition> ordered = DependencyOrder.order(reading.nodes, reading.skipped);
            reading.skipped.sort(Comparator.comparing(Skipped::object).thenComparing(Skipped::reason));
            return new SourceDefinitions(ordered, reading.skipped, readAtMs);
        } catch (SQLException e) {
            failure = e;
            throw e;
        } finally {
            try {
                connection.rollback();
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * The positions of {@code sequences} (SEQUENCE refs), all in one statement, on a connection in autocommit mode. A
     * sequence that no longer exists is left out of the answer; one the role may not read has a null
     * {@code lastValue}. A sequence dropped or a privilege revoked between the two queries this takes makes it read
     * again once.
     */
    public Map<ObjectRef, SequencePosition> positions(Connection connection, Collection<ObjectRef> sequences) throws SQLException {
        for (ObjectRef ref : sequences) {
            if (ref.kind() != ObjectKind.SEQUENCE) {
                throw new IllegalArgumentException(ref + " is not a sequence");
            }
        }
        List<ObjectRef> list = List.copyOf(sequences);
        Reading reading = new Reading(connection, capabilities, greenplum);
        try {
            return Map.copyOf(Sequences.positions(reading, Sequences.byName(reading, list)));
        } catch (SQLException e) {
            if (!SqlErrors.isUndefinedTable(e) && !"42501".equals(e.getSQLState())) {
                throw e;
            }
            return Map.copyOf(Sequences.positions(reading, Sequences.byName(reading, list)));
        }
    }
}
