package io.adbsync.stack.postgres;

import io.adbsync.stack.net.FreePort;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server started from the machine's binaries ({@code initdb}, {@code pg_ctl}) in a temporary
 * directory on a free port, with logical replication on; run as the {@code postgres} user when the JVM is root.
 */
public final class LocalPostgres implements PostgresServer {

    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);
    private static final String SUPERUSER = "postgres";
    private static final int START_ATTEMPTS = 3;

    private final Path binDir;
    private final Path baseDir;
    private final Path dataDir;
    private final boolean asPostgresUser;
    private final Thread shutdownHook;
    private int port;
    private volatile boolean running;

    private LocalPostgres(Path binDir, Path baseDir, boolean asPostgresUser) {
        this.binDir = binDir;
        this.baseDir = baseDir;
        this.dataDir = baseDir.resolve("data");
        this.asPostgresUser = asPostgresUser;
        this.shutdownHook = new Thread(this::close, "local-postgres-cleanup");
    }

    /** Whether this machine has PostgreSQL server binaries this class can start. */
    public static boolean available() {
        return findBinDir().isPresent();
    }

    /** A program from the same PostgreSQL installation the servers start from (pg_recvlogical, psql). */
    public static Optional<Path> program(String name) {
        // initdb on PATH may be a link into the installation's bin directory, which holds the other programs.
        return findBinDir().map(dir -> dir.resolve("initdb")).map(initdb -> {
            try {
                return initdb.toRealPath().getParent().resolve(name);
            } catch (IOException e) {
                return initdb.resolveSibling(name);
            }
        }).filter(Files::isExecutable);
    }

    /** Initialises and starts a new server; {@code settings} are extra postgresql.conf lines (name → value). */
    public static LocalPostgres launch(Map<String, String> settings) {
        return launch(settings, null);
    }

    /**
     * As {@link #launch(Map)}, with TLS on ({@code ssl = on}) when {@code tls} is given: its files are copied into the
     * data directory and its lines make up {@code pg_hba.conf} after the fixture's own, which let only the superuser of
     * {@link #user()} in without TLS (test setup and checks); nobody else gets in but by those lines.
     */
    public static LocalPostgres launch(Map<String, String> settings, ServerTls tls) {
        Path binDir = findBinDir().orElseThrow(() -> new IllegalStateException(
                "No PostgreSQL server binaries found: put initdb and pg_ctl on PATH or install them under "
                        + "/usr/lib/postgresql/<version>/bin, or set ADBSYNC_TEST_PG_URL to a server with wal_level=logical"));
        boolean root = "root".equals(System.getProperty("user.name"));
        Path baseDir;
        try {
            baseDir = Files.createTempDirectory("adbsync-pg-");
            if (root) {
                // PostgreSQL refuses to run as root: the postgres user must own its directory.
                UserPrincipal postgres = baseDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SUPERUSER);
                Files.setOwner(baseDir, postgres);
                Files.setPosixFilePermissions(baseDir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare a directory for a local PostgreSQL server", e);
        }
        LocalPostgres server = new LocalPostgres(binDir, baseDir, root);
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        try {
            server.initdb(settings, tls);
            server.startOnFreePort();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void initdb(Map<String, String> settings, ServerTls tls) {
        run(List.of(bin("initdb"), "-D", dataDir.toString(), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-sync"), "initdb");
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("listen_addresses", "'127.0.0.1'");
        conf.put("unix_socket_directories", "'" + baseDir + "'");
        conf.put("wal_level", "logical");
        // Test suites leave a slot per source connector they deploy on one shared server.
        conf.put("max_replication_slots", "128");
        conf.put("max_wal_senders", "64");
        conf.put("max_connections", "200");
        // Two-phase commit decoding needs prepared transactions.
        conf.put("max_prepared_transactions", "10");
        // Test and demo data are disposable; skipping fsync makes the servers several times faster. Commits
        // stay synchronous so a killed server (fault tests) keeps every commit it acknowledged: the WAL
        // reaches the OS page cache before the client hears "committed".
        conf.put("fsync", "off");
        conf.put("full_page_writes", "off");
        conf.put("log_min_messages", "warning");
        if (tls != null) {
            conf.putAll(enableTls(tls));
        }
        conf.putAll(settings);
        StringBuilder lines = new StringBuilder("\n# adbsync local server\n");
        conf.forEach((k, v) -> lines.append(k).append(" = ").append(v).append('\n'));
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), lines, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write postgresql.conf in " + dataDir, e);
        }
    }

    /** Copies the TLS files where the server reads them, writes pg_hba.conf and returns the settings that turn TLS on. */
    private Map<String, String> enableTls(ServerTls tls) {
        List<String> hba = new ArrayList<>(List.of(
                "# The fixture's own superuser (test setup and checks), also without TLS.",
                "local all all trust",
                "host all " + SUPERUSER + " 127.0.0.1/32 trust",
                "host replication " + SUPERUSER + " 127.0.0.1/32 trust",
                "# The test's own lines."));
        hba.addAll(tls.hbaLines());
        try {
            copyAsServerFile(tls.certificate(), "server.crt");
            // The server refuses a key that others may read.
            copyAsServerFile(tls.key(), "server.key");
            copyAsServerFile(tls.clientCa(), "client-ca.crt");
            writeAsServerFile(String.join("\n", hba) + "\n", "pg_hba.conf");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot install the TLS files in " + dataDir, e);
        }
        return Map.of("ssl", "on", "ssl_cert_file", "'server.crt'", "ssl_key_file", "'server.key'",
                "ssl_ca_file", "'client-ca.crt'");
    }

    private void copyAsServerFile(Path from, String name) throws IOException {
        writeAsServerFile(Files.readString(from), name);
    }

    /** Writes {@code content} into the data directory, readable by the server's user only. */
    private void writeAsServerFile(String content, String name) throws IOException {
        Path file = dataDir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        if (asPostgresUser) {
            Files.setOwner(file, file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SUPERUSER));
        }
    }

    private void startOnFreePort() {
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            port = FreePort.find();
            try {
                start();
                return;
            } catch (IllegalStateException e) {
                // Another process may have taken the port between probing and binding; try another one.
                last = e;
                log.warn("Local PostgreSQL did not start on port {} (attempt {}): {}", port, attempt, e.getMessage());
            }
        }
        throw last;
    }

    @Override
    public void start() {
        run(List.of(bin("pg_ctl"), "-D", dataDir.toString(), "-l", baseDir.resolve("server.log").toString(),
                "-o", "-p " + port, "-w", "-t", "60", "start"), "pg_ctl start");
        running = true;
        log.info("Local PostgreSQL ({}) running on 127.0.0.1:{} (data in {})", binDir, port, dataDir);
    }

    @Override
    public void stop(boolean immediate) {
        if (!running) {
            return;
        }
        run(List.of(bin("pg_ctl"), "-D", dataDir.toString(), "-m", immediate ? "immediate" : "fast", "-w", "-t", "60", "stop"),
                "pg_ctl stop");
        running = false;
    }

    @Override
    public boolean restartable() {
        return true;
    }

    @Override
    public synchronized void close() {
        try {
            if (running) {
                stop(false);
            }
        } catch (RuntimeException e) {
            log.warn("Could not stop local PostgreSQL on port {}: {}", port, e.getMessage());
        } finally {
            deleteRecursively(baseDir);
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // Called from the hook itself.
            }
        }
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String user() {
        return SUPERUSER;
    }

    @Override
    public String password() {
        return null;
    }

    @Override
    public String kind() {
        return "local binaries " + binDir;
    }

    private String bin(String name) {
        return binDir.resolve(name).toString();
    }

    private void run(List<String> command, String what) {
        List<String> full = new ArrayList<>();
        if (asPostgresUser) {
            full.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
        }
        full.addAll(command);
        Path output = baseDir.resolve(what.replace(' ', '-') + ".out");
        try {
            Process process = new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(what + " did not finish within 120 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(what + " failed with exit code " + process.exitValue() + ": "
                        + tail(output) + tail(baseDir.resolve("server.log")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + String.join(" ", full), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + what, e);
        }
    }

    private static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> lines = Files.readAllLines(file);
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    static Optional<Path> findBinDir() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty() && Files.isExecutable(Paths.get(dir, "initdb")) && Files.isExecutable(Paths.get(dir, "pg_ctl"))) {
                    return Optional.of(Paths.get(dir));
                }
            }
        }
        Path root = Paths.get("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                    .max(Comparator.comparing(bin -> versionKey(bin.getParent().getFileName().toString())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String versionKey(String version) {
        // Zero-pad each numeric part so "9.6" sorts below "15".
        return Arrays.stream(version.split("\\."))
                .map(p -> p.matches("\\d+") ? String.format("%05d", Integer.parseInt(p)) : p)
                .reduce("", (a, b) -> a + "." + b);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", dir, e.getMessage());
        }
    }
}
