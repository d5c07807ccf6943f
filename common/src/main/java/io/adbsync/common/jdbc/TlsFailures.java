package io.adbsync.common.jdbc;


import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.callback.UnsupportedCallbackException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.net.SocketException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Recognises a connection that TLS refused (the server's certificate, its host name, the client's key or one of the
 * files the URL names) and says what to check. pgjdbc reports them all as a connection failure (SQLState 08006), often
 * with an I/O exception underneath, like a lost connection; unlike one, they do not go away by retrying.
 */
public final class TlsFailures {

    private TlsFailures() {
    }

    /** What the user should check about {@code e}, or null when it is not a refusal by TLS. */
    public static String hint(SQLException e) {
        if (e.getSQLState() == null || !e.getSQLState().startsWith("08")) {
            return null;
        }
        boolean handshake = false;
        boolean cutShort = false;
        boolean certificate = false;
        boolean missingFile = false;
        boolean key = false;
        boolean hostName = false;
        boolean keyReadable = false;
        boolean noTlsAtServer = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            handshake |= t instanceof SSLHandshakeException || t instanceof SSLPeerUnverifiedException;
            cutShort |= t instanceof EOFException || t instanceof SocketException;
            certificate |= t instanceof CertificateException || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException;
            missingFile |= t instanceof FileNotFoundException;
            key |= t instanceof GeneralSecurityException || t instanceof UnsupportedCallbackException;
            // pgjdbc's message names the verifier class ("... could not be verified by hostnameverifier
            // PgjdbcHostnameVerifier."), which stays in English whatever the driver's language.
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            hostName |= message.contains("hostnameverifier");
            // pgjdbc 42.7 checks the key file's permissions as libpq does; its message has no translation.
            keyReadable |= message.contains("private key file") && message.contains("group or world access");
            // The server answered the TLS request with "no": not a restart (a server that has TLS keeps it), a setting.
            noTlsAtServer |= message.contains("does not support ssl");
        }
        if (noTlsAtServer) {
            return "The server does not accept TLS connections, and the sslmode of " + ConnectionConfig.URL + " requires "
                    + "TLS: turn TLS on at the server (ssl = on with a certificate; see docs/security.md), or, only on a "
                    + "network you trust, lower sslmode";
        }
        if (handshake) {
            if (cutShort) {
                // The server went away during the handshake (a restart): a lost connection, not a refusal.
                return null;
            }
            return certificate
                    ? "The server's certificate was not accepted: with sslmode=verify-ca or verify-full it must be signed by "
                    + "a CA in the file sslrootcert names (default: ~/.postgresql/root.crt of the user the Connect worker "
                    + "runs as) and be valid now"
                    : "The TLS handshake with the server failed: check sslmode, the client certificate (sslcert, sslkey) and "
                    + "the server's ssl settings";
        }
        if (missingFile) {
            return "A file that sslrootcert, sslcert or sslkey names (or its default under ~/.postgresql) cannot be read: "
                    + "the Connect worker that runs the task reads these paths, so every worker needs the files there";
        }
        if (certificate) {
            return "A certificate file (sslrootcert or sslcert) could not be read: it must hold PEM or DER X.509 certificates";
        }
        if (key) {
            return "The client key (sslkey) could not be read: an encrypted key needs its passphrase in "
                    + ConnectionConfig.SSL_PASSWORD + ", and pgjdbc reads a PKCS-12 file (.p12) or a DER PKCS-8 key (.pk8), "
                    + "an encrypted .pk8 only with the older PBE schemes (openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES), not "
                    + "openssl's default PBES2";
        }
        if (keyReadable) {
            return "The client key file (sslkey) may be read by other users: make it readable by the Connect worker's "
                    + "user only (chmod 600)";
        }
        if (hostName) {
            return "The server's certificate does not name the host of " + ConnectionConfig.URL + ": with "
                    + "sslmode=verify-full the URL's host must be one of the names in the certificate's subjectAltName";
        }
        return null;
    }

    /** {@code e} with the hint appended to its message when it is a refusal by TLS, else {@code e} itself. */
    public static SQLException explain(SQLException e) {
        String hint = hint(e);
        if (hint == null) {
            return e;
        }
        String message = e.getMessage() == null ? "" : e.getMessage().strip();
        if (message.endsWith(".")) {
            message = message.substring(0, message.length() - 1);
        }
        return new SQLException(message + ". " + hint, e.getSQLState(), e);
    }
}
