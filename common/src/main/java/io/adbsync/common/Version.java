package io.adbsync.common;

/** The adbsync version the connectors report to Connect, read from the jar manifest. */
public final class Version {

    private Version() {
    }

    public static String get() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version == null ? "unknown" : version;
    }
}
