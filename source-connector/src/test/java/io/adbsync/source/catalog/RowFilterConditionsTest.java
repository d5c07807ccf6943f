package io.adbsync.source.catalog;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RowFilterConditionsTest {

    @Test
    void questionMarksOutsideQuotesAreDoubledForAPreparedStatement() {
        assertThat(RowFilterConditions.forPreparedStatement("extra ? 'hidden' AND tags ?| ARRAY['a'] AND tags ?& ARRAY['b']"))
                .isEqualTo("extra ?? 'hidden' AND tags ??| ARRAY['a'] AND tags ??& ARRAY['b']");
        // Inside strings, quoted identifiers and dollar quotes a question mark is data, which pgjdbc leaves alone.
        assertThat(RowFilterConditions.forPreparedStatement("v = 'why?' AND \"odd?\" = $$?$$ AND w = E'\\'?'"))
                .isEqualTo("v = 'why?' AND \"odd?\" = $$?$$ AND w = E'\\'?'");
        assertThat(RowFilterConditions.forPreparedStatement("status <> 'draft'")).isEqualTo("status <> 'draft'");
    }
}
