package io.adbsync.sink.ddl;

import io.adbsync.common.definition.SchemaChannel;
import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.sink.dialect.ColumnDefinition;
import io.adbsync.sink.dialect.Dialect;
import io.adbsync.sink.dialect.StorageEngine;
import io.adbsync.sink.dialect.TableDefinition;
import io.adbsync.common.sql.TableId;
import io.adbsync.sink.record.ChangeEvent;
import io.adbsync.sink.record.Column;
import io.adbsync.sink.record.TableChanges;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes destination tables fit the records: creates missing tables ({@code auto.create}) and adds missing columns
 * ({@code auto.evolve}). Table states are cached; the cache is dropped whenever a batch fails. A refusal names the
 * setting that allows what it refused; {@code storage} must be one the dialect supports.
 */
public final class SchemaSync {

    private static final Logger log = LoggerFactory.getLogger(SchemaSync.class);

    /**
     * Makes the literals of this transaction's DDL read exactly as {@link SqlIdentifiers#literal} writes them: with
     * {@code standard_conforming_strings} off a backslash in a value would be taken as an escape.
     */
    static final String EXACT_LITERALS = "SET LOCAL standard_conforming_strings = on";

    private final Dialect dialect;
    private final DestinationCatalog catalog;
    private final boolean autoCreate;
    private final boolean autoEvolve;
    private final StorageEngine storage;
    private final List<String> distributionKey;
    private final Map<TableId, TableState> cache = new HashMap<>();
    private final Set<String> droppedSaid = new HashSet<>();
    /** Per table, the columns of its latest definition as last seen (a new instance: a new definition). */
    private final Map<TableId, Map<String, String>> definedSeen = new HashMap<>();
    /**
     * schema.sync=all, else null: for tables whose records name a definition, the definitions decide the columns, not
     * the records; this says which columns the latest one applied has.
     */
    private final ColumnsDefined columnsDefined;

    /** schema.sync=all: the destination names of the columns of the latest definition applied for a table. */
    @FunctionalInterface
    public interface ColumnsDefined {
        /**
         * Those of the table a record with {@code headers} names a definition of, each with the value the source's rows
         * older than it hold (null: none), or null when unknown.
         */
        Map<String, String> of(Connection c, Headers headers) throws SQLException;
    }

    public SchemaSync(Dialect dialect, boolean autoCreate, boolean autoEvolve, StorageEngine storage, List<String> distributionKey) {
        this(dialect, autoCreate, autoEvolve, storage, distributionKey, null);
    }

    /**
     * @param columnsDefined schema.sync=all, else null: a table whose records name a definition (header
     *                       {@value SchemaChannel#VERSION_HEADER}) never gains columns from records; the schema channel
     *                       adds and drops them, and a column of the records it lacks is one dropped at the source unless
     *                       the latest definition has it
     */
    public SchemaSync(Dialect dialect, boolean autoCreate, boolean autoEvolve, StorageEngine storage, List<String> distributionKey,
                      ColumnsDefined columnsDefined) {
        this.dialect = dialect;
        this.catalog = new DestinationCatalog(dialect);
        this.autoCreate = autoCreate;
        this.autoEvolve = autoEvolve;
        this.storage = storage;
        this.distributionKey = List.copyOf(distributionKey);
        this.columnsDefined = columnsDefined;
    }

    /** The headers of a record among {@code changes} that names a definition of its table, or null. */
    private static Headers headersNamingDefinition(TableChanges changes) {
        return changes.rowEvents().stream().filter(SchemaSync::namesDefinition).map(e -> e.record().headers()).findFirst()
                .orElse(null);
    }

    /** Whether a record among {@code changes}, deletes included, names a definition of its table. */
    private static boolean namesDefinition(TableChanges changes) {
        return headersNamingDefinition(changes) != null || changes.deletes().stream().anyMatch(SchemaSync::namesDefinition);
    }

    /** Whether {@code e}'s record names a definition of its table (header {@value SchemaChannel#VERSION_HEADER}). */
    private static boolean namesDefinition(ChangeEvent e) {
        return e.record() != null && e.record().headers().lastWithName(SchemaChannel.VERSION_HEADER) != null;
    }

    public void forget() {
        cache.clear();
        definedSeen.clear();
    }

    /** Forgets what this task saw of {@code table}: the next {@link #ensure} reads it again. */
    public void forget(TableId table) {
        cache.remove(table);
    }

