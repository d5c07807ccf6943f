package io.adbsync.common.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Config validators the connectors share, each with a message that says what a valid value looks like. */
public final class Validators {

    /** schema.table as the connectors' settings and {@code bin/adbsync} take a table: two names, no dot or space in either. */
    public static final Pattern SCHEMA_TABLE = Pattern.compile("[^.\\s]+\\.[^.\\s]+");

    private Validators() {
    }

    /** Every element of a comma-separated list must be a valid Java regular expression. */
    public static ConfigDef.Validator regexList() {
        return described("comma-separated regular expressions matched against schema.table", (name, value) -> {
            if (value == null) {
                return;
            }
            @SuppressWarnings("unchecked")
            List<String> patterns = (List<String>) value;
            for (String p : patterns) {
                try {
                    Pattern.compile(p);
                } catch (PatternSyntaxException e) {
                    throw new ConfigException(name, p, "Not a valid regular expression: " + e.getDescription());
                }
            }
        });
    }

    /** A value matching {@code pattern}; {@code description} tells the user what that means. */
    public static ConfigDef.Validator matching(Pattern pattern, String description) {
        return described(description, (name, value) -> {
            if (value != null && !pattern.matcher((String) value).matches()) {
                throw new ConfigException(name, value, "Must be " + description);
            }
        });
    }

    /** One of {@code values}, ignoring case; the error lists them in the order given, as the docs do. */
    public static ConfigDef.Validator oneOf(String... values) {
        List<String> allowed = List.of(values);
        return described("one of " + String.join(", ", allowed), (name, value) -> {
            if (value == null || allowed.stream().noneMatch(v -> v.equalsIgnoreCase(((String) value).trim()))) {
                throw new ConfigException(name, value, "Must be one of " + String.join(", ", allowed));
            }
        });
    }

    /**
     * A value the task's own {@code parser} accepts (it throws IllegalArgumentException saying why not), so that
     * validation and the running task never disagree; {@code description} tells the user what a valid value looks like.
     * {@code T} is the setting's parsed type: String for STRING, {@code List<String>} for LIST.
     */
    public static <T> ConfigDef.Validator parsedBy(Function<T, ?> parser, String description) {
        return described(description, (name, value) -> {
            if (value == null) {
                return;
            }
            try {
                @SuppressWarnings("unchecked")
                T typed = (T) value;
                parser.apply(typed);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        });
    }

    /** {@code check}, shown as {@code description} where ConfigDef prints a validator (the generated docs, errors). */
    private static ConfigDef.Validator described(String description, ConfigDef.Validator check) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                check.ensureValid(name, value);
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }
}
