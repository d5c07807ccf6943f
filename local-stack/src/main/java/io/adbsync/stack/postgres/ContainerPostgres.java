package io.adbsync.stack.postgres;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

import java.nio.file.Files;
import java.nio.file.Path;

/** A PostgreSQL server in a Testcontainers container, used where a Docker engine answers. */
public final class ContainerPostgres implements PostgresServer {

    private static final String IMAGE = "postgres:15";
    private final PostgreSQLContainer<?> container;

    private ContainerPostgres(PostgreSQLContainer<?> container) {
        this.container = container;
    }

    /** True when a Docker engine answers; checked cheaply first so machines without one do not wait for Testcontainers' probes. */
    public static boolean dockerAvailable() {
        boolean configured = System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!configured) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    public static ContainerPostgres launch() {
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>(IMAGE)
                .withUsername("postgres")
                .withPassword("postgres")
                .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=64",
                        "-c", "max_wal_senders=64", "-c", "max_connections=200", "-c", "fsync=off");
        container.start();
        return new ContainerPostgres(container);
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
    }

    @Override
    public String user() {
        return container.getUsername();
    }

    @Override
    public String password() {
        return container.getPassword();
    }

    @Override
    public String kind() {
        return "testcontainers " + IMAGE;
    }

    @Override
    public boolean restartable() {
        return false;
    }

    @Override
    public void stop(boolean immediate) {
        throw new IllegalStateException("Restarting a container keeps neither port nor data here; use local binaries for restart tests");
    }

    @Override
    public void start() {
        throw new IllegalStateException("Restarting a container keeps neither port nor data here; use local binaries for restart tests");
    }

    @Override
    public void close() {
        container.stop();
    }
}
