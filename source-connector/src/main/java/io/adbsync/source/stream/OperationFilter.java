package io.adbsync.source.stream;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Per-table choice of the operations to capture ({@code table.operations}): entries {@code regex=insert|update|...};
 * the first entry whose pattern matches {@code schema.table} decides, tables matching none get every operation.
 */
public final class OperationFilter {

    private final Map<Pattern, Set<Operation>> rules;

    private OperationFilter(Map<Pattern, Set<Operation>> rules) {
        this.rules = rules;
    }

    public static OperationFilter all() {
        return new OperationFilter(Map.of());
    }

    /** Parses entries like {@code public\.orders=insert|update}; an error names the entry. */
    public static OperationFilter parse(List<String> entries) {
        Map<Pattern, Set<Operation>> rules = new java.util.LinkedHashMap<>();
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
            rules.put(Pattern.compile(entry.substring(0, eq).trim()), ops);
        }
        return new OperationFilter(rules);
    }

    public boolean applies(CapturedTable table, Operation operation) {
        String name = table.qualifiedName();
        for (Map.Entry<Pattern, Set<Operation>> rule : rules.entrySet()) {
            if (rule.getKey().matcher(name).matches()) {
                return rule.getValue().contains(operation);
            }
        }
        return true;
    }
}
