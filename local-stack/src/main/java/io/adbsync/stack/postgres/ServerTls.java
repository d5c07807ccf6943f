package io.adbsync.stack.postgres;

import java.nio.file.Path;
import java.util.List;

/**
 * TLS for a {@link LocalPostgres}: the server's certificate and key (PEM), the CA file its clients' certificates are
 * checked against ({@code ssl_ca_file}), and the {@code pg_hba.conf} lines that say who must come over TLS and how
 * they authenticate, e.g. {@code hostssl all app 127.0.0.1/32 cert} (which logical replication connections match too).
 */
public record ServerTls(Path certificate, Path key, Path clientCa, List<String> hbaLines) {

    public ServerTls {
        hbaLines = List.copyOf(hbaLines);
    }
}
