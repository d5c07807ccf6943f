package io.adbsync.stack.fuzz;

import io.adbsync.common.sql.SqlIdentifiers;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One generated table: its shape, its non-key columns, and the DDL that creates it. Every shape has a bigint
 * {@code id} that is unique in the table (the generator hands out fresh values), so updates and deletes can
 * address one row whatever the key is.
 */
public record TableDef(String name, Shape shape, List<ColumnDef> columns) {

    /** How the table is keyed. */
    public enum Shape {
        /** PRIMARY KEY (id). */
        SIMPLE,
        /** PRIMARY KEY (id, tag), tag text. */
        COMPOSITE,
        /** PRIMARY KEY (id, part), PARTITION BY LIST (part) with two leaves. */
        PARTITIONED,
        /** No key; REPLICA IDENTITY FULL. */
        KEYLESS
    }

    /** A non-key column. */
    public record ColumnDef(String name, ColumnType type) {
    }

    public TableDef {
        columns = List.copyOf(columns);
    }

    public TableDef withColumn(ColumnDef column) {
        List<ColumnDef> more = new ArrayList<>(columns);
        more.add(column);
        return new TableDef(name, shape, more);
    }

    public String qualified() {
        return SqlIdentifiers.qualified("public", name);
    }

    /** The columns besides id that belong to the key: tag, part, or none. */
    public List<String> extraKeyColumns() {
        return switch (shape) {
            case COMPOSITE -> List.of("tag");
            case PARTITIONED -> List.of("part");
            case SIMPLE, KEYLESS -> List.of();
        };
    }

    /** Statements that create the table (and its partitions). */
    public List<String> createStatements() {
        List<String> defs = new ArrayList<>();
        defs.add("id bigint NOT NULL");
        switch (shape) {
            case COMPOSITE -> defs.add("tag text NOT NULL");
            case PARTITIONED -> defs.add("part int NOT NULL");
            default -> { }
        }
        for (ColumnDef c : columns) {
            defs.add(SqlIdentifiers.quote(c.name()) + " " + c.type().sqlType());
        }
        switch (shape) {
            case SIMPLE -> defs.add("PRIMARY KEY (id)");
            case COMPOSITE -> defs.add("PRIMARY KEY (id, tag)");
            case PARTITIONED -> defs.add("PRIMARY KEY (id, part)");
            case KEYLESS -> { }
        }
        List<String> statements = new ArrayList<>();
        statements.add("CREATE TABLE " + qualified() + " (" + String.join(", ", defs) + ")"
                + (shape == Shape.PARTITIONED ? " PARTITION BY LIST (part)" : ""));
        if (shape == Shape.PARTITIONED) {
            statements.add("CREATE TABLE " + SqlIdentifiers.qualified("public", name + "_p01") + " PARTITION OF " + qualified()
                    + " FOR VALUES IN (0, 1)");
            statements.add("CREATE TABLE " + SqlIdentifiers.qualified("public", name + "_p23") + " PARTITION OF " + qualified()
                    + " FOR VALUES IN (2, 3)");
        }
        if (shape == Shape.KEYLESS) {
            // Updates and deletes of a published table without a key need the whole old row.
            statements.add("ALTER TABLE " + qualified() + " REPLICA IDENTITY FULL");
            // VACUUM FULL and CLUSTER need an index to cluster on; a plain one keeps the table keyless.
            statements.add("CREATE INDEX " + SqlIdentifiers.quote(name + "_id") + " ON " + qualified() + " (id)");
        }
        for (ColumnDef c : columns) {
            if (c.type() == ColumnType.TOAST_TEXT) {
                // Uncompressed, so that even repetitive text goes out of line and updates see unchanged-TOAST markers.
                statements.add("ALTER TABLE " + qualified() + " ALTER COLUMN " + SqlIdentifiers.quote(c.name()) + " SET STORAGE EXTERNAL");
            }
        }
        return statements;
    }

    /** The index CLUSTER uses. */
    public String clusterIndex() {
        return switch (shape) {
            case KEYLESS -> name + "_id";
            default -> name + "_pkey";
        };
    }

    /** The key columns' values for a row with this id (tag and part derive from it unless moved). */
    public List<String> keyValues(long id) {
        return switch (shape) {
            case COMPOSITE -> List.of(String.valueOf(id), "'t" + (id % 5) + "'");
            case PARTITIONED -> List.of(String.valueOf(id), String.valueOf(id % 4));
            case SIMPLE, KEYLESS -> List.of(String.valueOf(id));
        };
    }

    /** Column names in insert order: id, the extra key columns, then the others. */
    public List<String> insertColumns() {
        List<String> names = new ArrayList<>();
        names.add("id");
        names.addAll(extraKeyColumns());
        columns.forEach(c -> names.add(c.name()));
        return names;
    }

    public String insertColumnList() {
        return insertColumns().stream().map(SqlIdentifiers::quote).collect(Collectors.joining(", "));
    }
}
