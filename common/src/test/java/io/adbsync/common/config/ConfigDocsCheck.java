package io.adbsync.common.config;

import org.apache.kafka.common.config.ConfigDef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test helper: compares a committed config reference with what the ConfigDef renders; with
 * {@code -Dadbsync.docs.update=true} it rewrites the file instead.
 */
public final class ConfigDocsCheck {

    private ConfigDocsCheck() {
    }

    public static void check(Path committed, String title, String intro, ConfigDef def) throws IOException {
        String generated = ConfigDocs.markdown(title, intro, def);
        if (Boolean.getBoolean("adbsync.docs.update")) {
            Files.createDirectories(committed.getParent());
            Files.writeString(committed, generated);
        }
        assertThat(Files.exists(committed))
                .as(committed + " is missing; run mvn test -Dadbsync.docs.update=true").isTrue();
        assertThat(Files.readString(committed))
                .as(committed + " is out of date with the ConfigDef; run mvn test -Dadbsync.docs.update=true")
                .isEqualTo(generated);
    }
}