    /** The table's state after any DDL the changes need; DDL runs and commits on {@code c} before the data. */
    public TableState ensure(Connection c, TableChanges changes) throws SQLException {
        TableState state = cache.get(changes.table());
        boolean cached = state != null;
        if (!cached) {
            state = catalog.load(c, changes.table());
        }
        if (!state.exists()) {
            if (changes.columns().isEmpty()) {
                // Only deletes or a truncate for a table that does not exist: nothing to remove.
                return state;
            }
            if (!autoCreate) {
                throw new RecordSchemaException("Destination table " + changes.table() + " does not exist; create it or set "
                        + "auto.create=true");
            }
            state = create(c, changes);
        }
        Headers naming = columnsDefined == null ? null : headersNamingDefinition(changes);
        Map<String, String> defined = naming == null ? null : columnsDefined.of(c, naming);
        boolean newDefinition = defined != null && definedSeen.put(changes.table(), defined) != defined;
        List<Column> missing = missing(changes, state);
        if (cached && (!missing.isEmpty() || newDefinition && filledColumnLacking(defined, state))) {
            // Another task may have added them since (a definition it applied, or its own records): judged on what the
            // destination says now, never on what this task saw before. Records from before a column added with a fast
            // default lack it, so only the definition says it came.
            state = catalog.load(c, changes.table());
            missing = missing(changes, state);
        }
        if (defined != null) {
            // Rows from before a nullable column added with a fast default hold its value too, which only the
            // definition says (the destination cannot tell such a column from one of its own).
            state = state.withFills(defined);
        }
        if (naming != null && !missing.isEmpty()) {
            // The table's definitions (schema.sync=all) decide its columns, and the latest one applied lacks these:
            // dropped at the source after the records were written. Their values are not written.
            for (Column col : missing) {
                if (defined != null && defined.containsKey(col.name())) {
                    throw new RecordSchemaException("Destination table " + changes.table() + " has no column " + col.name()
                            + ", which the table's latest definition from the source has (dropped here by hand?): its values "
                            + "cannot be written. Add the column back (ALTER TABLE " + changes.table().quoted()
                            + " ADD COLUMN " + SqlIdentifiers.quote(col.name()) + " ...)");
                }
                if (droppedSaid.add(changes.table() + "." + col.name())) {
                    log.info("Column {} of {} is not in the table's latest definition (dropped at the source); values of it "
                            + "in records written before are not written", col.name(), changes.table());
                }
            }
            missing.clear();
        }
        if (!missing.isEmpty()) {
            if (!autoEvolve) {
                throw new RecordSchemaException("Destination table " + changes.table() + " has no column "
                        + missing.get(0).name() + " that records carry; add it or set auto.evolve=true");
            }
            state = evolve(c, changes.table(), missing);
        }
        cache.put(changes.table(), state);
        if (columnsDefined == null || !namesDefinition(changes)) {
            // Under schema.sync=all a column's type follows the source's definitions, and a record from before a type
            // narrowed there is rounded here as the source's ALTER rounded its row (a delete's key too).
            try {
                NarrowerColumns.check(changes, state);
            } catch (RecordSchemaException e) {
                // Read again next time: the column may be given the type the refusal names meanwhile.
                cache.remove(changes.table());
                throw e;
            }
        }
        return state;
    }

    private static boolean filledColumnLacking(Map<String, String> defined, TableState state) {
        return defined.entrySet().stream().anyMatch(e -> e.getValue() != null && !state.columns().containsKey(e.getKey()));
    }

    private static List<Column> missing(TableChanges changes, TableState state) {
        List<Column> missing = new ArrayList<>();
        for (Column col : changes.columns()) {
            if (!state.columns().containsKey(col.name())) {
                missing.add(col);
            }
        }
        return missing;
    }

