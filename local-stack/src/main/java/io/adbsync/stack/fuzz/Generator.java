package io.adbsync.stack.fuzz;

import io.adbsync.common.sql.SqlIdentifiers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Generates, from a seed, the tables and then an endless sequence of operations and faults. The same seed and
 * feature set always give the same sequence: everything random comes from one {@link Random}, in order.
 */
public final class Generator {

    /** Operation kinds and their weights (per mille); a kind whose feature is off is never drawn. */
    private enum Kind {
        INSERT(300, null), UPDATE(250, null), UPDATE_RANGE(40, null), DELETE(100, null), DELETE_RANGE(20, null),
        TRANSACTION(60, null), KEY_CHANGE(50, Feature.KEY_CHANGES), MOVE(40, Feature.PARTITIONED),
        TRUNCATE(3, Feature.TRUNCATE), ADD_COLUMN(5, Feature.ADD_COLUMN), VACUUM_FULL(5, Feature.VACUUM_FULL),
        CLUSTER(4, Feature.CLUSTER), LARGE_TRANSACTION(4, Feature.LARGE_TRANSACTIONS),
        RECREATE(2, Feature.RECREATE_TABLE), FAULT(3, null);

        private final int weight;
        private final Feature feature;

        Kind(int weight, Feature feature) {
            this.weight = weight;
            this.feature = feature;
        }
    }

    /** A table as the workload knows it: its current definition and the next unused id. */
    private static final class TableState {
        private TableDef def;
        private long nextId;
        private final int salt;

        private TableState(TableDef def, long nextId, int salt) {
            this.def = def;
            this.nextId = nextId;
            this.salt = salt;
        }
    }

    private final Random random;
    private final Set<Feature> features;
    private final List<TableState> tables = new ArrayList<>();
    private final List<Kind> kinds = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    private int totalWeight;
    private int columnCounter;
    private boolean allTablesPublication;

    public Generator(long seed, Set<Feature> features) {
        this.random = new Random(seed);
        this.features = Set.copyOf(features);
        for (Fault f : Fault.values()) {
            if (features.contains(f.feature())) {
                faults.add(f);
            }
        }
        for (Kind k : Kind.values()) {
            if ((k.feature == null || features.contains(k.feature)) && (k != Kind.FAULT || !faults.isEmpty())) {
                kinds.add(k);
                totalWeight += k.weight;
            }
        }
    }

