package io.adbsync.source.stream;

import java.util.List;
import java.util.regex.Pattern;

/** Decides from {@code table.include.list} and {@code table.exclude.list} whether a table is captured. */
public final class TableFilter {

    private static final List<String> SYSTEM_SCHEMAS = List.of("pg_catalog", "information_schema", "pg_toast");
    private final List<Pattern> include;
    private final List<Pattern> exclude;

    public TableFilter(List<String> include, List<String> exclude) {
        this.include = include.stream().map(Pattern::compile).toList();
        this.exclude = exclude.stream().map(Pattern::compile).toList();
    }

    public boolean captures(String schema, String table) {
        if (SYSTEM_SCHEMAS.contains(schema) || schema.startsWith("pg_temp") || schema.startsWith("gp_toolkit")) {
            return false;
        }
        String name = schema + "." + table;
        boolean included = include.isEmpty() || include.stream().anyMatch(p -> p.matcher(name).matches());
        return included && exclude.stream().noneMatch(p -> p.matcher(name).matches());
    }

    /** Whether the exclude list names the table (so it stays out whatever the include list says). */
    public boolean excludes(String schema, String table) {
        String name = schema + "." + table;
        return exclude.stream().anyMatch(p -> p.matcher(name).matches());
    }

    /** Whether every table is captured (no include patterns), so the publication may be FOR ALL TABLES. */
    public boolean includesAll() {
        return include.isEmpty() && exclude.isEmpty();
    }
}