    /** Creates the table, or finds it made by another task meanwhile; returns its state. */
    private TableState create(Connection c, TableChanges changes) throws SQLException {
        TableId id = changes.table();
        List<String> key = changes.keyColumns().stream().map(Column::name).toList();
        for (String d : distributionKey) {
            if (!key.isEmpty() && !key.contains(d)) {
                throw new ConnectException("distribution.key column " + d + " is not part of the primary key "
                        + key + " of table " + id + "; a unique key must contain every distribution-key column");
            }
            if (changes.columns().stream().noneMatch(col -> col.name().equals(d))) {
                throw new ConnectException("distribution.key column " + d + " is not a column of table " + id);
            }
        }
        List<ColumnDefinition> columns = new ArrayList<>();
        for (Column col : changes.columns()) {
            columns.add(definition(c, id, col, key.contains(col.name())));
        }
        TableDefinition definition = new TableDefinition(id, columns, key, distributionKey);
        for (int attempt = 1; ; attempt++) {
            try {
                List<String> ddl = new ArrayList<>(DestinationCatalog.createSchemaIfMissing(c, id.schema()));
                ddl.add(dialect.createTable(definition, storage));
                ConcurrentDdl.execute(c, ddl.toArray(String[]::new));
                log.info("Created destination table {} ({} columns, key {})", id, columns.size(), key);
                return catalog.load(c, id);
            } catch (ConcurrentDdl.LostRace e) {
                // Another task made the table, or only its schema (for a table of its own): look again.
                TableState now = catalog.load(c, id);
                if (now.exists()) {
                    log.info("Destination table {} was created by another task meanwhile", id);
                    return now;
                }
                if (attempt == ConcurrentDdl.ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Adds the missing columns, or finds them added by another task meanwhile; returns the table's state. */
    private TableState evolve(Connection c, TableId id, List<Column> missing) throws SQLException {
        List<Column> toAdd = missing;
        for (int attempt = 1; ; attempt++) {
            List<String> statements = new ArrayList<>();
            boolean filled = false;
            for (Column col : toAdd) {
                ColumnDefinition d = definition(c, id, col, false);
                // The added column is nullable whatever the record says: rows already there may have no value for it.
                ColumnDefinition added = new ColumnDefinition(d.name(), d.type(), false);
                String stored = col.missingValue();
                if (stored == null) {
                    statements.add(addColumn(id, added));
                } else {
                    // Added at the source with a fast default: its older rows have that value with no change decoded
                    // for them, so the rows here get it too. Defaults are not replicated, so it goes again at once.
                    statements.add(addColumnFilled(id, added, stored));
                    statements.add(dropDefault(id, added.name()));
                    filled = true;
                }
            }
            if (filled) {
                statements.add(0, EXACT_LITERALS);
            }
            try {
                ConcurrentDdl.execute(c, statements.toArray(String[]::new));
                log.info("Added {} column(s) to destination table {}: {}", toAdd.size(), id,
                        toAdd.stream().map(Column::name).toList());
                return catalog.load(c, id);
            } catch (ConcurrentDdl.LostRace e) {
                TableState now = catalog.load(c, id);
                toAdd = toAdd.stream().filter(col -> !now.columns().containsKey(col.name())).toList();
                if (toAdd.isEmpty()) {
                    log.info("Columns {} of destination table {} were added by another task meanwhile",
                            missing.stream().map(Column::name).toList(), id);
                    return now;
                }
                if (attempt == ConcurrentDdl.ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** {@code ALTER TABLE … ADD COLUMN}; the same on every product. */
    public static String addColumn(TableId id, ColumnDefinition column) {
        return "ALTER TABLE " + id.quoted() + " ADD COLUMN " + SqlIdentifiers.quote(column.name()) + " " + column.type()
                + (column.notNull() ? " NOT NULL" : "");
    }

    /**
     * {@code ALTER TABLE … ADD COLUMN … DEFAULT 'value'::type}: the column added with every existing row holding
     * {@code value}, the text of a value of its type (the source's stored value, never an expression evaluated here).
     */
    public static String addColumnFilled(TableId id, ColumnDefinition column, String value) {
        return addColumn(id, column) + " DEFAULT " + SqlIdentifiers.literal(value) + "::" + column.type();
    }

    /** {@code ALTER TABLE … ALTER COLUMN … DROP DEFAULT}; the same on every product. */
    public static String dropDefault(TableId id, String column) {
        return "ALTER TABLE " + id.quoted() + " ALTER COLUMN " + SqlIdentifiers.quote(column) + " DROP DEFAULT";
    }

    private ColumnDefinition definition(Connection c, TableId id, Column col, boolean key) throws SQLException {
        String type = ColumnTypes.sqlType(col.schema(), col.name(), id.toString());
        if (!catalog.typeExists(c, type)) {
            throw new RecordSchemaException("Column " + col.name() + " of table " + id + " has type " + type
                    + ", which does not exist in the destination; create the type there first");
        }
        return new ColumnDefinition(col.name(), type, key || !col.schema().isOptional());
    }

}
