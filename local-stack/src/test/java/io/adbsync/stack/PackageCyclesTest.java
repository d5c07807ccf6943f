package io.adbsync.stack;

import io.adbsync.common.structure.PackageCycles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** No package of the local stack depends on itself through others: the stack and the CLI wire the parts. */
class PackageCyclesTest {

    @Test
    void noPackageOfTheLocalStackReachesItselfThroughOthers() throws IOException {
        Map<String, Set<String>> uses = PackageCycles.uses(Path.of("src/main/java"));
        assertThat(uses).as("packages found").containsKeys("io.adbsync.stack", "io.adbsync.stack.registry");
        assertThat(PackageCycles.cycles(uses)).as("package cycles (each with the packages it depends on)").isEmpty();
    }
}
