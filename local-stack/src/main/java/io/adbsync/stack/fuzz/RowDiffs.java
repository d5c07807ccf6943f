package io.adbsync.stack.fuzz;

import io.adbsync.common.sql.SqlIdentifiers;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Explains a differing table row by row, so a failure report says which rows and columns differ and how: rows
 * missing on either side and, for rows on both, each differing column's values (long ones shortened to a prefix and
 * an md5). Reads both tables whole; meant for the fuzzer's small tables.
 */
final class RowDiffs {

    private static final int MAX_REPORTED = 5;

    private RowDiffs() {
    }

    static List<String> explain(Connection source, Connection destination, TableDef table) throws SQLException {
        List<String> columns = new ArrayList<>(List.of("id"));
        columns.addAll(table.extraKeyColumns());
        table.columns().forEach(c -> columns.add(c.name()));
        Map<String, List<String>> a = rows(source, table, columns);
        Map<String, List<String>> b = rows(destination, table, columns);
        List<String> found = new ArrayList<>();
        int missing = 0;
        int extra = 0;
        int changed = 0;
        for (Map.Entry<String, List<String>> e : a.entrySet()) {
            List<String> other = b.get(e.getKey());
            if (other == null) {
                if (missing++ < MAX_REPORTED) {
                    found.add("row " + e.getKey() + " missing at the destination");
                }
            } else if (!other.equals(e.getValue())) {
                if (changed++ < MAX_REPORTED) {
                    for (int i = 0; i < columns.size(); i++) {
                        if (!Objects.equals(e.getValue().get(i), other.get(i))) {
                            found.add("row " + e.getKey() + " column " + columns.get(i) + ": source " + e.getValue().get(i)
                                    + ", destination " + other.get(i));
                        }
                    }
                }
            }
        }
        for (String key : b.keySet()) {
            if (!a.containsKey(key) && extra++ < MAX_REPORTED) {
                found.add("row " + key + " only at the destination");
            }
        }
        found.add(0, table.name() + ": " + missing + " row(s) missing, " + extra + " extra, " + changed + " with other values");
        return found;
    }

    /** Rows by their whole-row text when the table has no key (duplicates then show as one). */
    private static Map<String, List<String>> rows(Connection c, TableDef table, List<String> columns) throws SQLException {
        StringBuilder select = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            String col = SqlIdentifiers.quote(columns.get(i)) + "::text";
            select.append(i == 0 ? "" : ", ").append("CASE WHEN length(").append(col).append(") > 80 THEN left(").append(col)
                    .append(", 40) || '…(md5 ' || md5(").append(col).append(") || ')' ELSE ").append(col).append(" END");
        }
        select.append(" FROM ").append(table.qualified());
        int keyWidth = table.shape() == TableDef.Shape.KEYLESS ? columns.size() : 1 + table.extraKeyColumns().size();
        Map<String, List<String>> rows = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(select.toString())) {
            while (rs.next()) {
                List<String> values = new ArrayList<>(columns.size());
                for (int i = 1; i <= columns.size(); i++) {
                    values.add(rs.getString(i));
                }
                rows.put("(" + String.join(",", values.subList(0, keyWidth).stream().map(String::valueOf).toList()) + ")", values);
            }
        }
        return rows;
    }
}
