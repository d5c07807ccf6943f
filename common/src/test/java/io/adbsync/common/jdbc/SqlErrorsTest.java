package io.adbsync.common.jdbc;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.net.ConnectException;
import java.security.cert.CertificateException;
import java.security.spec.InvalidKeySpecException;
import java.sql.SQLException;

import static io.adbsync.common.jdbc.SqlErrors.Kind.DATA;
import static io.adbsync.common.jdbc.SqlErrors.Kind.FATAL;
import static io.adbsync.common.jdbc.SqlErrors.Kind.TRANSIENT;
import static org.assertj.core.api.Assertions.assertThat;

class SqlErrorsTest {

    @Test
    void connectionLossAndOverloadAreTransient() {
        assertThat(SqlErrors.classify(new SQLException("closed", "08006"))).isEqualTo(TRANSIENT);
        assertThat(SqlErrors.classify(new SQLException("shutdown", "57P01"))).isEqualTo(TRANSIENT);
        assertThat(SqlErrors.classify(new SQLException("too many connections", "53300"))).isEqualTo(TRANSIENT);
        assertThat(SqlErrors.classify(new SQLException("deadlock", "40P01"))).isEqualTo(TRANSIENT);
        assertThat(SqlErrors.classify(new SQLException("slot active", "55006"))).isEqualTo(TRANSIENT);
        assertThat(SqlErrors.classify(new SQLException("io", "XX000", new EOFException()))).isEqualTo(TRANSIENT);
    }

    @Test
    void lostConnectionsAreToldApartFromContention() {
        assertThat(SqlErrors.isConnectionLoss(new SQLException("closed", "08006"))).isTrue();
        assertThat(SqlErrors.isConnectionLoss(new SQLException("shutdown", "57P01"))).isTrue();
        assertThat(SqlErrors.isConnectionLoss(new SQLException("io", "XX000", new EOFException()))).isTrue();
        assertThat(SqlErrors.isConnectionLoss(new SQLException("no state"))).isTrue();
        assertThat(SqlErrors.isConnectionLoss(new SQLException("deadlock", "40P01"))).isFalse();
        assertThat(SqlErrors.isConnectionLoss(new SQLException("statement timeout", "57014"))).isFalse();
        assertThat(SqlErrors.isConnectionLoss(new SQLException("lock timeout", "55P03"))).isFalse();
    }

    @Test
    void statementAndLockTimeoutsAreTransient() {
        // statement_timeout (or a cancel) and lock_timeout: the statement gave up waiting; the same batch may succeed later.
        assertThat(SqlErrors.classify(new SQLException("canceling statement due to statement timeout", "57014"))).isEqualTo(TRANSIENT);
        assertThat(SqlErrors.classify(new SQLException("canceling statement due to lock timeout", "55P03"))).isEqualTo(TRANSIENT);
        assertThat(SqlErrors.classify(new SQLException("object not in prerequisite state", "55000"))).isEqualTo(FATAL);
    }

    @Test
    void dataErrorsBelongToTheRecord() {
        assertThat(SqlErrors.classify(new SQLException("bad value", "22P02"))).isEqualTo(DATA);
        assertThat(SqlErrors.classify(new SQLException("not null", "23502"))).isEqualTo(DATA);
        assertThat(SqlErrors.classify(new SQLException("index row size 9000 exceeds btree version 4 maximum 2704", "54000")))
                .isEqualTo(DATA);
        assertThat(SqlErrors.classify(new SQLException("stack depth limit exceeded", "54001"))).isEqualTo(FATAL);
    }

    @Test
    void authPrivilegeAndSyntaxAreFatal() {
        assertThat(SqlErrors.classify(new SQLException("password", "28P01"))).isEqualTo(FATAL);
        assertThat(SqlErrors.classify(new SQLException("permission", "42501"))).isEqualTo(FATAL);
        assertThat(SqlErrors.classify(new SQLException("no slot", "42704"))).isEqualTo(FATAL);
    }

    /** Chains as pgjdbc 42.7 builds them (SQLState 08006 throughout): retrying for hours would not change them. */
    @Test
    void aConnectionRefusedByTlsIsFatalWhileAHandshakeCutShortIsTransient() {
        SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed");
        pkix.initCause(new CertificateException("unable to find valid certification path to requested target"));
        assertThat(SqlErrors.classify(new SQLException("SSL error: PKIX path building failed", "08006", pkix))).isEqualTo(FATAL);
        assertThat(SqlErrors.classify(new SQLException(
                "The hostname 127.0.0.1 could not be verified by hostnameverifier PgjdbcHostnameVerifier.", "08006"))).isEqualTo(FATAL);
        assertThat(SqlErrors.classify(new SQLException("Could not read SSL key file /k.pk8.", "08006",
                new FileNotFoundException("/k.pk8 (No such file or directory)")))).isEqualTo(FATAL);
        assertThat(SqlErrors.classify(new SQLException("Could not decrypt SSL key file /k.pk8.", "08006",
                new InvalidKeySpecException("Cannot retrieve the PKCS8EncodedKeySpec")))).isEqualTo(FATAL);

        SSLHandshakeException cut = new SSLHandshakeException("Remote host terminated the handshake");
        cut.initCause(new EOFException("SSL peer shut down incorrectly"));
        assertThat(SqlErrors.classify(new SQLException("SSL error: Remote host terminated the handshake", "08006", cut)))
                .isEqualTo(TRANSIENT);
        assertThat(SqlErrors.classify(new SQLException("Connection refused", "08001", new ConnectException("refused"))))
                .isEqualTo(TRANSIENT);
    }

    @Test
    void aPrecheckTellsALoginRefusedAndAMissingDatabaseFromOtherFailures() {
        assertThat(SqlErrors.isAuthenticationFailure(new SQLException("password authentication failed", "28P01"))).isTrue();
        assertThat(SqlErrors.isAuthenticationFailure(new SQLException("no pg_hba.conf entry", "28000"))).isTrue();
        assertThat(SqlErrors.isAuthenticationFailure(new SQLException("no state"))).isFalse();
        assertThat(SqlErrors.isUndefinedDatabase(new SQLException("database \"x\" does not exist", "3D000"))).isTrue();
        assertThat(SqlErrors.isUndefinedDatabase(new SQLException("closed", "08006"))).isFalse();
        assertThat(SqlErrors.isUndefinedTable(new SQLException("relation \"t\" does not exist", "42P01"))).isTrue();
        assertThat(SqlErrors.isUndefinedTable(new SQLException("no state"))).isFalse();
    }
}
