package io.adbsync.source.reconnect;

import io.adbsync.common.retry.RetryPolicy;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The source task's decisions about connecting again, on a test clock. */
class ConnectionRetryTest {

    private static final String URL = "jdbc:postgresql://db:5432/app";

    private final AtomicLong now = new AtomicLong(5_000_000);
    private final ConnectionRetry retry = new ConnectionRetry(URL, "adbsync",
            new RetryPolicy.Window("connection.retry.window.ms", 120_000), now::get);

    private static SQLException lostConnection() {
        return new SQLException("An I/O error occurred while sending to the backend.", "08006", new IOException("reset"));
    }

    /** Fails every attempt as soon as it is due; returns the waits between attempts until the window ran out. */
    private List<Long> failEveryAttempt(Runnable fail) {
        List<Long> waits = new ArrayList<>();
        while (true) {
            long wait = retry.waitMs();
            if (wait > 0) {
                waits.add(wait);
                now.addAndGet(wait);
            }
            try {
                fail.run();
            } catch (ConnectException e) {
                return waits;
            }
        }
    }

    @Test
    void aLostConnectionIsTriedAgainAtOnceThenWithWaitsDoublingToTheirMaximumUntilTheWindowEnds() {
        assertThat(retry.disconnected()).isFalse();
        long lostAt = now.get();
        retry.lost(lostConnection());
        assertThat(retry.disconnected()).isTrue();
        assertThat(retry.waitMs()).isZero();
        List<Long> waits = failEveryAttempt(() -> retry.reconnectFailed(lostConnection()));
        assertThat(waits).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L, 30_000L, 29_000L);
        // Measured from the loss, not from the first failed attempt.
        assertThat(now.get() - lostAt).isEqualTo(120_000);
    }

    @Test
    void theFailureAtTheEndOfTheWindowNamesTheWindowAndTheLastError() {
        retry.lost(lostConnection());
        now.addAndGet(120_000);
        assertThatThrownBy(() -> retry.reconnectFailed(new SQLException("the database system is starting up", "57P03")))
                .isInstanceOf(ConnectException.class)
                .hasMessage("Could not reconnect to " + URL + " within connection.retry.window.ms=120000 ms; last error: "
                        + "the database system is starting up");
    }

    @Test
    void aSourceDownAtStartIsTriedAgainAfterTheFirstWaitAndTheMessageSaysConnect() {
        retry.startFailed(new SQLException("Connection refused", "08001"));
        assertThat(retry.waitMs()).isEqualTo(1_000);
        // A slot still held by the previous task: transient as well.
        now.addAndGet(1_000);
        retry.startFailed(new SQLException("replication slot \"adbsync\" is active for PID 42", "55006"));
        assertThat(retry.waitMs()).isEqualTo(2_000);
        now.addAndGet(120_000);
        assertThatThrownBy(() -> retry.startFailed(new SQLException("Connection refused", "08001")))
                .hasMessageStartingWith("Could not connect to " + URL + " within connection.retry.window.ms=120000 ms");
    }

    @Test
    void connectingEndsTheStreakSoTheNextLossHasAWholeWindowAndTheFirstWaitAgain() {
        assertThat(retry.connected()).isEqualTo(-1);
        retry.lost(lostConnection());
        now.addAndGet(100_000);
        retry.reconnectFailed(lostConnection());
        now.addAndGet(retry.waitMs());
        assertThat(retry.connected()).isEqualTo(101_000);
        assertThat(retry.disconnected()).isFalse();
        retry.lost(lostConnection());
        retry.reconnectFailed(lostConnection());
        assertThat(retry.waitMs()).isEqualTo(1_000);
        now.addAndGet(119_000);
        retry.reconnectFailed(lostConnection());
        assertThat(retry.disconnected()).isTrue();
    }

    @Test
    void failuresThatRetryingDoesNotCureFailTheTaskAtOnceSayingWhatFailed() {
        SQLException auth = new SQLException("password authentication failed for user \"repl\"", "28P01");
        assertThatThrownBy(() -> retry.startFailed(auth)).isInstanceOf(ConnectException.class)
                .hasMessage("Cannot start streaming from " + URL + ": password authentication failed for user \"repl\" (SQLState 28P01)");
        SQLException gone = new SQLException("replication slot \"adbsync\" does not exist", "42704");
        assertThatThrownBy(() -> retry.lost(gone)).isInstanceOf(ConnectException.class)
                .hasMessage("Streaming from slot adbsync failed: replication slot \"adbsync\" does not exist (SQLState 42704)");
        assertThatThrownBy(() -> retry.reconnectFailed(gone)).isInstanceOf(ConnectException.class)
                .hasMessage("Cannot resume streaming from slot adbsync: replication slot \"adbsync\" does not exist (SQLState 42704)");
        assertThat(retry.disconnected()).isFalse();
    }

    @Test
    void aWrappedFailureAtStartIsJudgedByItsCauseAndAFatalOneIsThrownAsItIs() {
        ConnectException wrappedLoss = new ConnectException("Cannot read the key of public.t", lostConnection());
        retry.startFailed(wrappedLoss);
        assertThat(retry.waitMs()).isEqualTo(1_000);
        ConnectException wrappedFatal = new ConnectException("Table public.t has no key",
                new SQLException("permission denied for table t", "42501"));
        assertThatThrownBy(() -> retry.startFailed(wrappedFatal)).isSameAs(wrappedFatal);
        IllegalStateException bug = new IllegalStateException("no SQL behind it");
        assertThatThrownBy(() -> retry.startFailed(bug)).isSameAs(bug);
    }

    @Test
    void theTransientCauseIsFoundInTheFailureOrTheConnectExceptionAroundIt() {
        SQLException loss = lostConnection();
        assertThat((Object) ConnectionRetry.transientCause(loss)).isSameAs(loss);
        assertThat((Object) ConnectionRetry.transientCause(new ConnectException("TOAST re-read failed", loss))).isSameAs(loss);
        assertThat((Object) ConnectionRetry.transientCause(new SQLException("syntax error", "42601"))).isNull();
        assertThat((Object) ConnectionRetry.transientCause(new ConnectException("no cause"))).isNull();
    }
}
