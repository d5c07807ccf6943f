package io.adbsync.sink.definition;

import io.adbsync.common.definition.AggregateOperatorSql;
import io.adbsync.common.definition.ColumnShape;
import io.adbsync.common.definition.ConstraintShape;
import io.adbsync.common.definition.Definition;
import io.adbsync.common.definition.IndexShape;
import io.adbsync.common.definition.ObjectKind;
import io.adbsync.common.definition.ObjectRef;
import io.adbsync.common.definition.SequenceShape;
import io.adbsync.common.definition.TableShape;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.config.SinkConfig;
import io.adbsync.sink.ddl.ConcurrentDdl;
import io.adbsync.sink.ddl.DestinationCatalog;
import io.adbsync.sink.definition.Applied.Outcome;
import io.adbsync.sink.definition.Applied.Skip;
import io.adbsync.sink.definition.DefinitionCatalog.ColumnState;
import io.adbsync.sink.definition.DefinitionCatalog.TableInfo;
import io.adbsync.sink.dialect.ColumnDefinition;
import io.adbsync.sink.dialect.Dialect;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings the destination to one source definition from the schema channel, through the sink's dialect and naming.
 * Each definition is applied in one transaction on the caller's connection and committed; on failure nothing of it
 * stays. Applying the same definition again changes nothing; tasks applying it at the same moment end with one result.
 *
 * <h2>Per kind</h2>
 * <ul>
 *   <li><b>schema</b>: created where missing, under the source's name.</li>
 *   <li><b>table</b>: created under the name its records get ({@link DefinitionNames}), as {@link DefinitionSql#createTable}
 *   renders it. An existing table follows {@code table.conflict.mode}: with {@code fail}, a table the sink has applied
 *   no definition of (none {@linkplain AppliedDefinitions#previous recorded}) stops the sink; otherwise its columns
 *   are reconciled:
 *   <ul>
 *     <li>applied: missing columns added; columns the previous definition had and this one no longer has dropped
 *     (columns the source never had are kept: they are the destination's own); a different type changed with
 *     {@code USING column::type}; NOT NULL set or dropped; defaults set or dropped; identity added or dropped;
 *     constraints the definition has and the table lacks (by name) added, those the previous one had and it no longer
 *     has dropped;</li>
 *     <li>left as they are, with the reason: NOT NULL or a constraint that rows already there break; a different
 *     generation expression, primary key, storage or distribution (those need the table made again);</li>
 *     <li>stopping the sink ({@link DefinitionException}, naming table and column): a type change the destination
 *     refuses (values that do not cast, a view depending on the column, a distribution-key column).</li>
 *   </ul></li>
 *   <li><b>sequence</b>: created with its parameters where missing (or altered to them), owned by its column where
 *   that table is at the destination in the sequence's schema, and moved forward to the source's position, never
 *   back ({@link DefinitionSql#setvalForward}). The sequence of an identity column is the destination's own
 *   ({@code pg_get_serial_sequence}); where its table is not there yet and the definition depends on that table, it
 *   waits for the table (the next definition of it, which the source sends with each position, moves it).</li>
 *   <li><b>index</b>: created where missing, on the destination table; left out where the table is not there.</li>
 *   <li><b>enum, composite, domain, range</b>: the source's statements, where the type is missing; an existing enum
 *   gets the labels it lacks.</li>
 *   <li><b>rule</b> on a table: left out with the statement to run at switchover (under {@code origin} it would act on
 *   the sink's own writes, and {@code INSERT … ON CONFLICT} refuses tables with INSERT or UPDATE rules).</li>
 *   <li><b>aggregate, operator</b>: the source's {@code CREATE AGGREGATE} / {@code CREATE OPERATOR}, where missing (an
 *   operator that another's COMMUTATOR or NEGATOR made a shell of is missing). One that exists is compared with the
 *   source's, built the same way from the destination's catalog ({@link AggregateOperatorSql}): the same is left alone;
 *   a different one stops the sink under {@code table.conflict.mode=fail} when the sink has applied no definition of
 *   it, and is otherwise left as it is, with the reason: neither can be replaced in place.</li>
 *   <li><b>function, view, rule</b> (on a view): the source's statements as {@code CREATE OR REPLACE}, unless they depend on a
 *   table the sink names differently or (views, rules) name a column it renames. C and internal functions are left
 *   out: their code is a library of the source's server. A function's body is not read: one that names renamed tables
 *   fails when called.</li>
 * </ul>
 * Only statements starting with CREATE, ALTER or COMMENT run. A definition with a structure ({@code table},
 * {@code sequence}, {@code index}) is rendered from it; its {@code statements} are not run.
 * <p>
 * Comparisons read the destination with {@code search_path} set to pg_catalog: types and defaults compare equal when
 * the source wrote them schema-qualified the same way (an unqualified type that resolves to the same one counts as
 * equal; an unqualified default is set again, which changes nothing).
 */
public final class DefinitionApplier {

    private static final Pattern LANGUAGE = Pattern.compile("(?i)\\bLANGUAGE\\s+\"?([a-z0-9_]+)\"?");
    private static final Pattern RULE_TARGET = Pattern.compile("(?is)\\bON\\s+(SELECT|INSERT|UPDATE|DELETE)\\s+TO\\s+");
    private static final Pattern STATEMENT_START = Pattern.compile("(?is)\\s*(CREATE|ALTER|COMMENT\\s+ON)\\b.*");
    private static final Pattern CREATE_FUNCTION = Pattern.compile("(?is)^(\\s*CREATE)\\s+(FUNCTION|PROCEDURE|VIEW|RULE)\\b");
    private static final Pattern ENUM_LABELS = Pattern.compile("(?is)\\bAS\\s+ENUM\\s*\\(");
    /** Without it, a backslash in the source's literals would be read as an escape where the server has it off. */
    private static final String EXACT_LITERALS = "SET LOCAL standard_conforming_strings = on";

    private final Dialect dialect;
    private final DefinitionNames names;
    private final DestinationSettings settings;
    private final DefinitionSql sql;
    private final DefinitionCatalog catalog;

    public DefinitionApplier(Dialect dialect, DefinitionNames names, DestinationSettings settings) {
        this.dialect = dialect;
        this.names = names;
        this.settings = settings;
        this.sql = new DefinitionSql(dialect, names, settings);
        this.catalog = new DefinitionCatalog(dialect);
    }

    /** How this applier names the source's tables and columns here. */
    public DefinitionNames names() {
        return names;
    }

    /**
     * Applies {@code definition} and commits, after {@code applied} recorded it in the same transaction.
     *
     * @param applied the sink's record of what it applied, shared by its tasks: an existing table it has no previous
     *                definition of is one the sink did not make, which {@code table.conflict.mode=fail} refuses and whose
     *                extra columns are never dropped
     * @return what was done and what was left out, for one log line ({@link Applied#summary()})
     * @throws DefinitionException where the destination cannot be brought to the definition without someone
     *                             deciding; the message says what to do; nothing was committed
     * @throws SQLException        where the destination failed (connection, privileges): retriable as the caller judges
     */
    public Applied apply(Connection c, Definition definition, AppliedDefinitions applied) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            boolean raced = false;
            for (int attempt = 1; ; attempt++) {
                Work work = new Work(c, applied);
                try {
                    work.run(EXACT_LITERALS, false);
                    Applied result = applyOnce(work, definition, raced);
                    applied.record(c, definition);
                    c.commit();
                    return result;
                } catch (SQLException e) {
                    c.rollback();
                    if (concurrent(e) && attempt < ConcurrentDdl.ATTEMPTS) {
                        // Another task made or changed the object meanwhile, from the same definition: it is the
                        // sink's own, and the catalog read again says what is left to do.
                        raced = true;
                        continue;
                    }
                    throw e;
                } catch (RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * {@link #apply(Connection, Definition, AppliedDefinitions)} for a sink that knows of no definition applied before:
     * every existing table is one it did not make.
     */
    public Applied apply(Connection c, Definition definition) throws SQLException {
        return apply(c, definition, AppliedDefinitions.of(null));
    }

    /**
     * Whether {@code e} is what another session doing the same DDL at the same moment causes: a duplicate object, a
     * catalog row it updated first ({@code CREATE OR REPLACE} of one function by two sessions), a relation it renamed
     * while this one waited to rename it too, a deadlock.
     */
    private static boolean concurrent(SQLException e) {
        return ConcurrentDdl.lostRace(e) || "40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState())
                || "42P01".equals(e.getSQLState())
                || "XX000".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("tuple concurrently updated");
    }

    private Applied applyOnce(Work work, Definition d, boolean raced) throws SQLException {
        ObjectRef ref = d.ref();
        return switch (ref.kind()) {
            case SCHEMA -> schema(work, ref);
            case TABLE -> d.table() == null ? missingShape(ref, "table") : table(work, d, raced);
            case SEQUENCE -> d.sequence() == null ? missingShape(ref, "sequence") : sequence(work, d);
            case INDEX -> d.index() == null ? missingShape(ref, "index") : index(work, ref, d.index());
            case ENUM, COMPOSITE, DOMAIN, RANGE, FUNCTION, AGGREGATE, OPERATOR, VIEW, RULE -> statements(work, d);
        };
    }

    private static Applied missingShape(ObjectRef ref, String shape) {
        return new Applied(ref, ref.qualifiedName(), Outcome.SKIPPED, List.of(),
                List.of(new Skip(ref.toString(), "the definition carries no " + shape + " structure to render")));
    }

    private Applied schema(Work work, ObjectRef ref) throws SQLException {
        if (catalog.schemaExists(work.c, ref.schema())) {
            return work.result(ref, ref.schema(), Outcome.UNCHANGED);
        }
        work.run("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifiers.quote(ref.schema()), true);
        return work.result(ref, ref.schema(), Outcome.CREATED);
    }

    // ---- tables

    private Applied table(Work work, Definition d, boolean raced) throws SQLException {
        ObjectRef ref = d.ref();
        TableId id = names.table(ref);
        Optional<TableInfo> existing = catalog.table(work.c, id);
        if (existing.isEmpty()) {
            DefinitionSql.TableSql create = sql.createTable(ref, d.table());
            for (String schema : DestinationCatalog.createSchemaIfMissing(work.c, id.schema())) {
                work.run(schema, true);
            }
            work.run(create.sql(), true);
            work.skipped.addAll(create.skipped());
            return work.result(ref, id.toString(), Outcome.CREATED);
        }
        // Read after the table was found: a task that made it committed its record with it.
        Definition previous = work.applied.previous(work.c, ref);
        if (previous == null && !raced && settings.conflictMode() == SinkConfig.ConflictMode.FAIL) {
            throw new DefinitionException("Destination table " + id + " for source table " + ref.qualifiedName()
                    + " already exists and the sink has applied no definition of it (" + SinkConfig.TABLE_CONFLICT_MODE
                    + "=fail); drop or rename it, map the table elsewhere (" + SinkConfig.TABLE_NAME_MAP + "), or set "
                    + SinkConfig.TABLE_CONFLICT_MODE + "=ignore");
        }
        TableShape before = previous != null && previous.table() != null ? previous.table() : null;
        List<Skip> unchanged = new ArrayList<>();
        List<Step> plan = plan(work.c, id, d.table(), before, existing.get(), unchanged);
        if (plan.isEmpty()) {
            work.skipped.addAll(unchanged);
            return work.result(ref, id.toString(), Outcome.UNCHANGED);
        }
        // One task at a time past here; the others find the table as the first one left it.
        work.run(DefinitionSql.lock(id), false);
        TableInfo locked = catalog.table(work.c, id).orElseThrow(() -> new SQLException("Table " + id + " vanished", "42P01"));
        plan = plan(work.c, id, d.table(), before, locked, work.skipped);
        for (Step step : plan) {
            step.run(work);
        }
        return work.result(ref, id.toString(), work.statements.isEmpty() ? Outcome.UNCHANGED : Outcome.CHANGED);
    }

    /** A statement of a reconciliation and what its failure means. */
    private record Step(String sql, String what, Failure failure, String stopMessage) {

        /**
         * FAILS: its error fails the application (retried where another task raced it); SKIPS: left out, said why;
         * STOPS: stops the sink with {@code stopMessage}; STOPS_WHERE_DEPENDED_ON: that where objects at the destination
         * depend on what it drops (SQLState 2BP01), FAILS otherwise.
         */
        enum Failure { FAILS, SKIPS, STOPS, STOPS_WHERE_DEPENDED_ON }

        void run(Work work) throws SQLException {
            switch (failure) {
                case FAILS -> work.run(sql, true);
                case SKIPS -> {
                    SQLException e = work.attempt(sql);
                    if (e != null) {
                        work.skipped.add(new Skip(what, "the destination refused it: " + e.getMessage().trim()
                                + " (SQLState " + e.getSQLState() + ")"));
                    }
                }
                case STOPS -> {
                    SQLException e = work.attempt(sql);
                    if (e != null) {
                        throw stop(e);
                    }
                }
                case STOPS_WHERE_DEPENDED_ON -> {
                    SQLException e = work.attempt(sql);
                    if (e != null) {
                        if ("2BP01".equals(e.getSQLState())) {
                            throw stop(e);
                        }
                        throw e;
                    }
                }
            }
        }

        private DefinitionException stop(SQLException e) {
            return new DefinitionException(stopMessage + " The destination refused it: " + e.getMessage().trim()
                    + " (SQLState " + e.getSQLState() + ").", e);
        }
    }

    /** The statements that bring {@code table} to {@code shape}; what stays as it is goes to {@code skipped}. */
    private List<Step> plan(Connection c, TableId id, TableShape shape, TableShape before, TableInfo table, List<Skip> skipped)
            throws SQLException {
        List<Step> steps = new ArrayList<>();
        Set<String> renamed = sql.renamedColumns(shape);
        Map<String, ColumnShape> wanted = new LinkedHashMap<>();
        shape.columns().forEach(col -> wanted.put(names.column(col.name()), col));
        Set<String> hadColumns = new HashSet<>();
        Set<String> hadConstraints = new HashSet<>();
        if (before != null) {
            before.columns().forEach(col -> hadColumns.add(names.column(col.name())));
            before.constraints().forEach(k -> hadConstraints.add(k.name()));
        }
        for (ColumnState existing : table.columns().values()) {
            if (!wanted.containsKey(existing.name())) {
                if (hadColumns.contains(existing.name())) {
                    steps.add(new Step(DefinitionSql.dropColumn(id, existing.name()), "drop column " + existing.name(),
                            Step.Failure.STOPS_WHERE_DEPENDED_ON, "Column " + existing.name() + " of destination table "
                            + id + " is no longer in the source's definition, and objects at the destination depend on "
                            + "it (a view, say, that the source dropped or changed with it; the definitions that follow "
                            + "make it again as the source has it). Drop them at the destination, or the column with "
                            + "them (ALTER TABLE " + id.quoted() + " DROP COLUMN " + SqlIdentifiers.quote(existing.name())
                            + " CASCADE), and the sink goes on."));
                } else {
                    skipped.add(new Skip("column " + existing.name(), "not in the source's definition and not put there "
                            + "by the sink: kept"));
                }
            }
        }
        List<String> primaryKey = shape.primaryKey().stream().map(names::column).toList();
        for (Map.Entry<String, ColumnShape> e : wanted.entrySet()) {
            String column = e.getKey();
            ColumnShape want = e.getValue();
            ColumnState have = table.columns().get(column);
            if (have == null) {
                addColumn(id, want, renamed, steps, skipped);
            } else {
                alterColumn(id, want, have, sameType(c, want.type(), have), renamed, primaryKey, steps, skipped);
            }
        }
        for (ConstraintShape k : shape.constraints()) {
            if (!table.constraints().containsKey(k.name())) {
                String rendered = sql.constraint(k, renamed, primaryKey, table.layout(), skipped);
                if (rendered != null) {
                    steps.add(new Step(DefinitionSql.addConstraint(id, rendered), "constraint " + k.name(), Step.Failure.SKIPS, null));
                }
            }
        }
        Set<String> wantedConstraints = new HashSet<>();
        shape.constraints().forEach(k -> wantedConstraints.add(k.name()));
        for (String name : table.constraints().keySet()) {
            if (!wantedConstraints.contains(name) && hadConstraints.contains(name)) {
                steps.add(new Step(DefinitionSql.dropConstraint(id, name), "drop constraint " + name, Step.Failure.FAILS, null));
            }
        }
        boolean keyed = dialect.storageHasPrimaryKey(table.layout().storage());
        if (keyed && !table.primaryKey().equals(primaryKey)) {
            skipped.add(new Skip("primary key " + primaryKey, "the destination table's is " + table.primaryKey()
                    + "; a primary key is not changed on an existing table"));
        }
        if (dialect.distributesRows()) {
            Layout want;
            try {
                want = sql.layout(id, shape, new ArrayList<>());
            } catch (DefinitionException e) {
                skipped.add(new Skip("distribution", e.getMessage()));
                return steps;
            }
            Layout have = table.layout();
            if (want.storage() != have.storage() && table.storageKnown()) {
                skipped.add(new Skip("storage " + want.storage().accessMethod(), "the destination table is "
                        + have.storage().accessMethod() + "; storage is not changed on an existing table"));
            }
            if (want.placement() != have.placement() || !want.distributionKey().equals(have.distributionKey())) {
                skipped.add(new Skip("distribution " + describe(want), "the destination table's is " + describe(have)
                        + "; distribution is not changed on an existing table"));
            }
        }
        return steps;
    }

    private static String describe(Layout layout) {
        String placement = layout.placement().name().toLowerCase(Locale.ROOT);
        return layout.distributionKey().isEmpty() ? placement : placement + " " + layout.distributionKey();
    }

    private void addColumn(TableId id, ColumnShape want, Set<String> renamed, List<Step> steps, List<Skip> skipped) {
        ColumnDefinition column = sql.column(want, renamed, skipped);
        boolean plain = want.identity() == null && want.generated() == null;
        // What the rows here older than the column get, then the column takes the source's default, or none:
        String fill = null;
        if (plain && want.missingValue() != null) {
            // Added at the source with a default: its rows older than the column hold that value (a fast default) with
            // no change decoded for them, whatever the default is now (often none: added with one, dropped at once).
            fill = "DEFAULT " + SqlIdentifiers.literal(want.missingValue()) + "::" + column.type();
        } else if (plain && !column.notNull() && column.clauses().startsWith("DEFAULT ")) {
            // No value stored for the source's older rows: they hold NULL (a default given after the column was added)
            // or values of their own that no change carries (a volatile default). Added with the default, every row
            // here would take it; with DEFAULT NULL (not without one: a domain's own default would fill them), they
            // keep NULL.
            fill = "DEFAULT NULL";
        }
        if (fill != null) {
            steps.add(new Step(DefinitionSql.addColumn(id, new ColumnDefinition(column.name(), column.type(), column.notNull(), fill)),
                    "column " + column.name(), Step.Failure.FAILS, null));
            steps.add(new Step(column.clauses().isEmpty() ? DefinitionSql.dropDefault(id, column.name())
                    : DefinitionSql.setDefault(id, column.name(), column.clauses().substring("DEFAULT ".length())),
                    "default of column " + column.name(), Step.Failure.FAILS, null));
            return;
        }
        // Rows already there have no value for a NOT NULL column without a default: made nullable, then tried.
        boolean filled = !column.clauses().isEmpty();
        ColumnDefinition added = filled ? column : new ColumnDefinition(column.name(), column.type(), false, column.clauses());
        steps.add(new Step(DefinitionSql.addColumn(id, added), "column " + column.name(), Step.Failure.FAILS, null));
        if (column.notNull() && !filled) {
            steps.add(new Step(DefinitionSql.setNotNull(id, column.name()), "NOT NULL of column " + column.name(),
                    Step.Failure.SKIPS, null));
        }
    }

    private void alterColumn(TableId id, ColumnShape want, ColumnState have, boolean sameType, Set<String> renamed,
                             List<String> primaryKey, List<Step> steps, List<Skip> skipped) {
        String column = have.name();
        boolean haveIdentity = !have.identity().isEmpty();
        boolean haveGenerated = !have.generated().isEmpty();
        boolean wantIdentity = want.identity() != null && dialect.postgres12Ddl();
        boolean wantGenerated = want.generated() != null && dialect.postgres12Ddl();
        String haveDefault = haveIdentity || haveGenerated ? null : have.defaultExpression();
        String wantDefault = sql.defaultOf(want, renamed);
        boolean defaultLeftOut = want.defaultExpression() != null && wantDefault == null && want.identity() == null
                && want.generated() == null;
        boolean defaultDropped = false;
        if (!sameType) {
            if (haveDefault != null) {
                // The old default may not cast to the new type: it goes first and comes back after, as wanted.
                steps.add(new Step(DefinitionSql.dropDefault(id, column), "default of column " + column, Step.Failure.FAILS, null));
                defaultDropped = true;
            }
            steps.add(new Step(DefinitionSql.alterType(id, column, want.type(), !haveGenerated), "type of column " + column,
                    Step.Failure.STOPS, "Column " + column + " of destination table " + id + " is " + have.type()
                    + " and the source's definition makes it " + want.type() + ". Change the column at the destination "
                    + "yourself (ALTER TABLE " + id.quoted() + " ALTER COLUMN " + SqlIdentifiers.quote(column) + " TYPE "
                    + want.type() + " USING <expression>, dropping what depends on it first) and the sink goes on."));
        }
        if (wantGenerated != haveGenerated || wantGenerated && !sameExpression(want.generated(), have.defaultExpression())) {
            skipped.add(new Skip("generation of column " + column, "differs from the destination's; a generated column is "
                    + "not changed on an existing table: drop the column there and the sink adds it again"));
        }
        if (wantIdentity && !haveIdentity && !haveGenerated) {
            if (haveDefault != null && !defaultDropped) {
                steps.add(new Step(DefinitionSql.dropDefault(id, column), "default of column " + column, Step.Failure.FAILS, null));
            }
            if (!have.notNull()) {
                steps.add(new Step(DefinitionSql.setNotNull(id, column), "NOT NULL of identity column " + column,
                        Step.Failure.SKIPS, null));
            }
            steps.add(new Step(DefinitionSql.addIdentity(id, column), "identity of column " + column, Step.Failure.SKIPS, null));
        } else if (!wantIdentity && haveIdentity) {
            steps.add(new Step(DefinitionSql.dropIdentity(id, column), "identity of column " + column, Step.Failure.FAILS, null));
        }
        if (!haveIdentity && !haveGenerated && !wantIdentity && !wantGenerated) {
            String current = defaultDropped ? null : haveDefault;
            if (wantDefault != null && !wantDefault.equals(current)) {
                steps.add(new Step(DefinitionSql.setDefault(id, column, wantDefault), "default of column " + column,
                        Step.Failure.SKIPS, null));
            } else if (wantDefault == null && current != null && !defaultLeftOut) {
                steps.add(new Step(DefinitionSql.dropDefault(id, column), "default of column " + column, Step.Failure.FAILS, null));
            }
            if (defaultLeftOut) {
                sql.column(want, renamed, skipped);
            }
        }
        if (want.notNull() && !have.notNull() && !(wantIdentity && !haveIdentity)) {
            steps.add(new Step(DefinitionSql.setNotNull(id, column), "NOT NULL of column " + column, Step.Failure.SKIPS, null));
        } else if (!want.notNull() && have.notNull() && !primaryKey.contains(column) && !haveIdentity) {
            steps.add(new Step(DefinitionSql.dropNotNull(id, column), "NOT NULL of column " + column, Step.Failure.FAILS, null));
        }
    }

    /** Whether the column's type is {@code type}: the same text, or an unqualified name of the same type. */
    private boolean sameType(Connection c, String type, ColumnState have) throws SQLException {
        if (type.equals(have.type())) {
            return true;
        }
        return have.type().endsWith("." + type) && catalog.typeOid(c, type) == have.typeOid();
    }

    private static boolean sameExpression(String want, String have) {
        if (have == null) {
            return false;
        }
        String w = want.trim();
        String h = have.trim();
        return w.equals(h) || ("(" + w + ")").equals(h) || w.equals("(" + h + ")");
    }

    // ---- sequences

    private Applied sequence(Work work, Definition d) throws SQLException {
        ObjectRef ref = d.ref();
        SequenceShape s = d.sequence();
        TableId sequence = new TableId(ref.schema(), ref.name());
        List<String> owner = s.ownedBy() == null ? null : ownerParts(s.ownedBy());
        TableId ownerTable = null;
        String ownerColumn = null;
        Optional<TableInfo> ownerInfo = Optional.empty();
        if (owner != null) {
            ObjectRef ownerRef = new ObjectRef(ObjectKind.TABLE, owner.get(0), owner.get(1));
            ownerTable = names.table(ownerRef);
            ownerColumn = names.column(owner.get(2));
            ownerInfo = catalog.table(work.c, ownerTable);
            String column = ownerColumn;
            ColumnState ownerState = ownerInfo.map(t -> t.columns().get(column)).orElse(null);
            if (ownerState != null && !ownerState.identity().isEmpty()) {
                Optional<TableId> own = catalog.serialSequence(work.c, ownerTable, ownerColumn);
                if (own.isEmpty()) {
                    work.skipped.add(new Skip(ref.toString(), "identity column " + ownerTable + "." + ownerColumn
                            + " has no sequence at the destination"));
                    return work.result(ref, ownerTable + "." + ownerColumn, Outcome.SKIPPED);
                }
                TableId identitySequence = own.get();
                if (!identitySequence.equals(sequence) && identitySequence.schema().equals(sequence.schema())
                        && !catalog.relationExists(work.c, sequence)) {
                    // The destination named it otherwise (its default name was taken when the table was made): the
                    // source's name, which the application's code may use.
                    work.run("ALTER SEQUENCE " + identitySequence.quoted() + " RENAME TO " + SqlIdentifiers.quote(sequence.table()), true);
                    identitySequence = sequence;
                }
                alterParameters(work, identitySequence, s);
                moveForward(work, identitySequence, s);
                return work.result(ref, identitySequence.toString(), work.statements.isEmpty() ? Outcome.UNCHANGED : Outcome.CHANGED);
            }
            if (ownerInfo.isEmpty() && d.dependsOn().contains(ownerRef)) {
                work.skipped.add(new Skip(ref.toString(), "it belongs to table " + ownerRef.qualifiedName() + " (an identity "
                        + "column), which is not at the destination yet: it comes with the table, and its position with the "
                        + "next definition of it"));
                return work.result(ref, sequence.toString(), Outcome.SKIPPED);
            }
        }
        Outcome outcome;
        if (!catalog.relationExists(work.c, sequence)) {
            for (String schema : DestinationCatalog.createSchemaIfMissing(work.c, sequence.schema())) {
                work.run(schema, true);
            }
            work.run(sql.createSequence(sequence, s), true);
            outcome = Outcome.CREATED;
        } else {
            alterParameters(work, sequence, s);
            outcome = null;
        }
        if (owner != null) {
            if (ownerInfo.isEmpty() || !ownerInfo.get().columns().containsKey(ownerColumn)) {
                work.skipped.add(new Skip("OWNED BY " + ownerTable + "." + ownerColumn, "that column is not at the "
                        + "destination yet; owned by it when this definition comes again after the table"));
            } else if (!ownerTable.schema().equals(sequence.schema())) {
                work.skipped.add(new Skip("OWNED BY " + ownerTable + "." + ownerColumn, "the sink puts the table in schema "
                        + ownerTable.schema() + " and a sequence can only be owned by a table of its own schema"));
            } else if (!catalog.ownedBy(work.c, sequence, ownerTable, ownerColumn)) {
                work.run(DefinitionSql.ownedBy(sequence, ownerTable, ownerColumn), true);
            }
        }
        moveForward(work, sequence, s);
        if (outcome == null) {
            outcome = work.statements.isEmpty() ? Outcome.UNCHANGED : Outcome.CHANGED;
        }
        return work.result(ref, sequence.toString(), outcome);
    }

    /** {@code "schema"."table"."column"} (or unquoted parts) as its three names; null where it is not that. */
    private static List<String> ownerParts(String ownedBy) {
        SqlText.QualifiedName name = SqlText.qualifiedName(ownedBy, 0);
        if (name == null || name.parts().size() != 3 || name.end() != ownedBy.length()) {
            throw new DefinitionException("Sequence owner '" + ownedBy + "' is not \"schema\".\"table\".\"column\"");
        }
        return name.parts();
    }

    private void alterParameters(Work work, TableId sequence, SequenceShape s) throws SQLException {
        Optional<List<String>> have = catalog.sequenceParameters(work.c, sequence);
        if (have.isEmpty()) {
            return;
        }
        List<String> want = List.of(s.dataType(), Long.toString(s.start()), Long.toString(s.increment()), Long.toString(s.min()),
                Long.toString(s.max()), Long.toString(s.cache()), s.cycle() ? "t" : "f");
        List<String> normalized = new ArrayList<>(have.get());
        normalized.set(6, "true".equals(normalized.get(6)) || "t".equals(normalized.get(6)) ? "t" : "f");
        if (!normalized.equals(want)) {
            work.run(sql.alterSequence(sequence, s), true);
        }
    }

    /** {@code setval} to the source's position where the destination's is behind it in the increment's direction. */
    private static void moveForward(Work work, TableId sequence, SequenceShape s) throws SQLException {
        if (s.lastValue() == null || s.increment() == 0) {
            return;
        }
        long last = s.lastValue();
        BigDecimal next = s.isCalled() ? BigDecimal.valueOf(last).add(BigDecimal.valueOf(s.increment())) : BigDecimal.valueOf(last);
        int sign = Long.signum(s.increment());
        try (PreparedStatement ps = work.c.prepareStatement(DefinitionSql.setvalForward(sequence))) {
            ps.setString(1, sequence.regclassText());
            ps.setLong(2, last);
            ps.setBoolean(3, s.isCalled());
            ps.setInt(4, sign);
            ps.setLong(5, s.increment());
            ps.setInt(6, sign);
            ps.setBigDecimal(7, next);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    work.statements.add("SELECT setval(" + SqlIdentifiers.literal(sequence.regclassText()) + ", " + last + ", "
                            + s.isCalled() + ")");
                }
            }
        }
    }

    // ---- indexes

    private Applied index(Work work, ObjectRef ref, IndexShape index) throws SQLException {
        TableId table = names.table(index.table());
        Optional<TableInfo> info = catalog.table(work.c, table);
        if (info.isEmpty()) {
            work.skipped.add(new Skip(ref.toString(), "its table " + table + " is not at the destination"));
            return work.result(ref, table.schema() + "." + ref.name(), Outcome.SKIPPED);
        }
        TableId indexId = new TableId(table.schema(), ref.name());
        if (catalog.relationExists(work.c, indexId)) {
            return work.result(ref, indexId.toString(), Outcome.UNCHANGED);
        }
        DefinitionSql.Statement create = sql.createIndex(ref, index, table, info.get().layout(), info.get().columns().keySet());
        work.skipped.addAll(create.skipped());
        if (create.sql() == null) {
            return work.result(ref, indexId.toString(), Outcome.SKIPPED);
        }
        work.run(create.sql(), true);
        return work.result(ref, indexId.toString(), Outcome.CREATED);
    }

    // ---- objects from the source's statements

    /** Whether a rule's definition puts it on a view it depends on (rules on views do not touch what the sink writes). */
    private static boolean onView(Definition rule) {
        if (rule.statements().isEmpty()) {
            return false;
        }
        String sql = rule.statements().get(0);
        Matcher target = RULE_TARGET.matcher(sql);
        if (!target.find()) {
            return false;
        }
        SqlText.QualifiedName name = SqlText.qualifiedName(sql, target.end());
        if (name == null || name.parts().size() != 2) {
            return false;
        }
        return rule.dependsOn().stream().anyMatch(dep -> dep.kind() == ObjectKind.VIEW
                && dep.schema().equals(name.parts().get(0)) && dep.name().equals(name.parts().get(1)));
    }

    private Applied statements(Work work, Definition d) throws SQLException {
        ObjectRef ref = d.ref();
        String destination = ref.qualifiedName();
        for (ObjectRef dependency : d.dependsOn()) {
            if (dependency.kind() == ObjectKind.TABLE && !names.keepsName(dependency)) {
                work.skipped.add(new Skip(ref.toString(), "it depends on table " + dependency.qualifiedName()
                        + ", which the sink names " + names.table(dependency)));
                return work.result(ref, destination, Outcome.SKIPPED);
            }
        }
        if (d.statements().isEmpty()) {
            work.skipped.add(new Skip(ref.toString(), "the definition carries no statements"));
            return work.result(ref, destination, Outcome.SKIPPED);
        }
        if (ref.kind() == ObjectKind.RULE && !onView(d)) {
            // Under session.replication.role=origin a rule on a table would rewrite the sink's own writes (and PostgreSQL
            // refuses INSERT … ON CONFLICT on a table with INSERT or UPDATE rules): those wait for the switchover.
            work.skipped.add(new Skip(ref.toString(), "rules are not created while replicating, since they would act on the "
                    + "sink's writes; create it at switchover: " + abbreviate(String.join("; ", d.statements()))));
            return work.result(ref, destination, Outcome.SKIPPED);
        }
        for (String statement : d.statements()) {
            if (!SqlText.singleStatement(statement)) {
                work.skipped.add(new Skip(ref.toString(), "a statement of its definition holds more than one statement; none "
                        + "was run: " + abbreviate(statement)));
                return work.result(ref, destination, Outcome.SKIPPED);
            }
            if (!STATEMENT_START.matcher(statement).matches()) {
                work.skipped.add(new Skip(ref.toString(), "only CREATE, ALTER and COMMENT statements are run; it has: "
                        + abbreviate(statement)));
                return work.result(ref, destination, Outcome.SKIPPED);
            }
        }
        if (ref.kind() == ObjectKind.FUNCTION) {
            Matcher language = LANGUAGE.matcher(d.statements().get(0));
            if (language.find() && Set.of("c", "internal").contains(language.group(1).toLowerCase(Locale.ROOT))) {
                work.skipped.add(new Skip(ref.toString(), "a " + language.group(1) + "-language function runs code of the "
                        + "source server's libraries; install it at the destination yourself"));
                return work.result(ref, destination, Outcome.SKIPPED);
            }
        }
        if (ref.kind() == ObjectKind.AGGREGATE || ref.kind() == ObjectKind.OPERATOR) {
            // Built from the catalog, not written by hand: the statement must create the object the record names.
            java.util.Optional<String> start = AggregateOperatorSql.statementStart(ref);
            if (start.isEmpty() || d.statements().size() != 1 || !d.statements().get(0).startsWith(start.get())) {
                work.skipped.add(new Skip(ref.toString(), "its statement does not create the " + ref.kind().label()
                        + " its record names; none was run: " + abbreviate(String.join("; ", d.statements()))));
                return work.result(ref, destination, Outcome.SKIPPED);
            }
            if (AggregateOperatorSql.postfix(ref) && work.c.getMetaData().getDatabaseMajorVersion() >= 14) {
                work.skipped.add(new Skip(ref.toString(), "PostgreSQL 14 and later have no postfix operators; rewrite what "
                        + "uses it at the destination (e.g. as a function): " + abbreviate(d.statements().get(0))));
                return work.result(ref, destination, Outcome.SKIPPED);
            }
        }
        if ((ref.kind() == ObjectKind.AGGREGATE || ref.kind() == ObjectKind.OPERATOR) && !dialect.postgres12Ddl()) {
            work.skipped.add(new Skip(ref.toString(), dialect.name() + " predates the options the source's statement uses "
                    + "(PostgreSQL 11's CREATE AGGREGATE and CREATE OPERATOR); create it at the destination by hand: "
                    + abbreviate(d.statements().get(0))));
            return work.result(ref, destination, Outcome.SKIPPED);
        }
        if (ref.kind() == ObjectKind.VIEW || ref.kind() == ObjectKind.RULE) {
            Set<String> renamed = renamedColumnsOfTables(work, d);
            if (!renamed.isEmpty()) {
                work.skipped.add(new Skip(ref.toString(), "it names columns the sink renames (name.case): " + renamed));
                return work.result(ref, destination, Outcome.SKIPPED);
            }
        }
        boolean exists = switch (ref.kind()) {
            case ENUM, COMPOSITE, DOMAIN, RANGE -> catalog.typeExists(work.c, ref.schema(), ref.name());
            case FUNCTION -> catalog.functionExists(work.c, ref.schema(), ref.name());
            case AGGREGATE, OPERATOR -> catalog.currentDefinition(work.c, ref.kind(), ref.schema(), ref.name()) != null;
            case VIEW -> catalog.relationExists(work.c, new TableId(ref.schema(), ref.name()));
            case RULE -> catalog.ruleExists(work.c, ref.schema(), ref.name());
            default -> false;
        };
        if (exists && ref.kind() == ObjectKind.ENUM) {
            addEnumLabels(work, ref, d.statements().get(0));
            return work.result(ref, destination, work.statements.isEmpty() ? Outcome.UNCHANGED : Outcome.CHANGED);
        }
        if (exists && Set.of(ObjectKind.COMPOSITE, ObjectKind.DOMAIN, ObjectKind.RANGE).contains(ref.kind())) {
            return work.result(ref, destination, Outcome.UNCHANGED);
        }
        if (exists && sameAsDestination(work, ref, d.statements().get(0))) {
            return work.result(ref, destination, Outcome.UNCHANGED);
        }
        if (exists && settings.conflictMode() == SinkConfig.ConflictMode.FAIL && work.applied.previous(work.c, ref) == null) {
            if (ref.kind() == ObjectKind.AGGREGATE || ref.kind() == ObjectKind.OPERATOR) {
                throw new DefinitionException(ref + " already exists at the destination, differs from the source's, and the "
                        + "sink has applied no definition of it (" + SinkConfig.TABLE_CONFLICT_MODE + "=fail); drop it (or "
                        + "make it the same), or set " + SinkConfig.TABLE_CONFLICT_MODE + "=ignore to leave it as it is");
            }
            // Not the sink's own (it applied no definition of it): replacing it would silently change what the
            // destination's own code relies on.
            throw new DefinitionException(ref + " already exists at the destination, differs from the source's, and the sink "
                    + "has applied no definition of it (" + SinkConfig.TABLE_CONFLICT_MODE + "=fail); drop or rename it, or set "
                    + SinkConfig.TABLE_CONFLICT_MODE + "=ignore to replace it with the source's");
        }
        if (exists && (ref.kind() == ObjectKind.AGGREGATE || ref.kind() == ObjectKind.OPERATOR)) {
            // PostgreSQL has no CREATE OR REPLACE OPERATOR, and CREATE OR REPLACE AGGREGATE only from 14 on, where it
            // cannot change the state type either: dropping would take the views and constraints using it along.
            work.skipped.add(new Skip(ref.toString(), "it exists at the destination with another definition, which is left as it "
                    + "is (" + ref.kind().label() + "s cannot be replaced in place); to take the source's, drop it at the "
                    + "destination (with what uses it) and the sink creates it again: " + abbreviate(d.statements().get(0))));
            return work.result(ref, destination, Outcome.SKIPPED);
        }
        for (String statement : d.statements()) {
            String run = CREATE_FUNCTION.matcher(statement).replaceFirst("$1 OR REPLACE $2");
            SQLException e = work.attempt(run);
            if (e != null) {
                if (concurrent(e)) {
                    throw e;
                }
                throw new DefinitionException("The destination refused the source's definition of " + ref + ": "
                        + e.getMessage().trim() + " (SQLState " + e.getSQLState() + "). Statement: " + abbreviate(run)
                        + ". Drop or change the object at the destination (or what it depends on) and the sink applies it again.", e);
            }
        }
        return work.result(ref, destination, exists ? Outcome.CHANGED : Outcome.CREATED);
    }

    /**
     * Whether the destination's own text of the function, aggregate, operator, view or rule reads as the source's
     * statement (whitespace aside): then replacing it would change nothing.
     */
    private boolean sameAsDestination(Work work, ObjectRef ref, String statement) throws SQLException {
        String current = catalog.currentDefinition(work.c, ref.kind(), ref.schema(), ref.name());
        if (current == null) {
            return false;
        }
        String have = normalized(current);
        String want = normalized(statement);
        return ref.kind() == ObjectKind.VIEW ? want.endsWith(" AS " + have) : want.equals(have);
    }

    private static String normalized(String sql) {
        String flat = sql.replaceAll("\\s+", " ").trim();
        while (flat.endsWith(";")) {
            flat = flat.substring(0, flat.length() - 1).trim();
        }
        return CREATE_FUNCTION.matcher(flat).replaceFirst("$1 OR REPLACE $2");
    }

    /** Source names in the definition's statements that are columns of its tables the sink renames. */
    private Set<String> renamedColumnsOfTables(Work work, Definition d) throws SQLException {
        Set<String> identifiers = new HashSet<>();
        d.statements().forEach(s -> identifiers.addAll(SqlText.identifiers(s)));
        Set<String> renamed = new java.util.TreeSet<>();
        for (ObjectRef dependency : d.dependsOn()) {
            if (dependency.kind() != ObjectKind.TABLE) {
                continue;
            }
            Optional<TableInfo> table = catalog.table(work.c, names.table(dependency));
            if (table.isEmpty()) {
                continue;
            }
            for (String identifier : identifiers) {
                if (names.renames(identifier) && table.get().columns().containsKey(names.column(identifier))) {
                    renamed.add(identifier);
                }
            }
        }
        return renamed;
    }

    /** Adds the labels the source's {@code CREATE TYPE … AS ENUM (…)} has and the destination's type lacks, in place. */
    private void addEnumLabels(Work work, ObjectRef ref, String create) throws SQLException {
        List<String> wanted = enumLabels(create);
        if (wanted == null) {
            work.skipped.add(new Skip("labels of " + ref, "the statement is not CREATE TYPE … AS ENUM (…)"));
            return;
        }
        List<String> have = new ArrayList<>(catalog.enumLabels(work.c, ref.schema(), ref.name()));
        if (have.containsAll(wanted)) {
            return;
        }
        if (!dialect.postgres12Ddl()) {
            work.skipped.add(new Skip("labels of " + ref, dialect.name() + " cannot add enum labels in a transaction; add "
                    + wanted.stream().filter(l -> !have.contains(l)).toList() + " yourself"));
            return;
        }
        String type = SqlIdentifiers.qualified(ref.schema(), ref.name());
        for (int i = 0; i < wanted.size(); i++) {
            String label = wanted.get(i);
            if (have.contains(label)) {
                continue;
            }
            String position = i > 0 && have.contains(wanted.get(i - 1)) ? " AFTER " + SqlIdentifiers.literal(wanted.get(i - 1))
                    : nextKnown(wanted, have, i).map(n -> " BEFORE " + SqlIdentifiers.literal(n)).orElse("");
            work.run("ALTER TYPE " + type + " ADD VALUE IF NOT EXISTS " + SqlIdentifiers.literal(label) + position, true);
            have.add(label);
        }
    }

    private static Optional<String> nextKnown(List<String> wanted, List<String> have, int from) {
        return wanted.subList(from + 1, wanted.size()).stream().filter(have::contains).findFirst();
    }

    /** The labels of {@code CREATE TYPE … AS ENUM ('a', 'b')}, or null where the text is not that. */
    static List<String> enumLabels(String create) {
        Matcher m = ENUM_LABELS.matcher(create);
        if (!m.find()) {
            return null;
        }
        List<String> labels = new ArrayList<>();
        int i = m.end();
        while (i < create.length()) {
            char ch = create.charAt(i);
            if (ch == '\'') {
                StringBuilder label = new StringBuilder();
                i++;
                while (i < create.length()) {
                    char x = create.charAt(i);
                    if (x == '\'' && i + 1 < create.length() && create.charAt(i + 1) == '\'') {
                        label.append('\'');
                        i += 2;
                    } else if (x == '\'') {
                        break;
                    } else {
                        label.append(x);
                        i++;
                    }
                }
                labels.add(label.toString());
                i++;
            } else if (ch == ')') {
                return labels;
            } else {
                i++;
            }
        }
        return null;
    }

    private static String abbreviate(String statement) {
        String flat = statement.replaceAll("\\s+", " ").trim();
        return flat.length() <= 120 ? flat : flat.substring(0, 117) + "...";
    }

    /** One application's transaction: the statements run and what was left out. */
    private final class Work {
        final Connection c;
        final List<String> statements = new ArrayList<>();
        final List<Skip> skipped = new ArrayList<>();
        final AppliedDefinitions applied;

        Work(Connection c, AppliedDefinitions applied) {
            this.c = c;
            this.applied = applied;
        }

        void run(String statement, boolean record) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute(statement);
            }
            if (record) {
                statements.add(statement);
            }
        }

        /** Runs {@code statement} under a savepoint: its failure (returned) leaves the rest of the transaction as it was. */
        SQLException attempt(String statement) throws SQLException {
            Savepoint savepoint = c.setSavepoint();
            try (Statement s = c.createStatement()) {
                s.execute(statement);
                c.releaseSavepoint(savepoint);
                statements.add(statement);
                return null;
            } catch (SQLException e) {
                c.rollback(savepoint);
                return e;
            }
        }

        Applied result(ObjectRef ref, String destination, Outcome outcome) {
            return new Applied(ref, destination, outcome, statements, skipped);
        }
    }
}
