package io.adbsync.bench;

import java.util.Map;

/** One measured figure: a scenario, the system measured, its value, and the raw numbers it was computed from. */
public record Measurement(Scenario scenario, String system, Role role, double value, Map<String, Object> details) {

    public Measurement {
        details = Map.copyOf(details);
    }

    /** A run that did not produce a figure (the connector failed, timed out): kept so the report says so. */
    public static Measurement failed(Scenario scenario, String system, Role role, String reason) {
        return new Measurement(scenario, system, role, Double.NaN, Map.of("error", reason));
    }

    public boolean ok() {
        return !Double.isNaN(value);
    }
}
