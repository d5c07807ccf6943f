package io.adbsync.sink.error;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {

    private final AtomicLong now = new AtomicLong();
    private final RetryPolicy policy = new RetryPolicy(60_000, 5_000, 1_000, now::get);

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
    }

    @Test
    void otherTransientFailuresUseTheShortWindowAndSuccessResetsTheStreak() {
        SQLException deadlock = new SQLException("deadlock", "40P01");
        assertThat(policy.nextBackoff(deadlock)).isEqualTo(1_000);
        now.set(5_000);
        assertThat(policy.nextBackoff(deadlock)).isNull();
        policy.succeeded();
        assertThat(policy.nextBackoff(deadlock)).isEqualTo(1_000);
    }
}
