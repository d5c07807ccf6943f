package io.adbsync.common.config;

import org.apache.kafka.common.config.ConfigDef;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders a connector's ConfigDef as the Markdown config reference in docs/, so the docs cannot drift from the code. */
public final class ConfigDocs {

    private ConfigDocs() {
    }

    public static String markdown(String title, String intro, ConfigDef def) {
        Map<String, List<ConfigDef.ConfigKey>> byGroup = new LinkedHashMap<>();
        for (String group : def.groups()) {
            byGroup.put(group, new ArrayList<>());
        }
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            byGroup.computeIfAbsent(key.group == null ? "Other" : key.group, g -> new ArrayList<>()).add(key);
        }
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n")
                .append("<!-- Generated from the ConfigDef by ConfigDocs; a unit test fails when it is out of date. -->\n\n")
                .append(intro).append("\n");
        byGroup.forEach((group, keys) -> {
            if (keys.isEmpty()) {
                return;
            }
            keys.sort(Comparator.comparingInt(k -> k.orderInGroup));
            md.append("\n## ").append(group).append("\n\n");
            for (ConfigDef.ConfigKey key : keys) {
                md.append("### `").append(key.name).append("`\n\n")
                        .append(key.documentation).append("\n\n")
                        .append("- Type: ").append(key.type.name().toLowerCase()).append('\n')
                        .append("- Default: ").append(defaultOf(key)).append('\n')
                        .append("- Valid values: ").append(key.validator == null ? "any" : key.validator.toString()).append('\n')
                        .append("- Importance: ").append(key.importance.name().toLowerCase()).append("\n\n");
            }
        });
        return md.toString();
    }

    private static String defaultOf(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "none (required)";
        }
        Object value = key.defaultValue;
        if (value == null) {
            return "null";
        }
        String text = value instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList()) : String.valueOf(value);
        return text.isEmpty() ? "\"\"" : "`" + text + "`";
    }
}