    /** Creates 3 to 5 tables and loads about {@code rowsPerTable} rows into each. */
    public List<Step> setup(int rowsPerTable) {
        List<TableDef.Shape> shapes = new ArrayList<>(List.of(TableDef.Shape.SIMPLE));
        if (features.contains(Feature.COMPOSITE_KEYS)) {
            shapes.add(TableDef.Shape.COMPOSITE);
        }
        if (features.contains(Feature.PARTITIONED)) {
            shapes.add(TableDef.Shape.PARTITIONED);
        }
        if (features.contains(Feature.KEYLESS)) {
            shapes.add(TableDef.Shape.KEYLESS);
        }
        int count = 3 + random.nextInt(3);
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // Every enabled shape appears at least once, then at random.
            TableDef.Shape shape = i < shapes.size() ? shapes.get(i) : shapes.get(random.nextInt(shapes.size()));
            List<TableDef.ColumnDef> columns = new ArrayList<>();
            if (features.contains(Feature.TOAST) && random.nextBoolean()) {
                columns.add(new TableDef.ColumnDef("big", ColumnType.TOAST_TEXT));
            }
            int n = 3 + random.nextInt(6);
            for (int c = 0; c < n; c++) {
                columns.add(new TableDef.ColumnDef("c" + columnCounter++, randomType()));
            }
            TableDef def = new TableDef("fz" + i + "_" + shape.name().toLowerCase(java.util.Locale.ROOT), shape, columns);
            long rows = rowsPerTable / 2 + random.nextInt(rowsPerTable + 1);
            TableState state = new TableState(def, rows + 1, random.nextInt(1_000_000));
            tables.add(state);
            def.createStatements().forEach(s -> steps.add(Step.sql(s)));
            steps.add(Step.sql(bulkInsert(state, 1, rows)));
            state.nextId = rows + 1;
        }
        steps.add(Step.sql("ANALYZE"));
        allTablesPublication = features.contains(Feature.FAULT_EXCLUDE_TABLE) && random.nextBoolean();
        return steps;
    }

    /**
     * Whether the source publishes through a publication {@code FOR ALL TABLES} made beforehand (known after
     * {@link #setup}): a table left out of the include list then still sends its changes.
     */
    public boolean allTablesPublication() {
        return allTablesPublication;
    }

    public List<TableDef> tables() {
        return tables.stream().map(t -> t.def).toList();
    }

    /** One insert into every table, so that each table's latest definition reaches the pipeline before verifying. */
    public List<Step> finalTouch() {
        return tables.stream().map(t -> Step.sql(insert(t, 1))).toList();
    }

    /** The next operation or fault. */
    public Step next() {
        int pick = random.nextInt(totalWeight);
        Kind kind = kinds.get(kinds.size() - 1);
        for (Kind k : kinds) {
            pick -= k.weight;
            if (pick < 0) {
                kind = k;
                break;
            }
        }
        TableState t = tables.get(random.nextInt(tables.size()));
        return switch (kind) {
            case INSERT -> Step.sql(insert(t, 1 + random.nextInt(5)));
            case UPDATE -> Step.sql(update(t));
            case UPDATE_RANGE -> Step.sql(updateRange(t));
            case DELETE -> Step.sql("DELETE FROM " + t.def.qualified() + " WHERE id = " + existingId(t));
            case DELETE_RANGE -> Step.sql(deleteRange(t));
            case TRANSACTION -> Step.sql(transaction(t));
            case KEY_CHANGE -> Step.sql(keyChange(t));
            case MOVE -> Step.sql(t.def.shape() == TableDef.Shape.PARTITIONED
                    ? "UPDATE " + t.def.qualified() + " SET part = (part + 1 + " + random.nextInt(3) + ") % 4 WHERE id = " + existingId(t)
                    : update(t));
            case TRUNCATE -> Step.sql("TRUNCATE " + t.def.qualified());
            case ADD_COLUMN -> Step.sql(addColumn(t));
            case VACUUM_FULL -> Step.sql("VACUUM FULL " + t.def.qualified());
            case CLUSTER -> Step.sql("CLUSTER " + t.def.qualified() + " USING " + SqlIdentifiers.quote(t.def.clusterIndex()));
            case LARGE_TRANSACTION -> Step.sql(largeTransaction(t));
            case RECREATE -> Step.sql(recreate(t));
            case FAULT -> fault();
        };
    }

    private Step fault() {
        Fault f = faults.get(random.nextInt(faults.size()));
        int argument = switch (f) {
            case RECONFIGURE_SOURCE -> 256 << random.nextInt(4);
            case RECONFIGURE_SINK -> 100 << random.nextInt(6);
            case RESTART_DESTINATION, RESTART_SOURCE -> 500 + random.nextInt(2500);
            case KILL_WORKER -> random.nextInt(2);
            case EXCLUDE_TABLE -> random.nextInt(tables.size());
            case RESTART_CONNECTORS, TERMINATE_WALSENDER -> 0;
        };
        return Step.fault(f, argument);
    }

    private ColumnType randomType() {
        while (true) {
            ColumnType type = ColumnType.values()[random.nextInt(ColumnType.values().length)];
            if (type != ColumnType.TOAST_TEXT && (type.feature() == null || features.contains(type.feature()))) {
                return type;
            }
        }
    }

    private long existingId(TableState t) {
        return 1 + (long) (random.nextDouble() * (t.nextId - 1));
    }

    private String insert(TableState t, int rows) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            List<String> row = new ArrayList<>(t.def.keyValues(t.nextId++));
            for (TableDef.ColumnDef c : t.def.columns()) {
                row.add(value(c.type()));
            }
            values.add("(" + String.join(", ", row) + ")");
        }
        return "INSERT INTO " + t.def.qualified() + " (" + t.def.insertColumnList() + ") VALUES " + String.join(", ", values);
    }

    private String value(ColumnType type) {
        return random.nextInt(12) == 0 ? "NULL" : type.literal(random);
    }

    private String assignments(TableState t) {
        List<TableDef.ColumnDef> columns = t.def.columns();
        int n = 1 + random.nextInt(Math.min(3, columns.size()));
        List<String> sets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TableDef.ColumnDef c = columns.get(random.nextInt(columns.size()));
            String set = SqlIdentifiers.quote(c.name()) + " = ";
            if (sets.stream().noneMatch(s -> s.startsWith(set))) {
                sets.add(set + value(c.type()));
            }
        }
        return String.join(", ", sets);
    }

    private String update(TableState t) {
        return "UPDATE " + t.def.qualified() + " SET " + assignments(t) + " WHERE id = " + existingId(t);
    }

    private String updateRange(TableState t) {
        long from = existingId(t);
        return "UPDATE " + t.def.qualified() + " SET " + assignments(t) + " WHERE id BETWEEN " + from + " AND " + (from + random.nextInt(200));
    }

    private String deleteRange(TableState t) {
        long from = existingId(t);
        return "DELETE FROM " + t.def.qualified() + " WHERE id BETWEEN " + from + " AND " + (from + random.nextInt(50));
    }

    private String keyChange(TableState t) {
        long newId = t.nextId++;
        String extra = t.def.shape() == TableDef.Shape.COMPOSITE ? ", tag = 'k" + random.nextInt(100) + "'" : "";
        return "UPDATE " + t.def.qualified() + " SET id = " + newId + extra
                + (random.nextBoolean() ? ", " + assignments(t) : "") + " WHERE id = " + existingId(t);
    }

    private String transaction(TableState t) {
        List<String> statements = new ArrayList<>();
        statements.add("BEGIN");
        int n = 2 + random.nextInt(5);
        for (int i = 0; i < n; i++) {
            TableState other = random.nextInt(3) == 0 ? tables.get(random.nextInt(tables.size())) : t;
            statements.add(switch (random.nextInt(4)) {
                case 0 -> insert(other, 1 + random.nextInt(3));
                case 1 -> "DELETE FROM " + other.def.qualified() + " WHERE id = " + existingId(other);
                case 2 -> features.contains(Feature.KEY_CHANGES) ? keyChange(other) : update(other);
                default -> update(other);
            });
        }
        // Now and then a transaction that must leave no trace.
        statements.add(random.nextInt(6) == 0 ? "ROLLBACK" : "COMMIT");
        return String.join("; ", statements);
    }

    private String addColumn(TableState t) {
        TableDef.ColumnDef column = new TableDef.ColumnDef("c" + columnCounter++, randomType());
        String ddl = "ALTER TABLE " + t.def.qualified() + " ADD COLUMN " + SqlIdentifiers.quote(column.name()) + " "
                + column.type().sqlType();
        t.def = t.def.withColumn(column);
        return ddl + "; UPDATE " + t.def.qualified() + " SET " + SqlIdentifiers.quote(column.name()) + " = "
                + column.type().literal(random) + " WHERE id = " + existingId(t);
    }

    private String largeTransaction(TableState t) {
        long rows = 2000 + random.nextInt(4000);
        long from = t.nextId;
        t.nextId += rows;
        TableDef.ColumnDef c = t.def.columns().get(random.nextInt(t.def.columns().size()));
        int mod = 3 + random.nextInt(5);
        return "BEGIN; " + bulkInsert(t, from, from + rows - 1) + "; UPDATE " + t.def.qualified() + " SET "
                + SqlIdentifiers.quote(c.name()) + " = " + c.type().bulk("id", random.nextInt(1000)) + " WHERE id % " + mod + " = "
                + random.nextInt(mod) + "; DELETE FROM " + t.def.qualified() + " WHERE id % " + (mod * 3) + " = 1; COMMIT";
    }

    private String recreate(TableState t) {
        List<String> statements = new ArrayList<>();
        statements.add("DROP TABLE " + t.def.qualified());
        statements.addAll(t.def.createStatements());
        long from = t.nextId;
        t.nextId += 200;
        statements.add(bulkInsert(t, from, from + 199));
        return String.join("; ", statements);
    }

    private String bulkInsert(TableState t, long from, long to) {
        List<String> expressions = new ArrayList<>();
        expressions.add("g");
        switch (t.def.shape()) {
            case COMPOSITE -> expressions.add("'t' || (g % 5)");
            case PARTITIONED -> expressions.add("(g % 4)::int");
            default -> { }
        }
        int i = 0;
        for (TableDef.ColumnDef c : t.def.columns()) {
            String expression = c.type().bulk("g", t.salt);
            expressions.add(i++ % 3 == 0 ? "CASE WHEN g % 13 = " + (i % 13) + " THEN NULL ELSE " + expression + " END" : expression);
        }
        return "INSERT INTO " + t.def.qualified() + " (" + t.def.insertColumnList() + ") SELECT "
                + String.join(", ", expressions) + " FROM generate_series(" + from + "::bigint, " + to + "::bigint) g";
    }

    /** The names of the generated tables, as schema.table. */
    public List<String> tableNames() {
        return tables.stream().map(t -> "public." + t.def.name()).collect(Collectors.toList());
    }
}
