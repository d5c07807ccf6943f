package io.adbsync.sink.naming;

import io.adbsync.common.cache.Memo;
import io.adbsync.common.sql.TableId;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps source tables and columns to destination names: {@code table.name.map}, {@code table.name.format}, {@code name.case}. */
public final class TableNamer {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(schema|table|topic)}");

    private final String format;
    private final Map<String, TableId> renames;
    private final NameCase nameCase;
    /** Each source table's destination: asked for every record. */
    private final Memo<SourceTable, TableId> resolved = new Memo<>(10_000, this::resolve);

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

    /** The destination table of a source table, resolved once per source table. */
    public TableId tableFor(SourceTable source) {
        return resolved.get(source);
    }

    private TableId resolve(SourceTable source) {
        TableId renamed = renames.get(source.qualifiedName());
        if (renamed != null) {
            return renamed;
        }
        String what = TableNamer.class.getSimpleName() + " format '" + format + "' for topic " + source.topic();
        int dot = separatorDot(format);
        TableId id;
        if (dot < 0 && format.contains("${topic}")) {
            // A topic names prefix.schema.table: the dots it brings separate.
            id = split(substitute(format, source).trim(), what);
        } else if (dot < 0) {
            // Dots inside a source schema or table name are part of the name: "a.b" must not land in schema a.
            String table = substitute(format, source).trim();
            if (table.isEmpty()) {
                throw new IllegalArgumentException(what + ": the table name is empty");
            }
            id = new TableId("public", table);
        } else {
            // The format's own dot separates schema and table: a source name may hold dots ("my.schema").
            String schema = substitute(format.substring(0, dot), source).trim();
            String table = substitute(format.substring(dot + 1), source).trim();
            if (schema.isEmpty() || table.isEmpty()) {
                throw new IllegalArgumentException(what + ": '" + schema + "." + table + "' is not a valid schema.table name");
            }
            id = new TableId(schema, table);
        }
        return new TableId(applyCase(id.schema()), applyCase(id.table()));
    }

    private static String substitute(String template, SourceTable source) {
        // One pass: a source name that reads like a placeholder ("${table}") is a name, not a placeholder.
        return PLACEHOLDER.matcher(template).replaceAll(m -> Matcher.quoteReplacement(switch (m.group(1)) {
            case "schema" -> source.schema();
            case "table" -> source.table();
            default -> source.topic();
        }));
    }

    /** The first dot of the format outside a {@code ${...}} placeholder, or -1. */
    private static int separatorDot(String format) {
        boolean inPlaceholder = false;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '$' && i + 1 < format.length() && format.charAt(i + 1) == '{') {
                inPlaceholder = true;
            } else if (c == '}') {
                inPlaceholder = false;
            } else if (c == '.' && !inPlaceholder) {
                return i;
            }
        }
        return -1;
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
        if (dot == 0 || dot == name.length() - 1) {
            throw new IllegalArgumentException(what + ": '" + name + "' is not a valid schema.table name");
        }
        return TableId.parse(name, "public");
    }
}
