package io.adbsync.stack.postgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Picks the Greenplum server for tests: {@code ADBSYNC_TEST_GP_URL} if set, else the {@code gp7} script of
 * {@code ../shared/greenplum} next to the repository, started here (it is idempotent and shared by every user of
 * the machine, so it is never stopped by the tests). Tests get databases of their own, never a reset cluster.
 */
public final class Greenplum {

    public static final String URL_ENV = "ADBSYNC_TEST_GP_URL";
    /** The script, relative to the repository root. */
    static final String SCRIPT = "../shared/greenplum/gp7";
    private static final long START_TIMEOUT_SECONDS = 300;
    private static final Logger log = LoggerFactory.getLogger(Greenplum.class);
    private static GreenplumCluster shared;

    private Greenplum() {
    }

    /**
     * Why no Greenplum server can be had here, for a test assumption; empty when {@link #shared()} has one to
     * offer (it may still fail to start, which is then an error, not a skip).
     */
    public static Optional<String> unavailableReason() {
        if (url() != null) {
            return Optional.empty();
        }
        Optional<Path> root = repositoryRoot();
        if (root.isEmpty()) {
            return Optional.of("No Greenplum server for this test: " + URL_ENV + " is not set, and the repository root "
                    + "(a directory with .mvn and pom.xml above " + System.getProperty("user.dir") + ") that "
                    + SCRIPT + " is relative to was not found");
        }
        Path script = root.get().resolve(SCRIPT).normalize();
        if (!Files.isExecutable(script)) {
            return Optional.of("No Greenplum server for this test: " + URL_ENV + " is not set and " + script
                    + " does not exist; set " + URL_ENV + "=jdbc:postgresql://HOST:PORT/DB?user=U&password=P to run it");
        }
        return Optional.empty();
    }

    /** One server per JVM; databases made on it are dropped when the JVM exits (callers drop theirs earlier). */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            String url = url();
            GreenplumCluster server = url != null ? GreenplumCluster.attach(url, URL_ENV) : startScript();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shared-greenplum-cleanup"));
            log.info("Greenplum for tests: {} at {}:{}, {}", server.kind(), server.host(), server.port(), server.version());
            shared = server;
        }
        return shared;
    }

    private static String url() {
        String url = System.getenv(URL_ENV);
        return url == null || url.isBlank() ? null : url.trim();
    }

    private static GreenplumCluster startScript() {
        Path script = repositoryRoot().map(r -> r.resolve(SCRIPT).normalize()).filter(Files::isExecutable)
                .orElseThrow(() -> new IllegalStateException(unavailableReason().orElse("No Greenplum script")));
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException(script + " runs as root (it starts the cluster as OS user gpadmin); "
                    + "run the tests as root or set " + URL_ENV);
        }
        // Test JVMs of several checkouts on this machine may start the one cluster at the same moment: the script
        // is idempotent, but two concurrent first starts would both run pg_ctl start.
        Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "adbsync-gp7-start.lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.lock();
            try {
                return runStart(script);
            } catch (IllegalStateException first) {
                // Someone outside the tests may have started it meanwhile; the second run then finds it running.
                log.warn("{} start failed, trying once more: {}", script, first.getMessage());
                return runStart(script);
            } finally {
                lock.release();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock " + lockFile + " to start " + script, e);
        }
    }

    private static GreenplumCluster runStart(Path script) {
        Path output;
        try {
            output = Files.createTempFile("adbsync-gp7-start-", ".out");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a file for the output of " + script, e);
        }
        try {
            Process process = new ProcessBuilder(script.toString(), "start").redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(script + " start did not finish within " + START_TIMEOUT_SECONDS + " s: " + tail(output));
            }
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            String url = lines.stream().filter(l -> l.startsWith("jdbc:postgresql:")).reduce((a, b) -> b).orElse(null);
            if (process.exitValue() != 0 || url == null) {
                throw new IllegalStateException(script + " start failed (exit code " + process.exitValue() + "): " + tail(output));
            }
            return GreenplumCluster.attach(url, script.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting Greenplum with " + script, e);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                log.debug("Could not remove {}: {}", output, e.getMessage());
            }
        }
    }

    /**
     * The repository root: the {@code adbsync.root} system property the build sets, else the nearest directory at
     * or above the working directory (a module directory under Maven) that holds {@code .mvn} and {@code pom.xml}.
     */
    static Optional<Path> repositoryRoot() {
        String property = System.getProperty("adbsync.root");
        if (property != null && !property.isBlank() && isRoot(Path.of(property))) {
            return Optional.of(Path.of(property).toAbsolutePath().normalize());
        }
        for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (isRoot(dir)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    private static boolean isRoot(Path dir) {
        return Files.isDirectory(dir.resolve(".mvn")) && Files.isRegularFile(dir.resolve("pom.xml"));
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
