package io.adbsync.common.jdbc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The rule for a session's server settings given as pgjdbc's {@code options} ({@code -c name=value ...}): the user's
 * from {@code connection.url} first, then the connector's, so that both apply and the connector's win where both set
 * one (the server applies them in order). The connector's are the ones its parsing depends on (text forms of values).
 */
public final class SessionOptions {

    private SessionOptions() {
    }

    /** {@code users} followed by {@code ours}; either may be null or blank. */
    public static String merge(String users, String ours) {
        if (users == null || users.isBlank()) {
            return ours;
        }
        if (ours == null || ours.isBlank()) {
            return users;
        }
        return users.strip() + " " + ours.strip();
    }

    /** The settings both set, by their server names (lower case, '-' as '_'), in the order {@code users} sets them. */
    public static List<String> collisions(String users, String ours) {
        Set<String> ourNames = names(ours);
        List<String> both = new ArrayList<>();
        for (String name : names(users)) {
            if (ourNames.contains(name)) {
                both.add(name);
            }
        }
        return both;
    }

    /**
     * The names of the settings in {@code options}, as the server reads them: split at whitespace not escaped by a
     * backslash, {@code -c name=value}, {@code -cname=value} or {@code --name=value}; names are case-insensitive and
     * the long form's dashes are underscores.
     */
    static Set<String> names(String options) {
        Set<String> names = new LinkedHashSet<>();
        if (options == null) {
            return names;
        }
        List<String> words = words(options);
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            String setting = null;
            if (word.equals("-c") && i + 1 < words.size()) {
                setting = words.get(++i);
            } else if (word.startsWith("-c")) {
                setting = word.substring(2);
            } else if (word.startsWith("--")) {
                setting = word.substring(2);
            }
            if (setting != null && setting.indexOf('=') > 0) {
                names.add(setting.substring(0, setting.indexOf('=')).replace('-', '_').toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    private static List<String> words(String options) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == '\\' && i + 1 < options.length()) {
                word.append(options.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c);
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }
}
