package io.adbsync.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Runs one scenario for each engine in turn; an engine that fails gets "failed" figures and the others still run. */
final class EngineRuns {

    /** One engine's measurement of a scenario. */
    interface Run {
        List<Measurement> measure(Engine engine) throws Exception;
    }

    private EngineRuns() {
    }

    static List<Measurement> each(List<Engine> engines, PrintStream log, String label, List<Scenario> scenarios, Run run) {
        List<Measurement> results = new ArrayList<>();
        for (Engine engine : engines) {
            try {
                results.addAll(run.measure(engine));
            } catch (Exception e) {
                log.printf("%s: %s failed: %s%n", label, engine.label(), e.getMessage());
                for (Scenario scenario : scenarios) {
                    results.add(Measurement.failed(engine, scenario, SourceBench.firstLine(e)));
                }
            }
        }
        return results;
    }
}
