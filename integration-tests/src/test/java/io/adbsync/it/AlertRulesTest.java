package io.adbsync.it;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert rules shipped in config/monitoring/alerts.yml are valid and fire as their unit tests
 * (config/monitoring/alerts-test.yml) say, checked by Prometheus' own promtool (Debian's {@code prometheus} package,
 * which .ci/run installs).
 */
class AlertRulesTest {

    private static final Path MONITORING = Path.of("..", "config", "monitoring");

    static Path promtool;

    @BeforeAll
    static void findPromtool() {
        promtool = Binaries.find("promtool");
        // In CI .ci/run has installed it: missing there is a broken setup, not a reason to skip.
        if (promtool == null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("promtool is not installed: .ci/run installs Debian's prometheus package");
        }
        Assumptions.assumeTrue(promtool != null,
                "promtool not found on PATH: install Debian's prometheus package (apt-get install -y prometheus) to run the alert rule tests");
    }

    @Test
    void theRulesAreValid() throws Exception {
        assertThat(run("check", "rules", "alerts.yml")).contains("SUCCESS: 6 rules found");
    }

    @Test
    void theRulesPassTheirUnitTests() throws Exception {
        assertThat(run("test", "rules", "alerts-test.yml")).contains("SUCCESS");
    }

    /** Runs promtool in config/monitoring and returns its output, failing on a non-zero exit with that output. */
    private static String run(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(promtool.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(MONITORING.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** Executables looked up on PATH. */
    static final class Binaries {
        private Binaries() {
        }

        /** {@code name} on PATH, or null. */
        static Path find(String name) {
            String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
            for (String dir : path.split(":")) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
            return null;
        }
    }
}
