package io.adbsync.common.jdbc;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertificateException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** The exception chains are the ones pgjdbc 42.7 produced against a TLS server in TlsIT and by hand. */
class TlsFailuresTest {

    private static SQLException connectionFailure(String message, Throwable cause) {
        return new SQLException(message, "08006", cause);
    }

    @Test
    void anUntrustedServerCertificatePointsAtSslrootcert() {
        SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed");
        pkix.initCause(new CertificateException("unable to find valid certification path to requested target"));
        SQLException explained = TlsFailures.explain(connectionFailure("SSL error: PKIX path building failed", pkix));
        assertThat(explained.getMessage()).startsWith("SSL error: PKIX path building failed. The server's certificate was not accepted")
                .contains("sslrootcert");
        assertThat(explained.getSQLState()).isEqualTo("08006");
        assertThat(explained.getCause().getCause()).isSameAs(pkix);
    }

    @Test
    void aHostNameTheCertificateDoesNotHoldPointsAtTheUrlsHost() {
        SQLException explained = TlsFailures.explain(connectionFailure(
                "The hostname 127.0.0.1 could not be verified by hostnameverifier PgjdbcHostnameVerifier.", null));
        assertThat(explained.getMessage()).isEqualTo("The hostname 127.0.0.1 could not be verified by hostnameverifier "
                + "PgjdbcHostnameVerifier. The server's certificate does not name the host of connection.url: with "
                + "sslmode=verify-full the URL's host must be one of the names in the certificate's subjectAltName");
    }

    @Test
    void aKeyThatCannotBeDecryptedPointsAtTheSslPassword() {
        // A PKCS-12 file with the wrong passphrase: pgjdbc's own message speaks of a missing CertificateFactory.
        IOException wrongPassphrase = new IOException("keystore password was incorrect",
                new UnrecoverableKeyException("failed to decrypt safe contents entry"));
        assertThat(TlsFailures.hint(connectionFailure("Could not find a java cryptographic algorithm: X.509 "
                + "CertificateFactory not available.", wrongPassphrase))).contains("sslkey").contains("connection.ssl.password");
    }

    @Test
    void aMissingFileSaysTheWorkerReadsIt() {
        assertThat(TlsFailures.hint(connectionFailure("Could not open SSL root certificate file /root/.postgresql/root.crt.",
                new FileNotFoundException("/root/.postgresql/root.crt (No such file or directory)"))))
                .contains("every worker");
    }

    @Test
    void aKeyFileOthersMayReadIsARefusalToo() {
        SQLException e = connectionFailure("private key file \"/k.pk8\" has group or world access; file must have permissions "
                + "u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root. "
                + "Current permissions: rw-r--r--", null);
        assertThat(TlsFailures.hint(e)).contains("chmod 600");
        assertThat(SqlErrors.classify(e)).isEqualTo(SqlErrors.Kind.FATAL);
    }

    @Test
    void lostConnectionsAndOtherErrorsAreLeftAlone() {
        SSLHandshakeException cut = new SSLHandshakeException("Remote host terminated the handshake");
        cut.initCause(new EOFException("SSL peer shut down incorrectly"));
        SQLException lost = connectionFailure("SSL error: Remote host terminated the handshake", cut);
        assertThat(TlsFailures.hint(lost)).isNull();
        assertThat((Object) TlsFailures.explain(lost)).isSameAs(lost);
        assertThat(TlsFailures.hint(new SQLException("password authentication failed", "28P01"))).isNull();
        // Outside connection failures an I/O or security exception underneath is someone else's business.
        assertThat(TlsFailures.hint(new SQLException("copy failed", "XX000", new FileNotFoundException("x")))).isNull();
    }

    @Test
    void aServerWithoutTlsWhereTheUrlAsksForItIsARefusalNamingSslmode() {
        // pgjdbc 42.7 against a server with ssl=off and sslmode=require; 08004 is also its SQLState for a missing password.
        SQLException e = new SQLException("The server does not support SSL.", "08004");
        assertThat(TlsFailures.explain(e).getMessage()).startsWith("The server does not support SSL. ").contains("sslmode")
                .contains("ssl = on");
        assertThat(SqlErrors.classify(e)).isEqualTo(SqlErrors.Kind.FATAL);
    }
}
