package io.adbsync.common.filter;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Per-table choice of the operations to capture or apply ({@code table.operations} of both connectors): entries {@code regex=insert|update|...}
 * on the source {@code schema.table}; the first matching entry decides, tables matching none get every operation.
 */
public final class OperationFilter {

    private final Map<Pattern, Set<Operation>> rules;

    private OperationFilter(Map<Pattern, Set<Operation>> rules) {
        this.rules = rules;
    }

    /** Parses the entries; an error names the entry and what is wrong with it. */
    public static OperationFilter parse(List<String> entries) {
        Map<Pattern, Set<Operation>> rules = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Entry '" + entry + "' must look like schema\\.table=insert|update|delete|truncate");
            }
            Set<Operation> ops = EnumSet.noneOf(Operation.class);
            for (String op : entry.substring(eq + 1).split("\\|")) {
                if (op.isBlank()) {
                    continue;
                }
                try {
                    ops.add(Operation.valueOf(op.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Entry '" + entry + "': unknown operation '" + op.trim()
                            + "' (use insert, update, delete, truncate)");
                }
            }
            try {
                rules.put(Pattern.compile(entry.substring(0, eq).trim()), ops);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("Entry '" + entry + "': not a valid regular expression: " + e.getDescription());
            }
        }
        return new OperationFilter(rules);
    }

    public boolean applies(String qualifiedSourceTable, Operation operation) {
        for (Map.Entry<Pattern, Set<Operation>> rule : rules.entrySet()) {
            if (rule.getKey().matcher(qualifiedSourceTable).matches()) {
                return rule.getValue().contains(operation);
            }
        }
        return true;
    }
}
