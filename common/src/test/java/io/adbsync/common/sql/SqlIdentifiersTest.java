package io.adbsync.common.sql;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqlIdentifiersTest {

    @Test
    void quotesKeepingCaseAndDoublingEmbeddedQuotes() {
        assertThat(SqlIdentifiers.quote("Orders")).isEqualTo("\"Orders\"");
        assertThat(SqlIdentifiers.quote("a\"b")).isEqualTo("\"a\"\"b\"");
        assertThat(SqlIdentifiers.quote("x\"; DROP TABLE t; --")).isEqualTo("\"x\"\"; DROP TABLE t; --\"");
        assertThat(SqlIdentifiers.qualified("my schema", "t")).isEqualTo("\"my schema\".\"t\"");
    }

    @Test
    void rejectsEmptyAndNulIdentifiers() {
        assertThatThrownBy(() -> SqlIdentifiers.quote("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> SqlIdentifiers.quote("a\0b")).hasMessageContaining("NUL");
    }

    @Test
    void literalsDoubleSingleQuotes() {
        assertThat(SqlIdentifiers.literal("it's")).isEqualTo("'it''s'");
    }
}
