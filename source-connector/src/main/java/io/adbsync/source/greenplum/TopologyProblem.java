package io.adbsync.source.greenplum;

/** Why the chosen source mode cannot work with this source, on the config key the user has to look at. */
public record TopologyProblem(String configKey, String message) {
}
