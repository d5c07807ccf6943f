package io.adbsync.stack.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A throwaway certificate authority for TLS tests, made with the {@code openssl} command line (the JDK has no API
 * that issues certificates, and the machines that run PostgreSQL's binaries have openssl): it issues server
 * certificates for given host names and client certificates whose common name is the PostgreSQL role.
 */
public final class CertificateAuthority {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PASSPHRASE_VARIABLE = "ADBSYNC_TEST_KEY_PASSPHRASE";

    private final Path dir;
    private final String name;
    private final Path certificate;
    private final Path key;

    private CertificateAuthority(Path dir, String name) {
        this.dir = dir;
        this.name = name;
        this.certificate = dir.resolve(name + "-ca.crt");
        this.key = dir.resolve(name + "-ca.key");
    }

    /** A certificate and its private key in the forms the server (PEM) and pgjdbc (DER PKCS-8, PKCS-12) read. */
    public record Issued(Path certificate, Path pemKey, Path pk8Key) {

        /**
         * The key and certificate as a PKCS-12 file encrypted with {@code passphrase} (openssl's default AES
         * encryption), which pgjdbc reads as {@code sslkey} with the passphrase as {@code sslpassword}.
         */
        public Path pkcs12(String passphrase) {
            Path p12 = pemKey.resolveSibling(pemKey.getFileName().toString().replace(".key", ".p12"));
            // Through the environment: an argument would be visible to every user of the machine in ps.
            run(Map.of(PASSPHRASE_VARIABLE, passphrase), "pkcs12", "-export", "-in", certificate.toString(), "-inkey",
                    pemKey.toString(), "-out", p12.toString(), "-name", "user", "-passout", "env:" + PASSPHRASE_VARIABLE);
            return p12;
        }
    }

    /** Whether {@code openssl} is on the PATH. */
    public static boolean available() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String entry : path.split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Paths.get(entry, "openssl"))) {
                return true;
            }
        }
        return false;
    }

    /** A new self-signed CA in {@code dir}, its files named after {@code name}. */
    public static CertificateAuthority create(Path dir, String name) {
        CertificateAuthority ca = new CertificateAuthority(dir, name);
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=adbsync test CA " + name,
                "-keyout", ca.key.toString(), "-out", ca.certificate.toString(),
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    /** The CA's certificate (PEM): a client's {@code sslrootcert}, a server's {@code ssl_ca_file}. */
    public Path certificate() {
        return certificate;
    }

    /** A server certificate for {@code hostNames} (its subjectAltName DNS entries; the first is also the CN). */
    public Issued issueServer(String fileName, List<String> hostNames) {
        String san = hostNames.stream().map(h -> h.matches("[0-9.]+") ? "IP:" + h : "DNS:" + h).collect(Collectors.joining(","));
        return issue(fileName, hostNames.get(0), List.of("subjectAltName=" + san, "extendedKeyUsage=serverAuth"));
    }

    /** A client certificate whose common name is {@code role}: what {@code cert} and {@code clientcert=verify-full} match. */
    public Issued issueClient(String fileName, String role) {
        return issue(fileName, role, List.of("extendedKeyUsage=clientAuth"));
    }

    private Issued issue(String fileName, String commonName, List<String> extensions) {
        Path pem = dir.resolve(fileName + ".key");
        Path csr = dir.resolve(fileName + ".csr");
        Path crt = dir.resolve(fileName + ".crt");
        Path pk8 = dir.resolve(fileName + ".pk8");
        Path ext = dir.resolve(fileName + ".ext");
        List<String> lines = new ArrayList<>(List.of("basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment"));
        lines.addAll(extensions);
        try {
            Files.write(ext, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + ext, e);
        }
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + commonName, "-keyout", pem.toString(), "-out", csr.toString());
        openssl("x509", "-req", "-in", csr.toString(), "-CA", certificate.toString(), "-CAkey", key.toString(),
                "-set_serial", Long.toString(RANDOM.nextLong() & Long.MAX_VALUE), "-days", "30",
                "-extfile", ext.toString(), "-out", crt.toString());
        openssl("pkcs8", "-topk8", "-nocrypt", "-inform", "PEM", "-outform", "DER", "-in", pem.toString(), "-out", pk8.toString());
        return new Issued(crt, pem, pk8);
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + name + " in " + dir + "]";
    }

    private static void openssl(String... arguments) {
        run(Map.of(), arguments);
    }

    private static void run(Map<String, String> environment, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(arguments));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl " + arguments[0] + " did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("openssl " + arguments[0] + " failed with exit code " + process.exitValue()
                        + ": " + new String(output));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run openssl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running openssl", e);
        }
    }
}
