package io.adbsync.common.structure;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** No package of common depends on itself through others: config builds on jdbc, sql and contract, not the reverse. */
class PackageCyclesTest {

    @Test
    void noPackageOfCommonReachesItselfThroughOthers() throws IOException {
        Map<String, Set<String>> uses = PackageCycles.uses(Path.of("src/main/java"));
        assertThat(uses).as("packages found").containsKeys("io.adbsync.common.config", "io.adbsync.common.jdbc");
        assertThat(PackageCycles.cycles(uses)).as("package cycles (each with the packages it depends on)").isEmpty();
    }
}
