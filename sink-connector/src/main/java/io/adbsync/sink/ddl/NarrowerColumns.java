package io.adbsync.sink.ddl;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.sink.record.ChangeEvent;
import io.adbsync.sink.record.Column;
import io.adbsync.sink.record.CopyText;
import io.adbsync.sink.record.TableChanges;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refuses a value that its destination column would round without a word: more decimal places than a {@code numeric}'s
 * scale, more fractional-second digits than a time type's precision, a time of day into a {@code date}; also in the
 * elements of arrays of those. Such a column is narrower than the source's (a type changed at the source under
 * {@code schema.sync=tables}, a table made by hand); PostgreSQL rounds into it and says nothing. Columns of the
 * record's own source type are not looked at: their values fit by construction.
 */
final class NarrowerColumns {

    private static final Pattern NUMERIC = Pattern.compile("numeric\\((\\d+)(?:,(-?\\d+))?\\)");
    private static final Pattern FRACTIONAL_SECONDS = Pattern.compile(
            "(?:timestamp|time)\\((\\d)\\) with(?:out)? time zone|interval(?: [a-z ]+)?\\((\\d)\\)");

    private NarrowerColumns() {
    }

    /** What a destination type keeps of a value's digits, or null when it rounds nothing this class knows of. */
    private sealed interface Limit permits Scale, Precision, Elements, DateOnly {
        boolean rounds(String text);

        String what();
    }

    private record Scale(int scale) implements Limit {
        @Override
        public boolean rounds(String text) {
            BigDecimal value;
            try {
                value = new BigDecimal(text);
            } catch (NumberFormatException e) {
                return false; // NaN, ±Infinity
            }
            return value.stripTrailingZeros().scale() > scale;
        }

        @Override
        public String what() {
            return "more decimal places than its scale " + scale + " keeps";
        }
    }

    private record Precision(int digits) implements Limit {
        @Override
        public boolean rounds(String text) {
            // Dates and zone offsets hold no '.'; the digits after the first are the seconds' fraction.
            int dot = text.indexOf('.');
            if (dot < 0) {
                return false;
            }
            int significant = 0;
            for (int i = dot + 1; i < text.length() && Character.isDigit(text.charAt(i)); i++) {
                if (text.charAt(i) != '0') {
                    significant = i - dot;
                }
            }
            return significant > digits;
        }

        @Override
        public String what() {
            return "more fractional-second digits than its precision " + digits + " keeps";
        }
    }

    /** A limit of each element of an array literal (as CopyText writes it: every element quoted but NULL). */
    private record Elements(Limit element) implements Limit {
        private static final Pattern ELEMENT = Pattern.compile("\"([^\"\\\\]*)\"");

        @Override
        public boolean rounds(String text) {
            Matcher m = ELEMENT.matcher(text);
            while (m.find()) {
                if (element.rounds(m.group(1))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String what() {
            return "an element with " + element.what();
        }
    }

    private record DateOnly() implements Limit {
        @Override
        public boolean rounds(String text) {
            // A date's text has no blank; a timestamp's time of day follows the first one, before a zone and era.
            int blank = text.indexOf(' ');
            if (blank < 0) {
                return false;
            }
            for (int i = blank + 1; i < text.length(); i++) {
                char ch = text.charAt(i);
                if (ch == '+' || ch == '-' || ch == ' ') {
                    break;
                }
                if (ch >= '1' && ch <= '9') {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String what() {
            return "a time of day, which a date does not keep";
        }
    }

    private static Limit limitOf(String destinationType) {
        if (destinationType.endsWith("[]")) {
            Limit element = limitOf(destinationType.substring(0, destinationType.indexOf('[')));
            return element == null ? null : new Elements(element);
        }
        if (destinationType.equals("date")) {
            return new DateOnly();
        }
        Matcher numeric = NUMERIC.matcher(destinationType);
        if (numeric.matches()) {
            return new Scale(numeric.group(2) == null ? 0 : Integer.parseInt(numeric.group(2)));
        }
        Matcher seconds = FRACTIONAL_SECONDS.matcher(destinationType);
        if (seconds.matches()) {
            return new Precision(Integer.parseInt(seconds.group(1) != null ? seconds.group(1) : seconds.group(2)));
        }
        return null;
    }

    /** Whether {@code destinationType} rounds values of {@code text} (server input form); for tests. */
    static boolean rounds(String destinationType, String text) {
        Limit limit = limitOf(destinationType);
        return limit != null && limit.rounds(text);
    }

    /**
     * Throws naming the table, the column and both types at the first value of {@code changes} that {@code state}'s
     * column would round. Events of one record schema share their column list, so the columns to look at are worked
     * out once per schema in a batch.
     */
    static void check(TableChanges changes, TableState state) {
        Map<List<Column>, List<Column>> toCheck = new IdentityHashMap<>();
        Map<String, Limit> limits = new java.util.HashMap<>();
        for (ChangeEvent e : changes.deletes()) {
            check(changes, state, e, toCheck, limits);
        }
        for (ChangeEvent e : changes.rowEvents()) {
            check(changes, state, e, toCheck, limits);
        }
    }

    private static void check(TableChanges changes, TableState state, ChangeEvent e, Map<List<Column>, List<Column>> toCheck,
                              Map<String, Limit> limits) {
        List<Column> columns = toCheck.computeIfAbsent(e.columns(), cs -> narrower(cs, state, limits));
        for (Column column : columns) {
            String field = e.fields().get(column.name());
            if (field == null || field.equals(CopyText.NULL)) {
                continue;
            }
            Limit limit = limits.get(column.name());
            if (limit.rounds(field)) {
                String sourceType = sourceType(column);
                throw new RecordSchemaException("Column " + column.name() + " of destination table " + changes.table()
                        + " is " + state.columns().get(column.name()) + ", and a value of it (source type "
                        + (sourceType == null ? "unknown" : sourceType) + ") has " + limit.what()
                        + ": it would be rounded. Give the column the source's type (ALTER TABLE " + changes.table().quoted()
                        + " ALTER COLUMN " + SqlIdentifiers.quote(column.name()) + " TYPE "
                        + (sourceType == null ? "..." : sourceType) + ")");
            }
        }
    }

    private static List<Column> narrower(List<Column> columns, TableState state, Map<String, Limit> limits) {
        List<Column> out = new ArrayList<>();
        for (Column column : columns) {
            String destinationType = state.columns().get(column.name());
            if (destinationType == null || destinationType.equals(ColumnTypes.declaredSourceType(column.schema()))) {
                continue;
            }
            Limit limit = limitOf(destinationType);
            if (limit != null) {
                limits.put(column.name(), limit);
                out.add(column);
            }
        }
        return out;
    }

    /** The type the sink would give the column, or null where it would give none (the record's is not a type name). */
    private static String sourceType(Column column) {
        try {
            return ColumnTypes.sqlType(column.schema(), column.name(), "");
        } catch (RecordSchemaException e) {
            return null;
        }
    }
}
