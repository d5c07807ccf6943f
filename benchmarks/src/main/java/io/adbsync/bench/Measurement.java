package io.adbsync.bench;

import java.util.Map;

/**
 * One measured figure: a scenario, the system measured, its value, and the raw numbers it was computed from.
 * {@code format} is the record format the engine ran with; null for the database's own limits (raw COPY,
 * pg_recvlogical), which go through no converter and stand beside every format's figures. A limit that depends on
 * the records' bytes (the broker's ingest of the pipeline's records) names the format of the records it sent.
 */
public record Measurement(Scenario scenario, String system, Role role, Format format, double value, Map<String, Object> details) {

    public Measurement {
        details = Map.copyOf(details);
        if (role != Role.LIMIT && format == null) {
            throw new IllegalArgumentException("An engine runs with a record format: " + system + " has none");
        }
    }

    /** A figure of {@code engine}, in the engine's format. */
    public static Measurement of(Engine engine, Scenario scenario, double value, Map<String, Object> details) {
        return new Measurement(scenario, engine.system(), engine.role(), engine.format(), value, details);
    }

    /** A figure of the database's own limit. */
    public static Measurement limit(Scenario scenario, String system, double value, Map<String, Object> details) {
        return new Measurement(scenario, system, Role.LIMIT, null, value, details);
    }

    /** A limit measured with the records of {@code format} (their bytes, through no converter). */
    public static Measurement limit(Scenario scenario, String system, Format format, double value, Map<String, Object> details) {
        return new Measurement(scenario, system, Role.LIMIT, format, value, details);
    }

    /** A run of {@code engine} that did not produce a figure (the connector failed, timed out): kept so the report says so. */
    public static Measurement failed(Engine engine, Scenario scenario, String reason) {
        return new Measurement(scenario, engine.system(), engine.role(), engine.format(), Double.NaN, Map.of("error", reason));
    }

    public boolean ok() {
        return !Double.isNaN(value);
    }
}
