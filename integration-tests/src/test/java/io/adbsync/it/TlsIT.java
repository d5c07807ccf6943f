package io.adbsync.it;

import io.adbsync.common.sql.SqlIdentifiers;
import io.adbsync.stack.LocalStack;
import io.adbsync.stack.connect.ConnectRestClient;
import io.adbsync.fixtures.postgres.CertificateAuthority;
import io.adbsync.stack.postgres.LocalPostgres;
import io.adbsync.stack.postgres.ServerTls;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.adbsync.it.Tables.rows;
import static io.adbsync.it.Tables.scalar;
import static io.adbsync.it.Tables.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Both connectors over TLS with {@code sslmode=verify-full} and client certificates, against a server that lets their
 * roles in only over TLS with a certificate its CA signed: the source by certificate alone ({@code cert}), for its
 * normal and its replication connections, the sink by password and certificate ({@code clientcert=verify-full}) with
 * an encrypted key. A server the configured CA did not sign, or one reached by a name its certificate does not hold,
 * is refused with a message that says what to check, and neither password appears anywhere the user can read.
 */
class TlsIT {

    private static final String SOURCE = "io.adbsync.source.AdbPgSourceConnector";
    private static final String SINK = "io.adbsync.sink.AdbPgSinkConnector";
    private static final String SOURCE_ROLE = "tls_source";
    private static final String SINK_ROLE = "tls_sink";
    private static final String SINK_PASSWORD = "Sink-Pa55word-71";
    private static final String KEY_PASSPHRASE = "Key-Pa55phrase-93";
    /** The only name the server's certificate holds: 127.0.0.1 reaches the same server under a name it does not. */
    private static final String HOST = "localhost";

    private static Path dir;
    private static CertificateAuthority ca;
    private static CertificateAuthority otherCa;
    private static CertificateAuthority.Issued sourceCertificate;
    private static Path sinkKey;
    private static LocalPostgres pg;
    private static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(LocalPostgres.available(), "no PostgreSQL binaries on this machine");
        assumeTrue(CertificateAuthority.available(), "no openssl on this machine");
        dir = Files.createTempDirectory("adbsync-tls-");
        ca = CertificateAuthority.create(dir, "trusted");
        otherCa = CertificateAuthority.create(dir, "other");
        CertificateAuthority.Issued server = ca.issueServer("server", List.of(HOST));
        sourceCertificate = ca.issueClient("source", SOURCE_ROLE);
        sinkKey = ca.issueClient("sink", SINK_ROLE).pkcs12(KEY_PASSPHRASE);
        pg = LocalPostgres.launch(Map.of(), new ServerTls(server.certificate(), server.pemKey(), ca.certificate(), List.of(
                "hostssl all " + SOURCE_ROLE + " 127.0.0.1/32 cert",
                "hostssl all " + SINK_ROLE + " 127.0.0.1/32 scram-sha-256 clientcert=verify-full")));
        // Superusers: the grants each connector needs are another test's subject; this one is about the transport.
        sql(pg, "postgres", "CREATE ROLE " + SqlIdentifiers.quote(SOURCE_ROLE) + " LOGIN SUPERUSER",
                "CREATE ROLE " + SqlIdentifiers.quote(SINK_ROLE) + " LOGIN SUPERUSER PASSWORD " + SqlIdentifiers.literal(SINK_PASSWORD));
        stack = LocalStack.start(1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (pg != null) {
            pg.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String url(String host, String db, Path rootCertificate, String clientParameters) {
        return "jdbc:postgresql://" + host + ":" + pg.port() + "/" + db + "?sslmode=verify-full&sslrootcert=" + rootCertificate
                + clientParameters;
    }

    private static Map<String, String> source(String db, String name, Path rootCertificate) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", SOURCE);
        config.put("tasks.max", "1");
        config.put("connection.url", url(HOST, db, rootCertificate, "&sslcert=" + sourceCertificate.certificate()
                + "&sslkey=" + sourceCertificate.pk8Key()));
        config.put("connection.user", SOURCE_ROLE);
        config.put("topic.prefix", name);
        config.put("slot.name", name);
        return config;
    }

    private static Map<String, String> sink(String host, String db, String prefix, Path rootCertificate) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", SINK);
        config.put("tasks.max", "1");
        // PKCS-12 holds the certificate and the encrypted key; its passphrase goes in connection.ssl.password.
        config.put("connection.url", url(host, db, rootCertificate, "&sslkey=" + sinkKey));
        config.put("connection.user", SINK_ROLE);
        config.put("connection.password", SINK_PASSWORD);
        config.put("connection.ssl.password", KEY_PASSPHRASE);
        config.put("topics.regex", prefix + "\\.public\\..*");
        config.put("consumer.override.metadata.max.age.ms", "500");
        return config;
    }

