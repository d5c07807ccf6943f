package io.adbsync.sink.dialect;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares the SQL of each dialect with the golden files in src/test/resources/golden/&lt;dialect&gt;/. Run with
 * -Dgolden.update=true to rewrite them after an intended change, then review the diff.
 */
class DialectGoldenTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    @Test
    void eachDialectGeneratesExactlyItsGoldenSql() throws IOException {
        List<String> mismatches = new ArrayList<>();
        for (Dialect d : GoldenSql.dialects()) {
            compare(GOLDEN.resolve(d.name()), GoldenSql.ddl(d), mismatches);
        }
        compare(GOLDEN.resolve("shared"), GoldenSql.shared(), mismatches);
        assertThat(mismatches).as("SQL differing from its golden file").isEmpty();
    }

    @Test
    void detectsTheProductFromVersion() {
        assertThat(Dialects.forVersion("PostgreSQL 15.4 on x86_64-pc-linux-gnu", false).name()).isEqualTo("postgres");
        assertThat(Dialects.forVersion("PostgreSQL 9.4.26 (Greenplum Database 6.24.3 build commit:abc) on x86_64",
                false).name()).isEqualTo("greenplum6");
        assertThat(Dialects.forVersion("PostgreSQL 12.12 (Greenplum Database 7.1.0 build commit:abc)", false).name())
                .isEqualTo("greenplum7");
        assertThat(Dialects.forVersion("PostgreSQL 14.4 (Cloudberry Database 1.6.0 build 1) on x86_64", false).name())
                .isEqualTo("greenplum7");
        Dialect adb = Dialects.forVersion("PostgreSQL 12.12 (Greenplum Database 7.0.0 build dev) AnalyticDB", true);
        assertThat(adb.supports(StorageEngine.BEAM)).isTrue();
        assertThat(Dialects.forVersion("PostgreSQL 9.4.24 (Greenplum Database 6.3.0 build dev)", false)
                .supports(StorageEngine.BEAM)).isFalse();
    }

    private static void compare(Path dir, Map<String, String> statements, List<String> mismatches) throws IOException {
        boolean update = Boolean.getBoolean("golden.update");
        for (Map.Entry<String, String> e : statements.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".sql");
            String actual = e.getValue() + ";\n";
            if (update) {
                Files.createDirectories(dir);
                Files.writeString(file, actual);
            } else if (!Files.exists(file) || !Files.readString(file).equals(actual)) {
                mismatches.add(file + ":\n" + actual);
            }
        }
    }
}
