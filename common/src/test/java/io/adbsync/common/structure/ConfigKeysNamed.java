package io.adbsync.common.structure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The config settings a module's main sources name in their string literals as {@code key=value} (messages telling
 * the user what to set): a key renamed in the ConfigDef and not in the message would send users to a setting that
 * does not exist, and nothing else would notice.
 */
public final class ConfigKeysNamed {

    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
    private static final Pattern SETTING = Pattern.compile("(?<![\\w.])([a-z]+(?:\\.[a-z_]+)+)=");

    private ConfigKeysNamed() {
    }

    /** Each key named as {@code key=} in a string literal under {@code sources}, with the files naming it. */
    public static Map<String, Set<String>> in(Path sources) throws IOException {
        Map<String, Set<String>> keys = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher literal = LITERAL.matcher(Files.readString(file));
                while (literal.find()) {
                    Matcher setting = SETTING.matcher(literal.group(1));
                    while (setting.find()) {
                        keys.computeIfAbsent(setting.group(1), k -> new TreeSet<>()).add(file.getFileName().toString());
                    }
                }
            }
        }
        return keys;
    }
}
