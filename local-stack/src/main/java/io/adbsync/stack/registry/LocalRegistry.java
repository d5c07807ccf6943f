package io.adbsync.stack.registry;

import io.adbsync.stack.net.FreePort;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A schema registry on this machine: Apicurio Registry (unpacked by the local-stack build) run as a child process on a
 * free port, with in-memory storage, so every start is empty. It serves Confluent's REST API under
 * {@link #confluentApiUrl()} and its own under {@link #registryApiUrl()}.
 */
public final class LocalRegistry implements AutoCloseable {

    /** System property naming the unpacked registry directory explicitly; else {@code local-stack/target/apicurio-registry} above the working directory. */
    public static final String HOME_PROPERTY = "adbsync.registry.home";
    private static final Logger log = LoggerFactory.getLogger(LocalRegistry.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final int port;
    private final Path logFile;
    private final Thread shutdownHook;

    private LocalRegistry(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.shutdownHook = new Thread(this::stopProcess, "schema-registry-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the registry on a free port and waits until it answers ready. */
    public static LocalRegistry start() {
        return start(FreePort.find());
    }

    /** Starts the registry on {@code port} and waits until it answers ready. */
    public static LocalRegistry start(int port) {
        Path runner = runnerJar(locate());
        Path logFile;
        try {
            logFile = Files.createTempFile("adbsync-schema-registry-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the schema registry's log file", e);
        }
        List<String> command = new ArrayList<>(List.of(javaCommand(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                // Off the network: Apicurio's anonymous usage reporting and UI are not wanted here.
                "-Dquarkus.analytics.disabled=true", "-jar", runner.toString()));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(runner.getParent().toFile())
                    .redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the schema registry " + runner, e);
        }
        LocalRegistry registry = new LocalRegistry(process, port, logFile);
        try {
            registry.awaitReady();
        } catch (RuntimeException e) {
            // Keeps the log the message points to.
            registry.stopProcess();
            throw e;
        }
        log.info("Schema registry (Apicurio) ready at {}", registry.url());
        return registry;
    }

    /** The registry's base URL, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The Confluent-compatible API: what Confluent's serializers, converters and tools take as their registry URL. */
    public String confluentApiUrl() {
        return url() + "/apis/ccompat/v7";
    }

    /** Apicurio's own API: what Apicurio's converter takes as {@code apicurio.registry.url}. */
    public String registryApiUrl() {
        return url() + "/apis/registry/v2";
    }

    public int port() {
        return port;
    }

    /** Whether the process is still running (tests stop and restart the network path, not the registry: storage is in memory). */
    public boolean isAlive() {
        return process.isAlive();
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url() + "/health/ready")).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The schema registry exited with code " + process.exitValue()
                        + " before it was ready; its output is in " + logFile);
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Still starting.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the schema registry", e);
            }
            sleep(200);
        }
        throw new IllegalStateException("The schema registry was not ready within " + READY_TIMEOUT.toSeconds()
                + " s; its output is in " + logFile);
    }

    /** The unpacked registry: {@value #HOME_PROPERTY}, else {@code local-stack/target/apicurio-registry} above the working directory. */
    static Path locate() {
        String explicit = System.getProperty(HOME_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path home = Paths.get(explicit);
            if (!Files.isDirectory(home)) {
                throw new IllegalStateException(HOME_PROPERTY + " names " + home + ", which is not a directory");
            }
            return home;
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path home = dir.resolve("local-stack").resolve("target").resolve("apicurio-registry");
            if (Files.isDirectory(home)) {
                return home;
            }
        }
        throw new IllegalStateException("The schema registry local-stack/target/apicurio-registry was not found; "
                + "run `mvn -DskipTests package` from the repository root first (it unpacks Apicurio Registry there)");
    }

    private static Path runnerJar(Path home) {
        try (Stream<Path> files = Files.list(home)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("No *-runner.jar in " + home + ": not an unpacked Apicurio Registry"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + home, e);
        }
    }

    /** The java of this JVM: the registry runs on what runs the stack. */
    private static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the schema registry", e);
        }
    }

    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // Already shutting down: the hook runs anyway.
        }
        try {
            Files.deleteIfExists(logFile);
        } catch (IOException e) {
            // A leftover log in the temp directory is harmless.
        }
    }
}
