package io.adbsync.source.catalog;

import io.adbsync.common.config.Validators;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses {@code table.filters}: entries {@code schema.table: condition} separated by {@code ;}. A condition is SQL the
 * connector puts between parentheses in several statements (the publication's table list, the copy's WHERE, the
 * connector's own evaluation), so it is read with PostgreSQL's lexical rules and refused unless it stays inside them:
 * every parenthesis it closes it opened, it leaves none open, and it ends outside any string, quoted identifier or
 * dollar quote, with no comment (which could hide the closing parenthesis) and no {@code ;} outside quotes. Plain
 * string literals are read both ways standard_conforming_strings can make the server read them, and the condition
 * must pass either way, so the server's setting cannot change where a string ends.
 */
public final class RowFilterConditions {

    private RowFilterConditions() {
    }

    /** The conditions by schema.table, in the order given; IllegalArgumentException names the bad entry or table. */
    public static Map<String, String> parse(String value) {
        Map<String, String> filters = new LinkedHashMap<>();
        if (value == null || value.isBlank()) {
            return filters;
        }
        for (String entry : entries(value)) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            String table = colon < 0 ? "" : entry.substring(0, colon).trim();
            String condition = colon < 0 ? "" : entry.substring(colon + 1).trim();
            if (!Validators.SCHEMA_TABLE.matcher(table).matches() || condition.isEmpty()) {
                throw new IllegalArgumentException("Entry '" + entry.trim() + "' must look like schema.table: condition");
            }
            check(table, condition);
            if (filters.put(table, condition) != null) {
                throw new IllegalArgumentException("Table " + table + " has more than one filter");
            }
        }
        return filters;
    }

    /**
     * Splits at each {@code ;} outside quotes. Where a quote does not end, the rest is one entry, which {@link #check}
     * then refuses with the reason.
     */
    private static List<String> entries(String value) {
        List<String> entries = new ArrayList<>();
        int start = 0;
        Lexer lexer = new Lexer(value, false);
        for (int i = 0; i < value.length(); ) {
            if (value.charAt(i) == ';') {
                entries.add(value.substring(start, i));
                start = ++i;
                continue;
            }
            int next = lexer.skipQuoted(i);
            i = next < 0 ? value.length() : next > i ? next : i + 1;
        }
        entries.add(value.substring(start));
        return entries;
    }

    /** Refuses a condition that would not stay inside the parentheses it is put in, naming the table and the place. */
    static void check(String table, String condition) {
        for (boolean backslashEscapes : new boolean[] {false, true}) {
            String problem = new Lexer(condition, backslashEscapes).problem();
            if (problem != null) {
                throw new IllegalArgumentException("The row filter of " + table + " has " + problem
                        + (backslashEscapes ? " (when read with standard_conforming_strings=off, where a backslash in "
                        + "a string escapes the next character)" : "") + "; a condition must stay inside the parentheses "
                        + "it is put in: " + condition);
            }
        }
    }

    /**
     * The condition as the text of a JDBC prepared statement: pgjdbc takes a {@code ?} outside quotes for a parameter,
     * so the condition's own (the jsonb {@code ?} operator) are doubled, which pgjdbc sends as one.
     */
    public static String forPreparedStatement(String condition) {
        Lexer lexer = new Lexer(condition, false);
        StringBuilder out = new StringBuilder(condition.length() + 4);
        for (int i = 0; i < condition.length(); ) {
            int next = lexer.skipQuoted(i);
            if (next < 0) {
                return out.append(condition, i, condition.length()).toString();
            }
            if (next > i) {
                out.append(condition, i, next);
                i = next;
                continue;
            }
            char c = condition.charAt(i);
            out.append(c == '?' ? "??" : String.valueOf(c));
            i++;
        }
        return out.toString();
    }

    /** PostgreSQL's lexical rules, as far as they decide where quotes, comments and parentheses are. */
    private static final class Lexer {
        private final String s;
        /** Whether plain '...' strings take backslash escapes (standard_conforming_strings=off). */
        private final boolean backslashEscapes;
        private String problem;

        Lexer(String s, boolean backslashEscapes) {
            this.s = s;
            this.backslashEscapes = backslashEscapes;
        }

        /** What is wrong with the whole text as a condition, or null. */
        String problem() {
            int depth = 0;
            for (int i = 0; i < s.length(); ) {
                char c = s.charAt(i);
                int next = skipQuoted(i);
                if (next < 0) {
                    return problem;
                }
                if (next > i) {
                    i = next;
                    continue;
                }
                char after = i + 1 < s.length() ? s.charAt(i + 1) : 0;
                if (c == 0) {
                    return "a NUL character at position " + (i + 1);
                } else if ((c == '-' && after == '-') || (c == '/' && after == '*')) {
                    return "a comment ('" + c + after + "') at position " + (i + 1);
                } else if (c == ';') {
                    return "a ';' outside quotes at position " + (i + 1);
                } else if (c == '(') {
                    depth++;
                } else if (c == ')' && --depth < 0) {
                    return "a ')' at position " + (i + 1) + " that closes a parenthesis the condition did not open";
                }
                i++;
            }
            return depth == 0 ? null : depth + " '(' not closed";
        }

        /**
         * If a string, quoted identifier, dollar quote, identifier or parameter starts at {@code i}, the position after
         * it; {@code i} if none does; -1 (with {@link #problem} set) if it does not end.
         */
        int skipQuoted(int i) {
            char c = s.charAt(i);
            if (c == '\'') {
                return skipString(i + 1, backslashEscapes);
            }
            if (c == '"') {
                return skipQuotedIdentifier(i + 1);
            }
            if (c == '$') {
                return skipDollar(i);
            }
            if (!identifierStart(c)) {
                return i;
            }
            int end = i + 1;
            while (end < s.length() && identifierPart(s.charAt(end))) {
                end++;
            }
            String word = s.substring(i, end).toLowerCase(Locale.ROOT);
            char next = end < s.length() ? s.charAt(end) : 0;
            if (next == '\'') {
                // E'...' always takes backslash escapes; B'...' and X'...' never do; N'...' is a plain string.
                return switch (word) {
                    case "e" -> skipString(end + 1, true);
                    case "b", "x" -> skipString(end + 1, false);
                    default -> end;
                };
            }
            if (word.equals("u") && next == '&' && end + 1 < s.length()) {
                // U&'...' and U&"..." end at a quote that is not doubled, whatever the escape character is.
                char quote = s.charAt(end + 1);
                return quote == '\'' ? skipString(end + 2, false) : quote == '"' ? skipQuotedIdentifier(end + 2) : end;
            }
            return end;
        }

        private int skipString(int from, boolean escapes) {
            for (int i = from; i < s.length(); i++) {
                char c = s.charAt(i);
                if (escapes && c == '\\') {
                    i++;
                } else if (c == '\'') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '\'') {
                        i++;
                    } else {
                        int continued = continuation(i + 1);
                        if (continued < 0) {
                            return i + 1;
                        }
                        i = continued;
                    }
                }
            }
            problem = "a string that does not end (opened at position " + from + ")";
            return -1;
        }

        /**
         * Where a string that closed just before {@code from} goes on, or -1. The server reads a quote after whitespace
         * holding a newline as the same string continued, with the escapes of its first part: E'a'(newline)'\'' is one
         * E'' string, so reading its second part as a plain string would end it at another quote.
         */
        private int continuation(int from) {
            int i = from;
            while (i < s.length() && " \t\f\u000B".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            if (i >= s.length() || (s.charAt(i) != '\n' && s.charAt(i) != '\r')) {
                return -1;
            }
            while (i < s.length() && " \t\n\r\f\u000B".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            return i < s.length() && s.charAt(i) == '\'' ? i : -1;
        }

        private int skipQuotedIdentifier(int from) {
            for (int i = from; i < s.length(); i++) {
                if (s.charAt(i) == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                        i++;
                    } else {
                        return i + 1;
                    }
                }
            }
            problem = "a quoted identifier that does not end (opened at position " + from + ")";
            return -1;
        }

        /** A $n parameter, a $tag$...$tag$ dollar quote, or a lone '$' (an operator character). */
        private int skipDollar(int i) {
            int end = i + 1;
            if (end < s.length() && Character.isDigit(s.charAt(end))) {
                while (end < s.length() && Character.isDigit(s.charAt(end))) {
                    end++;
                }
                return end;
            }
            if (end < s.length() && identifierStart(s.charAt(end))) {
                end++;
                while (end < s.length() && identifierPart(s.charAt(end)) && s.charAt(end) != '$') {
                    end++;
                }
            }
            if (end >= s.length() || s.charAt(end) != '$') {
                return i + 1;
            }
            String tag = s.substring(i, end + 1);
            int close = s.indexOf(tag, end + 1);
            if (close < 0) {
                problem = "a dollar-quoted string " + tag + " that does not end (opened at position " + (i + 1) + ")";
                return -1;
            }
            return close + tag.length();
        }

        private static boolean identifierStart(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
        }

        private static boolean identifierPart(char c) {
            return identifierStart(c) || (c >= '0' && c <= '9') || c == '$';
        }
    }
}