    /** The raw validate response, so that the test can look for a secret anywhere in it. */
    private static String validateResponse(Map<String, String> config) {
        Map<String, String> named = new LinkedHashMap<>(config);
        named.put("name", "validation");
        ConnectRestClient.Response r = stack.connect().rest().put("connector-plugins/" + config.get("connector.class")
                + "/config/validate", named);
        assertThat(r.ok()).as(String.valueOf(r.body())).isTrue();
        return r.body().toString();
    }

    private static void deployPair(String src, String dst, String prefix, Path sourceRoot, Path sinkRoot) {
        ConnectRestClient rest = stack.connect().rest();
        rest.deploy(prefix + "-source", source(src, prefix, sourceRoot));
        rest.awaitRunning(prefix + "-source", 1, Duration.ofSeconds(60));
        Awaitility.await("slot active").atMost(Duration.ofSeconds(30)).until(() -> "true".equals(
                scalar(pg, src, "SELECT active::text FROM pg_replication_slots WHERE slot_name = '" + prefix + "'")));
        rest.deploy(prefix + "-sink", sink(HOST, dst, prefix, sinkRoot));
        rest.awaitRunning(prefix + "-sink", 1, Duration.ofSeconds(60));
    }

    private static void awaitEqual(String src, String dst, String table) {
        Awaitility.await("destination equals source").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> assertThat(rows(pg, dst, table)).isEqualTo(rows(pg, src, table)));
    }

    /** The FAILED task's trace, once the task has failed. */
    private static String awaitFailedTrace(String connector) {
        ConnectRestClient rest = stack.connect().rest();
        return Awaitility.await(connector + " task FAILED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    var tasks = rest.status(connector).get("tasks");
                    return tasks.size() > 0 && "FAILED".equals(tasks.get(0).get("state").asText())
                            ? tasks.get(0).get("trace").asText() : null;
                }, trace -> trace != null);
    }

    @Test
    void bothConnectorsVerifyTheServerAndSignInWithClientCertificatesOnEveryConnection() throws Exception {
        String src = pg.createDatabase("tls_src");
        String dst = pg.createDatabase("tls_dst");
        sql(pg, src, "CREATE TABLE orders (id int PRIMARY KEY, note text, at timestamptz, took interval)",
                "INSERT INTO orders VALUES (1, 'snapshot', '2024-06-01 12:00+02', '1 day 02:00'), (2, 'gone', NULL, NULL)");
        ConnectRestClient rest = stack.connect().rest();

        // The precheck opens its connections with the same TLS settings and passes.
        assertThat(rest.validate(SOURCE, source(src, "tls", ca.certificate()))).isEmpty();
        assertThat(rest.validate(SINK, sink(HOST, dst, "tls", ca.certificate()))).isEmpty();

        deployPair(src, dst, "tls", ca.certificate(), ca.certificate());
        sql(pg, src, "INSERT INTO orders VALUES (3, 'streamed', now(), '-3 hours')",
                "UPDATE orders SET note = 'updated' WHERE id = 1", "DELETE FROM orders WHERE id = 2");
        awaitEqual(src, dst, "public.orders");
        assertThat(rows(pg, dst, "public.orders")).hasSize(2);

        // Every session of both roles, the source's walsender included, is encrypted and signed in by its certificate.
        String sessions = "SELECT string_agg(DISTINCT a.usename || ' ' || a.backend_type || ' ssl=' || s.ssl || ' ' "
                + "|| coalesce(s.client_dn, '-'), '; ' ORDER BY a.usename || ' ' || a.backend_type || ' ssl=' || s.ssl || ' ' "
                + "|| coalesce(s.client_dn, '-')) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) "
                + "WHERE a.usename IN ('" + SOURCE_ROLE + "', '" + SINK_ROLE + "')";
        assertThat(scalar(pg, "postgres", sessions)).isEqualTo(
                "tls_sink client backend ssl=true /CN=tls_sink; tls_source client backend ssl=true /CN=tls_source; "
                        + "tls_source walsender ssl=true /CN=tls_source");
        rest.remove("tls-sink");
        rest.remove("tls-source");
    }

    @Test
    void aServerTheCaDidNotSignOrReachedByAnotherNameIsRefusedOnTheUrlSayingWhatToCheck() throws Exception {
        String db = pg.createDatabase("tls_refused");
        sql(pg, db, "CREATE TABLE t (id int PRIMARY KEY)");
        ConnectRestClient rest = stack.connect().rest();

        Map<String, String> untrusted = source(db, "tls_refused", otherCa.certificate());
        Map<String, List<String>> sourceErrors = rest.validate(SOURCE, untrusted);
        assertThat(sourceErrors).containsOnlyKeys("connection.url");
        assertThat(sourceErrors.get("connection.url")).singleElement().asString()
                .contains("PKIX").contains("server's certificate").contains("sslrootcert");

        Map<String, String> wrongName = sink("127.0.0.1", db, "tls_refused", ca.certificate());
        Map<String, List<String>> sinkErrors = rest.validate(SINK, wrongName);
        assertThat(sinkErrors).containsOnlyKeys("connection.url");
        assertThat(sinkErrors.get("connection.url")).singleElement().asString()
                .contains("127.0.0.1").contains("does not name").contains("subjectAltName");

        Map<String, String> wrongPassphrase = sink(HOST, db, "tls_refused", ca.certificate());
        wrongPassphrase.put("connection.ssl.password", "not-the-passphrase");
        assertThat(rest.validate(SINK, wrongPassphrase).get("connection.url")).singleElement().asString()
                .contains("sslkey").contains("connection.ssl.password");

        for (Map<String, String> config : List.of(untrusted, wrongName, wrongPassphrase)) {
            assertThat(validateResponse(config)).doesNotContain(SINK_PASSWORD).doesNotContain(KEY_PASSPHRASE);
        }
    }

    @Test
    void aTaskWhoseServerCertificateIsNoLongerTrustedFailsWithTheReasonInsteadOfRetryingForHours() throws Exception {
        String src = pg.createDatabase("tls_task_src");
        String dst = pg.createDatabase("tls_task_dst");
        sql(pg, src, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'before')");
        // Each connector reads its own copy of the CA file, which the test then replaces by another CA's, as when
        // the server's certificate is renewed by a CA the workers do not have.
        Path sourceRoot = Files.copy(ca.certificate(), dir.resolve("source-root.crt"));
        Path sinkRoot = Files.copy(ca.certificate(), dir.resolve("sink-root.crt"));
        deployPair(src, dst, "tlstask", sourceRoot, sinkRoot);
        awaitEqual(src, dst, "public.t");
        ConnectRestClient rest = stack.connect().rest();

        Files.copy(otherCa.certificate(), sinkRoot, StandardCopyOption.REPLACE_EXISTING);
        rest.restart("tlstask-sink", true);
        sql(pg, src, "INSERT INTO t VALUES (2, 'after')");
        String sinkTrace = awaitFailedTrace("tlstask-sink");
        assertThat(sinkTrace).contains("PKIX").contains("sslrootcert").doesNotContain(SINK_PASSWORD).doesNotContain(KEY_PASSPHRASE);

        Files.copy(otherCa.certificate(), sourceRoot, StandardCopyOption.REPLACE_EXISTING);
        rest.restart("tlstask-source", true);
        String sourceTrace = awaitFailedTrace("tlstask-source");
        assertThat(sourceTrace).contains("PKIX").contains("sslrootcert");
        for (String connector : List.of("tlstask-sink", "tlstask-source")) {
            assertThat(rest.status(connector).toString()).doesNotContain(SINK_PASSWORD).doesNotContain(KEY_PASSPHRASE);
            rest.remove(connector);
        }
    }
}
