package io.adbsync.common.retry;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {

    private final AtomicLong now = new AtomicLong();
    private final RetryPolicy policy = new RetryPolicy(new RetryPolicy.Window("retry.window.connection.ms", 60_000),
            new RetryPolicy.Window("retry.window.other.ms", 5_000), 1_000, 60_000, now::get);

    @Test
    void connectionLossIsRetriedWithinItsOwnLongerWindowWithDoublingBackoff() {
        SQLException lost = new SQLException("gone", "08006");
        assertThat(policy.nextBackoff(lost)).isEqualTo(1_000);
        now.set(10_000);
        assertThat(policy.nextBackoff(lost)).isEqualTo(2_000);
        now.set(59_000);
        assertThat(policy.nextBackoff(lost)).isEqualTo(1_000);
        now.set(60_000);
        assertThat(policy.nextBackoff(lost)).isNull();
        assertThat(policy.windowKey(lost)).isEqualTo("retry.window.connection.ms");
    }

    @Test
    void otherTransientFailuresUseTheShortWindowAndSuccessResetsTheStreak() {
        SQLException deadlock = new SQLException("deadlock", "40P01");
        assertThat(policy.nextBackoff(deadlock)).isEqualTo(1_000);
        now.set(5_000);
        assertThat(policy.nextBackoff(deadlock)).isNull();
        policy.succeeded();
        assertThat(policy.nextBackoff(deadlock)).isEqualTo(1_000);
        assertThat(policy.windowKey(deadlock)).isEqualTo("retry.window.other.ms");
    }

    @Test
    void theBackoffStopsDoublingAtItsMaximum() {
        RetryPolicy capped = RetryPolicy.oneWindow(new RetryPolicy.Window("w", 3_600_000), 1_000, 30_000, now::get);
        SQLException lost = new SQLException("gone", "08006");
        long[] waits = new long[7];
        for (int i = 0; i < waits.length; i++) {
            waits[i] = capped.nextBackoff(lost);
            now.addAndGet(waits[i]);
        }
        assertThat(waits).containsExactly(1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000);
    }

    @Test
    void aFailureRetriedAtOnceStartsTheWindowWithoutUsingABackoff() {
        SQLException lost = new SQLException("gone", "08006");
        assertThat(policy.failing()).isFalse();
        now.set(1_000);
        policy.failed();
        assertThat(policy.failing()).isTrue();
        now.set(1_500);
        assertThat(policy.failingForMs()).isEqualTo(500);
        // The first retry failed as well: only now does the first backoff apply, in the window begun at the loss.
        assertThat(policy.nextBackoff(lost)).isEqualTo(1_000);
        now.set(61_000);
        assertThat(policy.nextBackoff(lost)).isNull();
        policy.succeeded();
        assertThat(policy.failing()).isFalse();
        assertThat(policy.failingForMs()).isZero();
    }

    @Test
    void aZeroWindowGivesUpAtTheFirstFailure() {
        RetryPolicy none = RetryPolicy.oneWindow(new RetryPolicy.Window("w", 0), 1_000, 30_000, now::get);
        assertThat(none.nextBackoff(new SQLException("gone", "08006"))).isNull();
    }
}
