package io.adbsync.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * Where the running {@code bin/adbsync stack} or {@code demo} listens, in a small properties file
 * ({@code ~/.adbsync/stack.properties}, or the {@code adbsync.stack.file} system property): how {@code bin/adbsync
 * topics} and {@code tail} find the broker and the schema registry without being told.
 *
 * @param registryUrl the registry's Confluent-compatible API, null without one
 * @param metricsUrl  the Prometheus endpoint, null without one
 */
public record RunningStack(long pid, String bootstrapServers, String connectUrl, String registryUrl, String metricsUrl) {

    /** The file this machine's user's running stack is described in. */
    public static Path file() {
        String configured = System.getProperty("adbsync.stack.file");
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".adbsync", "stack.properties");
    }

    /** Describes {@code stack}, run by this process, in {@link #file()}. */
    public static RunningStack of(LocalStack stack) {
        return new RunningStack(ProcessHandle.current().pid(), stack.bootstrapServers(),
                stack.connect().url().toString().replaceAll("/$", ""),
                stack.registry().map(r -> r.confluentApiUrl()).orElse(null),
                stack.metrics().map(m -> m.url().toString()).orElse(null));
    }

    /** Writes this description (replacing a stale one) and removes it when this JVM ends. */
    public void publish() {
        Path file = file();
        Properties props = new Properties();
        props.setProperty("pid", Long.toString(pid));
        props.setProperty("bootstrap.servers", bootstrapServers);
        props.setProperty("connect.url", connectUrl);
        if (registryUrl != null) {
            props.setProperty("registry.url", registryUrl);
        }
        if (metricsUrl != null) {
            props.setProperty("metrics.url", metricsUrl);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer out = Files.newBufferedWriter(tmp)) {
                props.store(out, "bin/adbsync stack/demo of process " + pid + "; removed when it stops");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::withdraw, "adbsync-stack-file"));
    }

    /** Removes the description if it is still this one's. */
    public void withdraw() {
        read().filter(r -> r.pid == pid).ifPresent(r -> {
            try {
                Files.deleteIfExists(file());
            } catch (IOException e) {
                // A stale file names a process that is gone, which read() recognises.
            }
        });
    }

    /** The stack described in {@link #file()}, if its process still runs. */
    public static Optional<RunningStack> read() {
        Path file = file();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(props.getProperty("pid", ""));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // A killed stack leaves its file behind: its process is gone, and so is its broker.
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && props.getProperty("bootstrap.servers") != null) {
            return Optional.of(new RunningStack(pid, props.getProperty("bootstrap.servers"), props.getProperty("connect.url"),
                    props.getProperty("registry.url"), props.getProperty("metrics.url")));
        }
        return Optional.empty();
    }
}
