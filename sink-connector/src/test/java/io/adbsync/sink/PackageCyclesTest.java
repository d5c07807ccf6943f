package io.adbsync.sink;

import io.adbsync.common.structure.PackageCycles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No package of the sink depends on itself through others: the connector and task wire the parts, config reads into
 * the parts' types, and no part reaches back.
 */
class PackageCyclesTest {

    @Test
    void noPackageOfTheSinkReachesItselfThroughOthers() throws IOException {
        Map<String, Set<String>> uses = PackageCycles.uses(Path.of("src/main/java"));
        assertThat(uses).as("packages found").containsKeys("io.adbsync.sink", "io.adbsync.sink.config", "io.adbsync.sink.ddl");
        assertThat(PackageCycles.cycles(uses)).as("package cycles (each with the packages it depends on)").isEmpty();
    }
}
