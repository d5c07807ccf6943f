package io.adbsync.sink.naming;

import io.adbsync.sink.SinkConfig.NameCase;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Maps source tables and columns to destination names: {@code table.name.map}, {@code table.name.format}, {@code name.case}. */
public final class TableNamer {

    private final String format;
    private final Map<String, TableId> renames;
    private final NameCase nameCase;

    public TableNamer(String format, List<String> mapEntries, NameCase nameCase) {
        this.format = format;
        this.renames = parseMap(mapEntries);
        this.nameCase = nameCase;
    }

    /** Parses {@code source_schema.source_table=dest_schema.dest_table} entries; an error names the entry. */
    public static Map<String, TableId> parseMap(List<String> entries) {
        Map<String, TableId> map = new HashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new IllegalArgumentException("Entry '" + entry + "' must look like source_schema.source_table=dest_schema.dest_table");
            }
            String from = entry.substring(0, eq).trim();
            if (from.indexOf('.') <= 0) {
                throw new IllegalArgumentException("Entry '" + entry + "': the source must be schema.table");
            }
            map.put(from, split(entry.substring(eq + 1).trim(), "Entry '" + entry + "'"));
        }
        return map;
    }

    public TableId tableFor(SourceTable source) {
        TableId renamed = renames.get(source.qualifiedName());
        if (renamed != null) {
            return renamed;
        }
        String name = format.replace("${schema}", source.schema())
                .replace("${table}", source.table())
                .replace("${topic}", source.topic());
        TableId id = split(name.trim(), TableNamer.class.getSimpleName() + " format '" + format + "' for topic " + source.topic());
        return new TableId(applyCase(id.schema()), applyCase(id.table()));
    }

    public String columnName(String sourceName) {
        return applyCase(sourceName);
    }

    private String applyCase(String name) {
        return switch (nameCase) {
            case KEEP -> name;
            case LOWER -> name.toLowerCase(Locale.ROOT);
            case UPPER -> name.toUpperCase(Locale.ROOT);
        };
    }

    /** {@code schema.table}, or just {@code table} in schema public; the first dot separates them. */
    private static TableId split(String name, String what) {
        int dot = name.indexOf('.');
        if (dot < 0) {
            return new TableId("public", name);
        }
        if (dot == 0 || dot == name.length() - 1) {
            throw new IllegalArgumentException(what + ": '" + name + "' is not a valid schema.table name");
        }
        return new TableId(name.substring(0, dot), name.substring(dot + 1));
    }
}
