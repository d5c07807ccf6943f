package io.adbsync.source.catalog;

import io.adbsync.common.cache.Memo;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Decides from {@code table.include.list} and {@code table.exclude.list} whether a table is captured. */
public final class TableFilter {

    private static final List<String> SYSTEM_SCHEMAS = List.of("pg_catalog", "information_schema", "pg_toast");
    private final List<Pattern> include;
    private final List<Pattern> exclude;
    private final Set<String> left;
    private final Set<String> also;
    /**
     * What the include and exclude patterns say of each table name seen: the stream asks for every change, and the
     * regexes were a tenth of the stream's own time. The patterns never change; {@code left} and {@code also} are read
     * each time (the latter is live).
     */
    private final Memo<String, Boolean> byPatterns = new Memo<>(10_000, this::matchesPatterns);

    public TableFilter(List<String> include, List<String> exclude) {
        this.include = include.stream().map(Pattern::compile).toList();
        this.exclude = exclude.stream().map(Pattern::compile).toList();
        this.left = Set.of();
        this.also = Set.of();
    }

    private TableFilter(TableFilter base, Collection<String> left, Set<String> also) {
        this.include = base.include;
        this.exclude = base.exclude;
        Set<String> all = new HashSet<>(base.left);
        all.addAll(left);
        this.left = Set.copyOf(all);
        this.also = also;
    }

    /** This filter minus the tables named ({@code schema.table}), e.g. those that cannot be captured. */
    public TableFilter without(Collection<String> tables) {
        return new TableFilter(this, tables, also);
    }

    /**
     * This filter plus the tables {@code also} names ({@code schema.table}), read live: a table removed from that set
     * is no longer captured (tables left out of capture, streamed until that is stored; see LeftTables).
     */
    public TableFilter alsoCapturing(Set<String> also) {
        return new TableFilter(this, List.of(), also);
    }

    public boolean captures(String schema, String table) {
        if (SYSTEM_SCHEMAS.contains(schema) || schema.startsWith("pg_temp") || schema.startsWith("gp_toolkit")) {
            return false;
        }
        String name = schema + "." + table;
        if (also.contains(name)) {
            return true;
        }
        if (left.contains(name)) {
            return false;
        }
        return byPatterns.get(name);
    }

    private boolean matchesPatterns(String name) {
        return (include.isEmpty() || include.stream().anyMatch(p -> p.matcher(name).matches()))
                && exclude.stream().noneMatch(p -> p.matcher(name).matches());
    }

    /** Whether the exclude list names the table (so it stays out whatever the include list says). */
    public boolean excludes(String schema, String table) {
        String name = schema + "." + table;
        return exclude.stream().anyMatch(p -> p.matcher(name).matches());
    }
}
