package io.adbsync.stack.postgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Picks the PostgreSQL server for tests: {@code ADBSYNC_TEST_PG_URL} if set, else Testcontainers where a Docker
 * engine answers, else a server started from the machine's binaries.
 */
public final class Postgres {

    public static final String URL_ENV = "ADBSYNC_TEST_PG_URL";
    private static final Logger log = LoggerFactory.getLogger(Postgres.class);
    private static PostgresServer shared;

    private Postgres() {
    }

    /** A new server of the kind this environment offers; the caller closes it. */
    public static PostgresServer start() {
        String url = System.getenv(URL_ENV);
        PostgresServer server;
        if (url != null && !url.isBlank()) {
            server = ExternalPostgres.attach(url);
        } else if (ContainerPostgres.dockerAvailable()) {
            server = ContainerPostgres.launch();
        } else {
            server = LocalPostgres.launch(Map.of());
        }
        log.info("PostgreSQL for tests: {} at {}:{}", server.kind(), server.host(), server.port());
        return server;
    }

    /** One server per JVM shared by every test that only needs databases of its own; closed when the JVM exits. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            PostgresServer server = start();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shared-postgres-cleanup"));
            shared = server;
        }
        return shared;
    }

    /** A server the caller may stop and start (fault tests): always started from local binaries. */
    public static PostgresServer startRestartable() {
        return LocalPostgres.launch(Map.of());
    }
}
