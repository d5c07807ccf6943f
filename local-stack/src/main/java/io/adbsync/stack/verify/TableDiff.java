package io.adbsync.stack.verify;

import java.util.List;

/** The outcome of comparing one table: row counts and the key ranges whose contents differ. */
public record TableDiff(String table, long sourceRows, long destinationRows, int chunks, List<String> differingRanges,
                        String problem) {

    public TableDiff {
        differingRanges = List.copyOf(differingRanges);
    }

    public boolean equal() {
        return problem == null && sourceRows == destinationRows && differingRanges.isEmpty();
    }

    public String describe() {
        if (problem != null) {
            return table + ": " + problem;
        }
        if (equal()) {
            return table + ": equal (" + sourceRows + " rows, " + chunks + " chunk(s) checksummed)";
        }
        StringBuilder sb = new StringBuilder(table).append(": DIFFERENT — source ").append(sourceRows)
                .append(" rows, destination ").append(destinationRows).append(" rows");
        if (!differingRanges.isEmpty()) {
            sb.append("; differing key ranges: ").append(String.join(", ", differingRanges.subList(0, Math.min(10, differingRanges.size()))));
            if (differingRanges.size() > 10) {
                sb.append(" and ").append(differingRanges.size() - 10).append(" more");
            }
        }
        return sb.toString();
    }
}
