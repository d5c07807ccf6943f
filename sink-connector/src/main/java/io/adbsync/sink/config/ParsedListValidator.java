package io.adbsync.sink.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.util.List;
import java.util.function.Function;

/** Validates a LIST setting by running the very parser the task uses, so validation and runtime never disagree. */
final class ParsedListValidator implements ConfigDef.Validator {

    private final Function<List<String>, ?> parser;
    private final String description;

    private ParsedListValidator(Function<List<String>, ?> parser, String description) {
        this.parser = parser;
        this.description = description;
    }

    static ParsedListValidator of(Function<List<String>, ?> parser, String description) {
        return new ParsedListValidator(parser, description);
    }

    @Override
    public void ensureValid(String name, Object value) {
        if (value == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        List<String> entries = (List<String>) value;
        try {
            parser.apply(entries);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name, value, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
