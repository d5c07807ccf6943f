package io.adbsync.sink.definition;

import io.adbsync.sink.dialect.Dialect;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares the SQL rendered for the sample definitions with the golden files (golden/&lt;dialect&gt;/definition_*.sql,
 * golden/shared/definition_*.sql). Run with -Dgolden.update=true to rewrite them after an intended change, then
 * review the diff.
 */
class DefinitionGoldenTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden");

    @Test
    void eachDialectRendersExactlyItsGoldenSql() throws IOException {
        List<String> mismatches = new ArrayList<>();
        for (Dialect d : DefinitionGolden.dialects()) {
            compare(GOLDEN.resolve(d.name()), DefinitionGolden.ddl(d), mismatches);
        }
        compare(GOLDEN.resolve("shared"), DefinitionGolden.shared(), mismatches);
        assertThat(mismatches).as("SQL differing from its golden file").isEmpty();
    }

    private static void compare(Path dir, Map<String, String> files, List<String> mismatches) throws IOException {
        boolean update = Boolean.getBoolean("golden.update");
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".sql");
            if (update) {
                Files.createDirectories(dir);
                Files.writeString(file, e.getValue());
            } else if (!Files.exists(file) || !Files.readString(file).equals(e.getValue())) {
                mismatches.add(file + ":\n" + e.getValue());
            }
        }
    }
}
