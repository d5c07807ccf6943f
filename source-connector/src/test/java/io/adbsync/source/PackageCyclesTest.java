package io.adbsync.source;

import io.adbsync.common.structure.PackageCycles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No package of the source depends on itself through others: the connector and task wire the parts, config reads into
 * the parts' types, and no part reaches back.
 */
class PackageCyclesTest {

    @Test
    void noPackageOfTheSourceReachesItselfThroughOthers() throws IOException {
        Map<String, Set<String>> uses = PackageCycles.uses(Path.of("src/main/java"));
        assertThat(uses).as("packages found").containsKeys("io.adbsync.source", "io.adbsync.source.config", "io.adbsync.source.snapshot");
        assertThat(PackageCycles.cycles(uses)).as("package cycles (each with the packages it depends on)").isEmpty();
    }
}
