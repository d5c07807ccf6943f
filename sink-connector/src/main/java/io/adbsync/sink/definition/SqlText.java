package io.adbsync.sink.definition;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the little the applier needs out of SQL text the source's catalog functions wrote ({@code pg_get_expr},
 * {@code pg_get_constraintdef}, {@code pg_get_viewdef}): the identifiers it names, outside string literals, and
 * identifier lists. It never rewrites the text; it only tells whether the text names something the sink renames.
 */
final class SqlText {

    private SqlText() {
    }

    /**
     * Every identifier in {@code sql} as the server reads it: quoted ones exactly, unquoted ones folded to lower case
     * (keywords and function names included, which can only make the applier more careful). String literals
     * ({@code '…'}, {@code E'…'}, dollar-quoted), numbers and comments are skipped.
     */
    static Set<String> identifiers(String sql) {
        Set<String> out = new LinkedHashSet<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            int skipped = skipNonCode(sql, i);
            if (skipped >= 0) {
                i = skipped;
            } else if (c == '"') {
                StringBuilder name = new StringBuilder();
                i = readQuoted(sql, i, name);
                out.add(name.toString());
            } else if (Character.isDigit(c)) {
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.' || sql.charAt(i) == '_')) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (identifierChar(sql, i)) {
                    i++;
                }
                out.add(sql.substring(start, i).toLowerCase(Locale.ROOT));
            } else {
                i++;
            }
        }
        return out;
    }

    /**
     * Whether {@code sql} is one statement: no {@code ;} outside literals, quoted names, dollar quotes and comments, but
     * a trailing one, or those of a SQL-standard function body ({@code BEGIN ATOMIC … END}) that ends the text.
     */
    static boolean singleStatement(String sql) {
        int n = sql.length();
        int i = 0;
        String previousWord = "";
        boolean atomic = false;
        String lastWord = "";
        while (i < n) {
            char c = sql.charAt(i);
            int skipped = skipNonCode(sql, i);
            if (skipped >= 0) {
                i = skipped;
            } else if (c == '"') {
                i = readQuoted(sql, i, new StringBuilder());
                lastWord = "";
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (identifierChar(sql, i)) {
                    i++;
                }
                String word = sql.substring(start, i).toLowerCase(Locale.ROOT);
                atomic |= previousWord.equals("begin") && word.equals("atomic");
                previousWord = word;
                lastWord = word;
            } else if (c == ';') {
                if (!atomic && !sql.substring(i + 1).isBlank()) {
                    return false;
                }
                i++;
            } else {
                if (!Character.isWhitespace(c)) {
                    lastWord = "";
                }
                i++;
            }
        }
        // A standard body ends the statement: nothing may follow its END.
        return !atomic || lastWord.equals("end");
    }

    /**
     * The identifiers of a parenthesized list starting at or after {@code from} ({@code (a, "B c")}), as the server
     * reads them; null when the text there is not a plain identifier list (an expression, for instance).
     */
    static List<String> identifierList(String sql, int from) {
        int open = sql.indexOf('(', from);
        if (open < 0) {
            return null;
        }
        List<String> names = new ArrayList<>();
        int i = open + 1;
        while (true) {
            i = skipSpaces(sql, i);
            if (i >= sql.length()) {
                return null;
            }
            StringBuilder name = new StringBuilder();
            i = readName(sql, i, name);
            if (i < 0) {
                return null;
            }
            names.add(name.toString());
            i = skipSpaces(sql, i);
            if (i >= sql.length()) {
                return null;
            }
            if (sql.charAt(i) == ')') {
                return names;
            }
            if (sql.charAt(i) != ',') {
                return null;
            }
            i++;
        }
    }

    /**
     * Whether a key constraint's definition as pg_get_constraintdef writes it ({@code UNIQUE (a, "b)") INCLUDE (c)}) has
     * INCLUDE columns after its key list.
     */
    static boolean hasIncludeList(String definition) {
        int i = definition.indexOf('(');
        if (i < 0) {
            return false;
        }
        i++;
        while (i < definition.length() && definition.charAt(i) != ')') {
            i = definition.charAt(i) == '"' ? readQuoted(definition, i, new StringBuilder()) : i + 1;
        }
        i = skipSpaces(definition, i + 1);
        return definition.regionMatches(true, i, "INCLUDE", 0, 7) && !identifierChar(definition, i + 7);
    }

    /**
     * A possibly qualified name starting at {@code from} ({@code public.t}, {@code "My Schema"."T"}, {@code t}): its
     * parts as the server reads them, and where the name ends; null when no name starts there.
     */
    static QualifiedName qualifiedName(String sql, int from) {
        List<String> parts = new ArrayList<>();
        int i = skipSpaces(sql, from);
        while (true) {
            StringBuilder part = new StringBuilder();
            i = readName(sql, i, part);
            if (i < 0) {
                return null;
            }
            parts.add(part.toString());
            if (i < sql.length() && sql.charAt(i) == '.') {
                i++;
            } else {
                return new QualifiedName(parts, i);
            }
        }
    }

    /** A name read from SQL text: its parts, and the index just after it. */
    record QualifiedName(List<String> parts, int end) {
    }

    /**
     * Where the text that cannot hold code starting at {@code i} ends: a string literal ({@code '…'}, {@code E'…'}), a
     * dollar-quoted string, a comment; -1 where none starts there. Quoted names are not skipped (they are names).
     */
    private static int skipNonCode(String sql, int i) {
        int n = sql.length();
        char c = sql.charAt(i);
        if (c == '\'') {
            return skipLiteral(sql, i, false);
        }
        if ((c == 'E' || c == 'e') && i + 1 < n && sql.charAt(i + 1) == '\'' && !identifierChar(sql, i - 1)) {
            return skipLiteral(sql, i + 1, true);
        }
        if (c == '$' && !identifierChar(sql, i - 1)) {
            return skipDollar(sql, i);
        }
        if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
            int eol = sql.indexOf('\n', i);
            return eol < 0 ? n : eol + 1;
        }
        if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
            int end = sql.indexOf("*/", i + 2);
            return end < 0 ? n : end + 2;
        }
        return -1;
    }

    /**
     * Reads the name starting at {@code i} into {@code out} as the server reads it (quoted exactly, bare folded to lower
     * case); returns the index after it, or -1 where no name starts there.
     */
    private static int readName(String sql, int i, StringBuilder out) {
        if (i < sql.length() && sql.charAt(i) == '"') {
            return readQuoted(sql, i, out);
        }
        int start = i;
        while (identifierChar(sql, i)) {
            i++;
        }
        if (start == i) {
            return -1;
        }
        out.append(sql.substring(start, i).toLowerCase(Locale.ROOT));
        return i;
    }

    private static boolean identifierChar(String sql, int i) {
        if (i < 0 || i >= sql.length()) {
            return false;
        }
        char c = sql.charAt(i);
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static int skipSpaces(String sql, int i) {
        while (i < sql.length() && Character.isWhitespace(sql.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Reads a quoted identifier starting at the quote at {@code i}; returns the index after its closing quote. */
    private static int readQuoted(String sql, int i, StringBuilder out) {
        i++;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '"') {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '"') {
                    out.append('"');
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            out.append(c);
            i++;
        }
        return i;
    }

    private static int skipLiteral(String sql, int i, boolean backslashEscapes) {
        i++;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
                continue;
            }
            if (c == '\'') {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '\'') {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return i;
    }

    private static int skipDollar(String sql, int i) {
        int close = sql.indexOf('$', i + 1);
        if (close < 0) {
            return i + 1;
        }
        String tag = sql.substring(i, close + 1);
        for (int k = 1; k < tag.length() - 1; k++) {
            char c = tag.charAt(k);
            if (!(Character.isLetterOrDigit(c) || c == '_') || k == 1 && Character.isDigit(c)) {
                // "$1" and the like: a parameter, not a dollar quote.
                return i + 1;
            }
        }
        int end = sql.indexOf(tag, close + 1);
        return end < 0 ? sql.length() : end + tag.length();
    }
}
