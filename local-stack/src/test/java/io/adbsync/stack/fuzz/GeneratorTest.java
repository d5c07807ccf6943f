package io.adbsync.stack.fuzz;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class GeneratorTest {

    private static List<String> run(long seed, Set<Feature> features, int steps) {
        Generator generator = new Generator(seed, features);
        List<String> log = new ArrayList<>();
        generator.setup(100).forEach(s -> log.add(s.render()));
        for (int i = 0; i < steps; i++) {
            log.add(generator.next().render());
        }
        generator.finalTouch().forEach(s -> log.add(s.render()));
        return log;
    }

    @Test
    void theSameSeedAndFeaturesGiveTheSameOperations() {
        assertThat(run(42, Feature.all(), 3000)).isEqualTo(run(42, Feature.all(), 3000));
        assertThat(run(42, Feature.all(), 300)).isNotEqualTo(run(43, Feature.all(), 300));
    }

    @Test
    void aFeatureThatIsOffIsNeverGenerated() {
        List<String> log = run(7, EnumSet.noneOf(Feature.class), 5000);
        assertThat(String.join("\n", log)).doesNotContain("PARTITION BY", "TRUNCATE", "VACUUM FULL", "CLUSTER", "ADD COLUMN",
                "DROP TABLE", "NaN", "money", "SET STORAGE EXTERNAL", "REPLICA IDENTITY FULL", "-- FAULT", "SET id =", "PRIMARY KEY (id, tag)");
    }

    @Test
    void everyFeatureShowsUpInALongEnoughRun() {
        String log = String.join("\n", run(7, Feature.all(), 20_000));
        assertThat(log).contains("PARTITION BY LIST", "SET part =", "REPLICA IDENTITY FULL", "PRIMARY KEY (id, tag)",
                "SET STORAGE EXTERNAL", "SET id =", "TRUNCATE", "ADD COLUMN", "VACUUM FULL", "CLUSTER", "DROP TABLE",
                "'NaN'::", "::money", "ROLLBACK", "generate_series");
        for (Fault fault : Fault.values()) {
            assertThat(log).contains("-- FAULT " + fault);
        }
    }

    @Test
    void featuresParseAndPrintTheSameWay() {
        Set<Feature> features = EnumSet.of(Feature.TOAST, Feature.FAULT_WALSENDER, Feature.KEY_CHANGES);
        assertThat(Feature.parse(Feature.describe(features))).isEqualTo(features);
        assertThat(Feature.parse("all")).isEqualTo(Feature.all());
        assertThat(Feature.parse("none")).isEmpty();
    }
}
