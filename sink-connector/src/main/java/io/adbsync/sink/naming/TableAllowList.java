package io.adbsync.sink.naming;

import io.adbsync.common.sql.TableId;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The destination tables the sink may touch ({@code table.allow.list}): regexes matched against the whole
 * {@code schema.table} name, unquoted. Empty allows every table.
 */
public final class TableAllowList {

    private final List<Pattern> patterns;

    public TableAllowList(List<String> regexes) {
        this.patterns = regexes.stream().map(String::trim).filter(r -> !r.isEmpty()).map(Pattern::compile).toList();
    }

    public boolean allows(TableId table) {
        if (patterns.isEmpty()) {
            return true;
        }
        String name = table.schema() + "." + table.table();
        return patterns.stream().anyMatch(p -> p.matcher(name).matches());
    }
}
