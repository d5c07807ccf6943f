package io.adbsync.common.jdbc;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SessionOptionsTest {

    @Test
    void theUsersComeFirst() {
        assertThat(SessionOptions.merge("-c statement_timeout=0 ", " -c TimeZone=UTC")).isEqualTo("-c statement_timeout=0 -c TimeZone=UTC");
        assertThat(SessionOptions.merge(null, "-c TimeZone=UTC")).isEqualTo("-c TimeZone=UTC");
        assertThat(SessionOptions.merge(" ", "-c TimeZone=UTC")).isEqualTo("-c TimeZone=UTC");
        assertThat(SessionOptions.merge("-c gp_role=utility", null)).isEqualTo("-c gp_role=utility");
    }

    @Test
    void collisionsAreFoundInEveryFormTheServerReads() {
        String ours = "-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3 -c lc_monetary=C";
        assertThat(SessionOptions.collisions("-c timezone=Europe/Berlin --extra-float-digits=1 -clc_monetary=de_DE "
                + "-c search_path=a\\ b -c statement_timeout=0", ours))
                .containsExactly("timezone", "extra_float_digits", "lc_monetary");
        assertThat(SessionOptions.collisions("-c search_path=x", ours)).isEmpty();
        assertThat(SessionOptions.collisions(null, ours)).isEmpty();
    }

    @Test
    void anEscapedSpaceStaysInItsWord() {
        assertThat(SessionOptions.names("-c search_path=my\\ schema\\ -c\\ TimeZone=x")).containsExactly("search_path");
    }
}
